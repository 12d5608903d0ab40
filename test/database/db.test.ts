// Db.queryPrepared on a real Postgres: a named statement is parsed once per connection and, run by key,
// executed with a generic plan (planned once) rather than planned at every call; it joins the
// surrounding transaction like Db.query; and the receipt lookups the webhook deliveries make (one id by
// `id = $1`, several by `= ANY($1)`) answer the same rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Db } from '../../src/database/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface PreparedRow {
  name: string;
  generic_plans: string;
  custom_plans: string;
}

describe('Db.queryPrepared', () => {
  let db: TestDatabase;
  let single: Db;

  /** The named statements of the only connection of `single`'s pool, with how each was planned. */
  const preparedOnConnection = async (): Promise<Map<string, PreparedRow>> => {
    const found = await single.query<PreparedRow>(
      `SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name LIKE 'q_%'`,
    );
    return new Map(found.rows.map((row) => [row.name, row]));
  };

  before(async () => {
    db = await createTestDatabase({ pool_max: 1 });
    single = new Db(db.pool);
    await db.pool.query(`CREATE TABLE prepared_probe (id text PRIMARY KEY, n integer NOT NULL)`);
    await db.pool.query(`INSERT INTO prepared_probe SELECT 'p' || g, g FROM generate_series(1, 20000) AS g`);
    await db.pool.query('ANALYZE prepared_probe');
  });
  after(async () => db?.drop());

  it('plans a lookup by key once per connection, not at every call', async () => {
    for (let i = 1; i <= 12; i++) {
      const found = await single.queryPrepared<{ n: number }>(
        'q_probe_by_id',
        'SELECT n FROM prepared_probe WHERE id = $1',
        [`p${i}`],
      );
      assert.deepEqual(found.rows, [{ n: i }]);
    }
    const prepared = (await preparedOnConnection()).get('q_probe_by_id');
    assert.ok(prepared, 'prepared on the connection under its name');
    // Postgres plans the first five executions for their values, then keeps one generic plan.
    assert.equal(Number(prepared.custom_plans), 5);
    assert.equal(Number(prepared.generic_plans), 7);
  });

  it('keeps planning `= ANY($1)` for one id, which is why one receipt is looked up by `id = $1`', async () => {
    for (let i = 1; i <= 12; i++) {
      await single.queryPrepared(
        'q_probe_by_ids',
        'SELECT n FROM prepared_probe WHERE id = ANY($1::text[])',
        [[`p${i}`]],
      );
    }
    const prepared = (await preparedOnConnection()).get('q_probe_by_ids')!;
    assert.equal(Number(prepared.generic_plans), 0);
    assert.equal(Number(prepared.custom_plans), 12);
  });

  it('joins the surrounding transaction, as Db.query does', async () => {
    const seen = await single
      .transaction(async () => {
        await single.query(`INSERT INTO prepared_probe VALUES ('in-tx', -1)`);
        const inside = await single.queryPrepared<{ n: number }>(
          'q_probe_by_id',
          'SELECT n FROM prepared_probe WHERE id = $1',
          ['in-tx'],
        );
        throw Object.assign(new Error('roll back'), { inside: inside.rows });
      })
      .catch((error: { inside?: unknown }) => error.inside);
    assert.deepEqual(seen, [{ n: -1 }]);
    const afterwards = await single.queryPrepared(
      'q_probe_by_id',
      'SELECT n FROM prepared_probe WHERE id = $1',
      ['in-tx'],
    );
    assert.equal(afterwards.rows.length, 0, 'rolled back with the transaction');
  });
});
