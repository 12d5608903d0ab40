// `payhub reconcile --gateway vnpay --date 2026-11-21 FILE`: the same import as POST
// /v1/reconciliation/runs, from a file on disk, with a progress bar on stderr when it is a terminal. It
// runs the hub in-process (not listening), so missing_in_hub rows are confirmed at the gateway and
// posted late exactly as the server does.
import { createReadStream, statSync } from 'node:fs';
import { SettlementFileError } from '../../../adapters/contract';
import { HubError } from '../../common/errors';
import { stringifyJson } from '../../common/json';
import { createApp } from '../../main';
import { answerDto, reconcileTarget } from '../../reconciliation/reconciliation.controller';
import type { ImportProgress } from '../../reconciliation/reconciliation.importer';
import { ReconciliationService } from '../../reconciliation/reconciliation.service';
import { EXIT, type Command } from '../command';

/** Redraws at most this often: a million rows must not become a million writes to the terminal. */
const REDRAW_MS = 100;

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** One line, redrawn in place: rows, bytes read of the file's size, and a bar. */
export function progressLine(progress: ImportProgress, size: number, width = 30): string {
  const share = size > 0 ? Math.min(1, progress.bytes / size) : 1;
  const filled = Math.round(share * width);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}% ` +
    `${progress.rows.toLocaleString('en-US')} rows, ${megabytes(progress.bytes)}/${megabytes(size)} MB`
  );
}

export const reconcileCommand: Command = {
  path: ['reconcile'],
  summary: "Import and match a gateway's daily settlement file.",
  details: [
    'payhub reconcile --gateway <vnpay|momo|zalopay|vietqr> --date <YYYY-MM-DD> <FILE>',
    '',
    'Streams the file into one transaction: matched against the intents and refunds, exceptions',
    'recorded, the payout booked (bank:collection <- clearing:<gateway>), missing_in_hub rows confirmed',
    'at the gateway and posted late. Prints the run as JSON on stdout. The same file again changes',
    'nothing. Exit 0 when imported (or imported before), 1 when the file is refused (the message names',
    'the line; nothing is stored), 2 for wrong arguments, 3 when the hub could not run.',
  ].join('\n'),
  options: {
    gateway: { takes_value: true, description: 'The gateway whose file it is.' },
    date: { takes_value: true, description: 'The Vietnam calendar day the file covers (YYYY-MM-DD).' },
  },
  arguments: [{ name: 'FILE', description: 'The settlement file.' }],
  async run(context) {
    const file = context.args[0];
    if (file === undefined) {
      await context.stderr('payhub reconcile: the settlement FILE is missing\n');
      return EXIT.usage;
    }
    let target: { gateway: Parameters<ReconciliationService['reconcile']>[0]['gateway']; date: string };
    try {
      target = reconcileTarget(Object.fromEntries(context.options));
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      await context.stderr(`payhub reconcile: ${error.message}\n`);
      return EXIT.usage;
    }
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      await context.stderr(`payhub reconcile: cannot read ${file}\n`);
      return EXIT.usage;
    }
    const tty = process.stderr.isTTY === true;
    let drawn = 0;
    const draw = (progress: ImportProgress, force = false) => {
      if (!tty) return;
      const now = Date.now();
      if (!force && now - drawn < REDRAW_MS) return;
      drawn = now;
      process.stderr.write(`\r${progressLine(progress, size)}`);
    };
    const hub = await createApp(context.config, { logger: context.logger });
    try {
      const result = await hub.app.get(ReconciliationService).reconcile({
        gateway: target.gateway,
        settlement_date: target.date,
        source: createReadStream(file, { highWaterMark: 256 * 1024 }),
        on_progress: (progress) => draw(progress),
      });
      draw({ rows: result.run.rows_total, bytes: size }, true);
      if (tty) process.stderr.write('\n');
      const run = answerDto(result);
      await context.stderr(
        `${result.created ? 'imported' : 'already imported'}: ${run.id} ${run.gateway} ${run.date}, ` +
          `${run.rows} rows, ${run.matched} matched, ${run.exceptions} exceptions, payout ${run.payout} VND, ` +
          `clearing balance ${run.clearing_balance ?? 'n/a'} VND\n`,
      );
      await context.stdout(stringifyJson(run) + '\n');
      return EXIT.ok;
    } catch (error) {
      if (tty) process.stderr.write('\n');
      if (error instanceof HubError || error instanceof SettlementFileError) {
        await context.stderr(`payhub reconcile: ${error.message}\n`);
        return EXIT.failed;
      }
      throw error;
    } finally {
      await hub.close();
    }
  },
};
