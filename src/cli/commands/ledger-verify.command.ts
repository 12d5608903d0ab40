// `payhub ledger verify`: the same check as GET /v1/ledger/verify, for cron jobs and incident work. It
// reads only: it neither migrates nor creates an embedded cluster that is not there.
import { PgLedger } from '../../../ledger';
import { stringifyJson } from '../../common/json';
import { openHubDatabase } from '../../database/hub-database';
import { pendingMigrations } from '../../database/migrate';
import { EXIT, type Command } from '../command';

export const ledgerVerifyCommand: Command = {
  path: ['ledger', 'verify'],
  summary: 'Recompute every balance and check every ledger invariant.',
  details: [
    'Prints the report as JSON (amounts as decimal strings). Exit 0 when the ledger is consistent,',
    '1 when the report lists any fault, 3 when the check could not run.',
  ].join('\n'),
  options: {
    compact: { takes_value: false, description: 'Print the report on one line.' },
  },
  async run({ config, logger, options, stdout, stderr }) {
    const database = await openHubDatabase(config, logger, {
      migrate: false,
      own_signals: false,
      create_embedded: false,
    });
    try {
      const pending = await pendingMigrations(database.pool);
      if (pending > 0) {
        await stderr(`payhub: the database lacks ${pending} migration(s); run \`payhub migrate\` first\n`);
        return EXIT.unavailable;
      }
      const report = await new PgLedger(database.pool).verify();
      await stdout(stringifyJson(report, options.has('compact') ? undefined : 2) + '\n');
      return report.ok ? EXIT.ok : EXIT.failed;
    } finally {
      await database.close();
    }
  },
};
