// `payhub qr decode <payload>` (or --payload=<payload>): reads a VietQR payload (as a scanner gives it) and prints what
// it asks the payer's bank to do, for support staff checking a code a citizen could not pay with. It
// opens no database.
import { parseVietQr } from '../../../adapters/vietqr';
import { stringifyJson } from '../../common/json';
import { EXIT, type Command } from '../command';

export const qrDecodeCommand: Command = {
  path: ['qr', 'decode'],
  summary: 'Parse and check a VietQR payload.',
  details: [
    'Prints the parse result as JSON: {"ok": true, "value": {...fields}} with the amount as a decimal',
    'string, exit 0; or {"ok": false, "reason": "<code>", "detail": "..."}, exit 1. The reasons are',
    'listed in docs/adapters/vietqr.md. Quote the payload: it may contain spaces.',
  ].join('\n'),
  arguments: [{ name: 'payload', description: 'The payload, exactly as scanned.' }],
  uses_config: false,
  options: {
    payload: { takes_value: true, description: 'The payload, when it is easier to pass as an option.' },
    compact: { takes_value: false, description: 'Print the result on one line.' },
  },
  async run({ options, args, stdout, stderr }) {
    const payload = args[0] ?? options.get('payload');
    if (typeof payload !== 'string') {
      await stderr('payhub qr decode: the payload is required: payhub qr decode <payload>\n');
      return EXIT.usage;
    }
    const result = parseVietQr(payload);
    await stdout(stringifyJson(result, options.has('compact') ? undefined : 2) + '\n');
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
