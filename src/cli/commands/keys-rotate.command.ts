// `payhub keys rotate`: a new receipt signing key becomes active and the old one is retired (it stays
// in the JWKS, so receipts it signed keep verifying). Running hubs pick the new key at their next receipt.
import { Db } from '../../database/db';
import { resolveKeyEncryptionKey } from '../../receipts/key-encryption';
import { ReceiptsRepository } from '../../receipts/receipts.repository';
import { ReceiptSigningKeys } from '../../receipts/signing-keys';
import { EXIT, type Command } from '../command';
import { withMigratedDatabase } from '../migrated-database';

export const keysRotateCommand: Command = {
  path: ['keys', 'rotate'],
  summary: 'Rotate the receipt signing key (the old one is retired, and still verifies).',
  details: [
    'Prints {"retired": <old kid or null>, "active": <new kid>} as JSON. Uses the same key-encryption',
    'key as the hub (RECEIPT_KEY_ENCRYPTION_KEY, or HUB_DATA_DIR/receipt-kek); never prints a private key.',
  ].join('\n'),
  options: {},
  run(context) {
    return withMigratedDatabase(context, async (pool) => {
      const keys = new ReceiptSigningKeys(
        new ReceiptsRepository(new Db(pool)),
        resolveKeyEncryptionKey(context.config),
      );
      await context.stdout(JSON.stringify(await keys.rotate()) + '\n');
      return EXIT.ok;
    });
  },
};
