// A fresh database per suite, cloned from the migrated template that test/run.ts prepared, so suites
// never see each other's rows. Under DATABASE_URL alone (a suite run by hand) it migrates its own.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { migrate } from '../../src/database/migrate';
import { createPool, withDatabase } from '../../src/database/pool';

export interface TestDatabase {
  url: string;
  pool: Pool;
  /** A second, independent pool on the same database: stands in for another hub process. */
  newPool(max?: number): Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { pool_max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.PAYHUB_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
  if (!adminUrl)
    throw new Error(
      'run suites with `npm test` (or set DATABASE_URL to a Postgres you can create databases on)',
    );
  const template = process.env.PAYHUB_TEST_TEMPLATE;
  const name = `payhub_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pools: Pool[] = [];
  const newPool = (max = 10) => {
    const pool = createPool(url, { max });
    // Idle connections are cut when the database is dropped at the end of the suite.
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  };
  const pool = newPool(options.pool_max ?? 20);
  if (!template) await migrate(pool);
  return {
    url,
    pool,
    newPool,
    drop: async () => {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      const cleanup = new Pool({ connectionString: adminUrl, max: 1 });
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
