// Migrations on databases that start empty (not cloned from the migrated test template): each
// migration applies exactly once, a second run applies nothing, and hub instances that start together
// and migrate one database at the same moment neither fail nor apply anything twice.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { PgLedger } from '../../ledger';
import { MIGRATIONS_DIR, loadMigrations, migrate, pendingMigrations } from '../../src/database/migrate';
import { createPool, withDatabase } from '../../src/database/pool';

const adminUrl = process.env.PAYHUB_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
let admin: Pool;
const databases: string[] = [];
const pools: Pool[] = [];
const scratchDirs: string[] = [];

const known = loadMigrations();
const knownNames = known.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
const lastVersion = known[known.length - 1]!.version;

/** A brand-new database with nothing of ours in it: template0, not the migrated test template. */
async function emptyDatabase(): Promise<string> {
  const name = `payhub_test_mig_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  databases.push(name);
  return withDatabase(adminUrl!, name);
}

/** An independent pool: stands in for one hub instance. */
function hubPool(url: string): Pool {
  const pool = createPool(url, { max: 2 });
  // pool.end() resolves before its sessions have closed: the DROP ... WITH (FORCE) after the suite may
  // cut one still closing, an error with no one left to hear it.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

async function tablesPresent(pool: Pool): Promise<Record<string, boolean>> {
  const { rows } = await pool.query(
    `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS schema_migrations,
            to_regclass('public.ledger_accounts') IS NOT NULL AS ledger_accounts,
            to_regclass('public.ledger_transfers') IS NOT NULL AS ledger_transfers`,
  );
  return rows[0];
}

async function recorded(pool: Pool): Promise<Array<{ version: number; name: string; applied_at: Date }>> {
  const { rows } = await pool.query(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows;
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payhub-migrations-'));
  scratchDirs.push(dir);
  return dir;
}

before(async () => {
  assert.ok(adminUrl, 'run with test/run.ts (or set DATABASE_URL)');
  admin = new Pool({ connectionString: adminUrl, max: 1 });
});
after(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin?.end();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe('database migrations', { timeout: 60_000 }, () => {
  it('applies every migration to an empty database, then nothing the second time', async () => {
    assert.ok(known.length >= 1);
    const pool = hubPool(await emptyDatabase());
    assert.deepEqual(await tablesPresent(pool), {
      schema_migrations: false,
      ledger_accounts: false,
      ledger_transfers: false,
    });
    assert.equal(await pendingMigrations(pool), known.length);

    assert.deepEqual(await migrate(pool), { applied: knownNames, current_version: lastVersion });
    assert.deepEqual(await tablesPresent(pool), {
      schema_migrations: true,
      ledger_accounts: true,
      ledger_transfers: true,
    });
    const first = await recorded(pool);
    assert.deepEqual(
      first.map((row) => [row.version, row.name]),
      known.map((m) => [m.version, m.name]),
    );
    assert.equal(await pendingMigrations(pool), 0);

    assert.deepEqual(await migrate(pool), { applied: [], current_version: lastVersion });
    assert.deepEqual(await recorded(pool), first, 'the second run changed no record');
    assert.equal(await pendingMigrations(pool), 0);

    // The schema the migrations built is the one the ledger needs.
    const ledger = new PgLedger(pool);
    assert.deepEqual(
      (
        await ledger.createAccounts([
          { id: 'm-a', code: 1100, currency: 'VND' },
          { id: 'm-b', code: 2100, currency: 'VND' },
        ])
      ).map((r) => r.result),
      ['created', 'created'],
    );
    const [posted] = await ledger.createTransfers([
      { id: 'm-1', debit_account_id: 'm-a', credit_account_id: 'm-b', amount: 10n, currency: 'VND', code: 1 },
    ]);
    assert.equal(posted!.result, 'created');
    const report = await ledger.verify();
    assert.equal(report.ok, true, JSON.stringify(report.faults));
    assert.equal(report.accounts_checked, 2);
    assert.equal(report.transfers_checked, 1);
    await ledger.drain();
  });

  for (const instances of [2, 6]) {
    it(`applies each migration exactly once when ${instances} hub instances migrate an empty database at once`, async () => {
      const url = await emptyDatabase();
      const hubPools = Array.from({ length: instances }, () => hubPool(url));
      const settled = await Promise.allSettled(hubPools.map((pool) => migrate(pool)));
      const errors = settled.flatMap((s) =>
        s.status === 'rejected' ? [`${(s.reason as { code?: string }).code}: ${String(s.reason)}`] : [],
      );
      assert.deepEqual(errors, [], 'every instance starts');
      const reports = settled.map(
        (s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof migrate>>>).value,
      );
      assert.deepEqual(
        reports.flatMap((r) => r.applied).sort(),
        knownNames,
        'each migration applied by exactly one instance',
      );
      assert.deepEqual(
        reports.map((r) => r.current_version),
        hubPools.map(() => lastVersion),
      );
      const { rows } = await hubPools[0]!.query(
        'SELECT version, count(*)::int AS times FROM schema_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(
        rows,
        known.map((m) => ({ version: m.version, times: 1 })),
      );
      for (const pool of hubPools) assert.equal(await pendingMigrations(pool), 0);
    });
  }

  it('rolls a failing migration back, records nothing for it, and lets the next run apply it', async () => {
    const dir = scratchDir();
    for (const migration of known) {
      const file = `${String(migration.version).padStart(4, '0')}_${migration.name}.sql`;
      writeFileSync(join(dir, file), readFileSync(join(MIGRATIONS_DIR, file)));
    }
    const next = String(lastVersion + 1).padStart(4, '0');
    const extra = join(dir, `${next}_extra.sql`);
    // The first statement succeeds and the second fails: the first must not survive.
    writeFileSync(extra, 'CREATE TABLE half_done (id integer);\nSELECT 1 / 0;\n');
    const url = await emptyDatabase();
    const first = hubPool(url);
    await assert.rejects(migrate(first, dir), Error);
    assert.deepEqual(
      (await recorded(first)).map((row) => row.version),
      known.map((m) => m.version),
      'the migrations before the failing one stay applied',
    );
    const { rows } = await first.query(`SELECT to_regclass('public.half_done') IS NOT NULL AS present`);
    assert.equal(rows[0].present, false, 'nothing of the failed migration remains');
    assert.equal(await pendingMigrations(first, dir), 1);

    // Another instance must not wait forever: the failed run released the migration lock.
    writeFileSync(extra, 'CREATE TABLE half_done (id integer);\n');
    const second = hubPool(url);
    assert.deepEqual(await migrate(second, dir), {
      applied: [`${next}_extra`],
      current_version: lastVersion + 1,
    });
    assert.equal(await pendingMigrations(first, dir), 0);
    assert.equal(await pendingMigrations(first), 0, 'the shipped migrations are all applied too');
  });

  it('refuses migration files that are misnamed or out of sequence', () => {
    const gap = scratchDir();
    writeFileSync(join(gap, '0001_first.sql'), 'SELECT 1;');
    writeFileSync(join(gap, '0003_third.sql'), 'SELECT 1;');
    assert.throws(() => loadMigrations(gap), Error);
    const misnamed = scratchDir();
    writeFileSync(join(misnamed, '1_first.sql'), 'SELECT 1;');
    assert.throws(() => loadMigrations(misnamed), Error);
    const fine = scratchDir();
    writeFileSync(join(fine, '0002_second.sql'), 'SELECT 2;');
    writeFileSync(join(fine, '0001_first.sql'), 'SELECT 1;');
    writeFileSync(join(fine, 'README.md'), 'not a migration');
    assert.deepEqual(
      loadMigrations(fine).map((m) => [m.version, m.name]),
      [
        [1, 'first'],
        [2, 'second'],
      ],
    );
  });
});
