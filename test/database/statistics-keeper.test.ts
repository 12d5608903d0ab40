// The statistics keeper analyzes the tables that more than doubled since their last analysis (and
// changed by at least GROWTH_MIN rows), and only those, on a real Postgres: the plans a connection keeps
// (foreign-key checks) are then made again for the table as it is now.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PoolClient } from 'pg';
import { Db } from '../../src/database/db';
import {
  GROWTH_MIN,
  JOBS_TABLES_SCHEMA,
  SAMPLE_TARGET,
  StatisticsKeeper,
} from '../../src/database/statistics-keeper';
import { JOBS_SCHEMA } from '../../src/jobs/job-queue';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('statistics keeper', () => {
  let db: TestDatabase;
  let keeper: StatisticsKeeper;
  let writer: PoolClient;

  const stats = async (table: string) =>
    (
      await db.pool.query<{ analyzed: Date | null; changed: number; inserted: number }>(
        `SELECT coalesce(last_analyze, last_autoanalyze) AS analyzed, n_mod_since_analyze::int AS changed,
                n_tup_ins::int AS inserted
           FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      )
    ).rows[0]!;
  /**
   * A write whose statistics are in pg_stat_user_tables once it returns. A backend flushes its
   * statistics when it goes idle, at most once a second, and after a flush that found an entry busy
   * only 10 s later; pg_stat_force_next_flush() makes the next idle moment flush whatever is pending,
   * so it follows the write (before it, its own idle moment would use it up).
   */
  const write = async (sql: string, values: unknown[], table: string, inserted: number) => {
    await writer.query(sql, values);
    await writer.query('SELECT pg_stat_force_next_flush()');
    await until(async () => (await stats(table)).inserted === inserted);
  };
  const analyze = async (tables: string[]) => {
    await writer.query(`ANALYZE ${tables.join(', ')}`);
    for (const table of tables) await until(async () => (await stats(table)).changed === 0);
  };

  before(async () => {
    db = await createTestDatabase();
    writer = await db.pool.connect();
    keeper = new StatisticsKeeper(new Db(db.pool), createLogger('silent'));
    await writer.query('CREATE TABLE young (id int PRIMARY KEY)');
    await writer.query('CREATE TABLE steady (id int PRIMARY KEY)');
    await write('INSERT INTO steady SELECT generate_series(1, 3000)', [], 'steady', 3000);
    await analyze(['young', 'steady']);
  });
  after(async () => {
    writer?.release();
    await keeper?.onModuleDestroy();
    await db?.drop();
  });

  it('leaves a table alone until it has changed by GROWTH_MIN rows', async () => {
    await write(
      'INSERT INTO young SELECT generate_series(1, $1::int)',
      [GROWTH_MIN - 1],
      'young',
      GROWTH_MIN - 1,
    );
    assert.equal((await stats('young')).changed, GROWTH_MIN - 1);
    assert.ok(!(await keeper.grownTables()).includes('young'));
    assert.deepEqual(await keeper.run(), []);
  });

  it('analyzes a table that more than doubled, and not one that grew by less than its size', async () => {
    await write('INSERT INTO young SELECT generate_series($1::int, 5000)', [GROWTH_MIN], 'young', 5000);
    // steady: 3,000 rows at its analysis; 2,000 more is less than double.
    await write('INSERT INTO steady SELECT generate_series(3001, 5000)', [], 'steady', 5000);
    const steadyBefore = await stats('steady');
    assert.equal(steadyBefore.changed, 2000);
    assert.deepEqual(await keeper.grownTables(), ['young']);
    assert.deepEqual(await keeper.run(), ['young']);
    await until(async () => (await stats('young')).changed === 0);
    assert.notEqual((await stats('young')).analyzed, null);
    assert.deepEqual((await stats('steady')).analyzed, steadyBefore.analyzed);
    // A sample for row counts, not the full statistics: a histogram of SAMPLE_TARGET buckets, where
    // the default target gives 100.
    const histogram = await db.pool.query<{ bounds: number }>(
      `SELECT array_length(histogram_bounds::text::int[], 1) AS bounds
         FROM pg_stats WHERE tablename = 'young' AND attname = 'id'`,
    );
    assert.equal(histogram.rows[0]!.bounds, SAMPLE_TARGET + 1);
    // Analyzed at 5,000 rows: 600 more is no reason to analyze it again.
    await write('INSERT INTO young SELECT generate_series(5001, 5600)', [], 'young', 5600);
    assert.deepEqual(await keeper.run(), []);
  });

  it("analyzes a young job table in pg-boss's schema too, and no other schema's", async () => {
    assert.equal(JOBS_TABLES_SCHEMA, JOBS_SCHEMA);
    // A name that needs quoting, as a queue's partition name might.
    const jobTable = `${JOBS_SCHEMA}."job ""q"""`;
    await writer.query(`CREATE SCHEMA IF NOT EXISTS ${JOBS_SCHEMA}`);
    await writer.query(`CREATE TABLE ${jobTable} (id int PRIMARY KEY)`);
    await writer.query('CREATE SCHEMA elsewhere');
    await writer.query('CREATE TABLE elsewhere.other_young (id int PRIMARY KEY)');
    await writer.query(`ANALYZE ${jobTable}, elsewhere.other_young`);
    for (const name of ['job "q"', 'other_young'])
      await until(async () => (await stats(name))?.changed === 0);
    await write(`INSERT INTO ${jobTable} SELECT generate_series(1, 1000)`, [], 'job "q"', 1000);
    await write('INSERT INTO elsewhere.other_young SELECT generate_series(1, 1000)', [], 'other_young', 1000);
    assert.deepEqual(await keeper.grownTables(), [`${JOBS_SCHEMA}.job "q"`]);
    assert.deepEqual(await keeper.run(), [`${JOBS_SCHEMA}.job "q"`]);
    await until(async () => (await stats('job "q"')).changed === 0);
    assert.equal((await stats('other_young')).changed, 1000);
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('statistics did not arrive');
    await new Promise((wake) => setTimeout(wake, 50));
  }
}
