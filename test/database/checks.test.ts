// The CHECKs rewritten for speed (migrations/0016) accept exactly what the regular expressions they
// replaced accepted: each constraint's definition, read from the database, is evaluated beside the old
// expression on values at and around every boundary (length, prefix, alphabet, case, accents, a final
// newline, empty, NULL) and on random ones.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/database';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LEDGER_ID = 'ABCXYZabcxyz0189_.:@/-';

interface Rewritten {
  table: string;
  constraint: string;
  column: string;
  /** The expression of migrations 0001-0013, $1 standing for the column. */
  old: string;
  /** Values that belong, from which the boundary cases are made. */
  valid: string[];
}

const crockford = (n: number) => Array.from({ length: n }, () => CROCKFORD[randomInt(32)]).join('');

/** A Crockford id column: the prefix then 26 characters (src/common/ids.ts). */
const idCheck = (table: string, column: string, prefix: string): Rewritten => ({
  table,
  constraint: `${table}_${column}_check`,
  column,
  old: `$1 ~ '^${prefix}[0-9A-HJKMNP-TV-Z]{26}$'`,
  valid: [prefix + crockford(26)],
});

const REWRITTEN: Rewritten[] = [
  {
    table: 'ledger_accounts',
    constraint: 'ledger_accounts_id_check',
    column: 'id',
    old: `$1 ~ '^[A-Za-z0-9_.:@/-]{1,128}$'`,
    valid: ['a', 'clearing:vnpay', 'payable:blr_01JD3M0Q8XK6W1E9T3V4R5S6P7', LEDGER_ID, 'x'.repeat(128)],
  },
  {
    table: 'ledger_transfers',
    constraint: 'ledger_transfers_id_check',
    column: 'id',
    old: `$1 ~ '^[A-Za-z0-9_.:@/~-]{1,160}$'`,
    valid: ['a', 'pay:pi_01JD3M0Q8XK6W1E9T3V4R5S6P7:fee', `${LEDGER_ID}~`, 'y'.repeat(160)],
  },
  {
    table: 'bills',
    constraint: 'bills_reference_check',
    column: 'reference',
    old: `$1 ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'`,
    valid: ['A', 'HS-2026.01:7_x', 'z'.repeat(64)],
  },
  {
    table: 'payment_intents',
    constraint: 'payment_intents_reference_check',
    column: 'reference',
    old: `$1 ~ '^PZ[0-9A-HJKMNP-TV-Z]{12}$'`,
    valid: [`PZ${crockford(12)}`],
  },
  idCheck('bills', 'id', 'bill_'),
  idCheck('payment_intents', 'id', 'pi_'),
  idCheck('receipts', 'id', 'rcp_'),
  idCheck('receipts', 'bill_id', 'bill_'),
  idCheck('receipts', 'payment_intent_id', 'pi_'),
  idCheck('events', 'id', 'evt_'),
];

/** Each valid value, and the values around it that a rewrite could get wrong. */
function casesOf(valid: string[]): Array<string | null> {
  const cases: Array<string | null> = [null, '', ' ', '\n', 'Đ'];
  for (const value of valid) {
    const last = value[value.length - 1]!;
    cases.push(
      value,
      value.slice(0, -1),
      value + last,
      value.slice(1),
      value.toLowerCase(),
      `${value}\n`,
      `\n${value}`,
      ` ${value}`,
      `${value.slice(0, -1)}Đ`,
      value.slice(0, -1) + 'I',
      value.slice(0, -1) + 'O',
      value.slice(0, -1) + 'U',
      value.slice(0, -1) + '~',
      value.slice(0, -1) + '-',
      value.repeat(2),
      value + 'x'.repeat(200),
    );
    for (let i = 0; i < 20; i += 1) {
      const at = randomInt(value.length);
      const replacement = String.fromCharCode(32 + randomInt(95));
      cases.push(value.slice(0, at) + replacement + value.slice(at + 1));
    }
  }
  return cases;
}

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

describe('CHECKs without bounded repetitions (migrations/0016)', () => {
  for (const rewritten of REWRITTEN) {
    it(`${rewritten.constraint} accepts exactly what ${rewritten.old} accepted`, async () => {
      const { rows } = await db.pool.query<{ def: string }>(
        `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
          WHERE c.conrelid = $1::regclass AND c.conname = $2`,
        [rewritten.table, rewritten.constraint],
      );
      assert.equal(rows.length, 1, `${rewritten.constraint} exists`);
      const def = rows[0]!.def;
      // It is the rewritten form: no bounded repetition left.
      assert.doesNotMatch(def, /\{\d/, def);
      const current = def
        .replace(/^CHECK \(/, '(')
        .replace(new RegExp(`\\b${rewritten.column}\\b`, 'g'), '$1::text');
      const old = rewritten.old.replace(/\$1/g, '$1::text');
      for (const value of casesOf(rewritten.valid)) {
        const answer = await db.pool.query<{ before: boolean; now: boolean }>(
          `SELECT (${old}) IS NOT FALSE AS before, ${current} IS NOT FALSE AS now`,
          [value],
        );
        const { before: was, now } = answer.rows[0]!;
        assert.equal(now, was, `${rewritten.constraint} on ${JSON.stringify(value)}: was ${was}, now ${now}`);
      }
      for (const value of rewritten.valid) {
        const answer = await db.pool.query<{ now: boolean }>(`SELECT ${current} IS NOT FALSE AS now`, [
          value,
        ]);
        assert.equal(answer.rows[0]!.now, true, `${JSON.stringify(value)} belongs`);
      }
    });
  }
});
