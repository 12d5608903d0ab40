// The ledger's statements prepared once per connection (LEDGER_PREPARED): the plans Postgres may keep
// for them, made without their values, find rows by primary key at a province's size (2,000 accounts,
// 20,000 transfers here), never by scanning; and transfers decided and written through them, with
// the generic plans forced, leave the ledger balanced.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { PgLedger, type TransferInput } from '../../ledger';
import { LEDGER_PREPARED } from '../../ledger/pg-ledger';
import { verifyLedger } from '../../ledger/verify';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ACCOUNTS = 2_000;
const TRANSFERS = 20_000;

describe('ledger: prepared statements', () => {
  let db: TestDatabase;
  let ledger: PgLedger;
  const transfer = (i: number): TransferInput => ({
    id: `plan-${i}`,
    debit_account_id: `clearing-${i % ACCOUNTS}`,
    credit_account_id: `payable-${(i * 7) % ACCOUNTS}`,
    amount: BigInt(1_000 + i),
    currency: 'VND',
    code: 1,
  });

  before(async () => {
    db = await createTestDatabase();
    ledger = new PgLedger(db.pool);
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => [
      { id: `clearing-${i}`, code: 1100, currency: 'VND' },
      { id: `payable-${i}`, code: 2100, currency: 'VND' },
    ]).flat();
    for (let i = 0; i < accounts.length; i += 1_000)
      await ledger.createAccounts(accounts.slice(i, i + 1_000));
    for (let i = 0; i < TRANSFERS; i += 1_000)
      await ledger.createTransfers(Array.from({ length: 1_000 }, (_, j) => transfer(i + j)));
    await db.pool.query('ANALYZE ledger_accounts, ledger_transfers');
  });
  after(async () => {
    await ledger.drain();
    await db.drop();
  });

  it('plans each by primary key, whatever the values', async () => {
    for (const [name, text] of Object.entries(LEDGER_PREPARED)) {
      const plan = (await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${text}`)).rows
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      assert.doesNotMatch(plan, /Seq Scan on ledger_(accounts|transfers)\b/, `${name}:\n${plan}`);
    }
  });

  it('decides and writes through them with generic plans, the ledger balanced', async () => {
    const generic = new Pool({
      connectionString: db.url,
      max: 1,
      options: '-c plan_cache_mode=force_generic_plan',
    });
    const client = await generic.connect();
    try {
      for (let batch = 0; batch < 3; batch++) {
        await client.query('BEGIN');
        const inputs = Array.from({ length: 20 }, (_, j) => transfer(TRANSFERS + batch * 20 + j));
        // One already there: answered exists, not written again.
        inputs.push(transfer(batch));
        const decided = await ledger.decideTransfersIn(client, inputs);
        assert.deepEqual(
          decided.results.map((result) => result.result),
          [...Array<string>(20).fill('created'), 'exists'],
        );
        assert.match(decided.write!.text, /^EXECUTE payhub_ledger_write\(/);
        const written = await client.query(decided.write!.text);
        assert.equal(written.rows.length, 20);
        await client.query('COMMIT');
      }
      const used = await client.query<{ name: string; generic_plans: number }>(
        `SELECT name, generic_plans::int FROM pg_prepared_statements WHERE name LIKE 'payhub_ledger_%' ORDER BY name`,
      );
      assert.deepEqual(
        used.rows.map((row) => [row.name, row.generic_plans >= 1]),
        [
          ['payhub_ledger_known_transfers', true],
          ['payhub_ledger_lock_accounts', true],
          ['payhub_ledger_write', true],
        ],
      );
    } finally {
      client.release();
      await generic.end();
    }
    const report = await verifyLedger(db.pool);
    assert.equal(report.ok, true, JSON.stringify(report.faults?.slice(0, 3)));
    const [credited] = await ledger.lookupAccounts([`payable-${((TRANSFERS + 1) * 7) % ACCOUNTS}`]);
    assert.ok(credited!.credits_posted > 0n);
  });
});
