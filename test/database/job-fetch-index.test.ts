// pg-boss's fetch with thousands of jobs waiting, on a real Postgres and pg-boss's own schema and SQL:
// without FETCH_ORDER_INDEX Postgres sorts every waiting job of the queue to take the first few; with it
// the plan reads them in order from the index (no sort of the waiting jobs), for the queues made before
// the index and after it; ensureFetchIndex is idempotent; and the jobs handed out are still the first
// in pg-boss's order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PgBoss from 'pg-boss';
import { ensureFetchIndex, FETCH_ORDER_INDEX, JOBS_SCHEMA } from '../../src/jobs/job-queue';
import { createTestDatabase, type TestDatabase } from '../support/database';

// pg-boss's statements, as it sends them (no type declarations for this module).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plans = require('pg-boss/src/plans') as {
  fetchNextJob: (schema: string) => (options: { includeMetadata?: boolean; priority?: boolean }) => string;
};

const WAITING = 10_000;
const FETCH = 16;

describe('the job fetch index', () => {
  let db: TestDatabase;
  let boss: PgBoss;

  /** The plan of pg-boss's fetch of FETCH jobs from the queue. */
  const fetchPlan = async (queue: string): Promise<string> => {
    const sql = plans.fetchNextJob(JOBS_SCHEMA)({ includeMetadata: false, priority: true });
    const explained = await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${sql}`, [
      queue,
      FETCH,
    ]);
    return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
  };
  const insertJobs = async (queue: string, count: number) => {
    for (let from = 0; from < count; from += 1_000)
      await boss.insert(
        Array.from({ length: Math.min(1_000, count - from) }, (_, i) => ({
          name: queue,
          data: { n: from + i },
        })),
      );
  };

  before(async () => {
    db = await createTestDatabase();
    boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => db.pool.query(text, values) },
      schema: JOBS_SCHEMA,
      supervise: false,
      schedule: false,
    });
    boss.on('error', () => undefined);
    await boss.start();
    await boss.createQueue('probe-before');
    await insertJobs('probe-before', WAITING);
    await db.pool.query('ANALYZE');
  });
  after(async () => {
    await boss?.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
    await db?.drop();
  });

  it('lets the fetch read the first due jobs in order instead of sorting every waiting one', async () => {
    const without = await fetchPlan('probe-before');
    assert.match(without, /Sort Key: job\.priority DESC, job\.created_on, job\.id/, without);

    await ensureFetchIndex(db.pool);
    await ensureFetchIndex(db.pool); // idempotent: a second hub process starting
    await db.pool.query('ANALYZE');
    const withIndex = await fetchPlan('probe-before');
    assert.doesNotMatch(withIndex, /Sort Key: job\.priority/, withIndex);
    assert.match(withIndex, /Index Scan using \S*name_priority_created_on_id\S* on/, withIndex);

    // A queue made after the index has it too.
    await boss.createQueue('probe-after');
    await insertJobs('probe-after', WAITING);
    await db.pool.query('ANALYZE');
    const later = await fetchPlan('probe-after');
    assert.doesNotMatch(later, /Sort Key: job\.priority/, later);
    assert.match(later, /Index Scan using \S*name_priority_created_on_id\S* on/, later);
    const parents = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`,
      [JOBS_SCHEMA, FETCH_ORDER_INDEX],
    );
    assert.equal(parents.rows[0]!.n, 1);
  });

  it("still hands out the jobs in pg-boss's order (priority, then the oldest)", async () => {
    const first = await db.pool.query<{ id: string }>(
      `SELECT id FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state < 'active'
        ORDER BY priority DESC, created_on, id LIMIT $2`,
      ['probe-before', FETCH],
    );
    const fetched = (await boss.fetch('probe-before', { batchSize: FETCH })) ?? [];
    assert.equal(fetched.length, FETCH);
    assert.deepEqual(fetched.map((job) => job.id).sort(), first.rows.map((row) => row.id).sort());
  });
});
