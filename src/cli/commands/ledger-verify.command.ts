// `payhub ledger verify`: the same check as GET /v1/ledger/verify, for cron jobs and incident work. It
// reads only: it neither migrates nor creates an embedded cluster that is not there.
import { PgLedger } from '../../../ledger';
import { stringifyJson } from '../../common/json';
import { EXIT, type Command } from '../command';
import { withMigratedDatabase } from '../migrated-database';

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
  run(context) {
    return withMigratedDatabase(context, async (pool) => {
      const report = await new PgLedger(pool).verify();
      await context.stdout(stringifyJson(report, context.options.has('compact') ? undefined : 2) + '\n');
      return report.ok ? EXIT.ok : EXIT.failed;
    });
  },
};
