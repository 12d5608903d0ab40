import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { PgLedger } from '../../ledger';
import { pendingMigrations } from '../../src/database/migrate';
import { createPool, withDatabase } from '../../src/database/pool';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { payhub } from './support/hub';

describe('payhub ledger verify', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    const ledger = new PgLedger(db.pool);
    await ledger.createAccounts([
      { id: 'cli:cash', code: 1100, currency: 'VND' },
      { id: 'cli:payable', code: 2100, currency: 'VND' },
    ]);
    const [result] = await ledger.createTransfers([
      {
        id: 'cli:t1',
        debit_account_id: 'cli:cash',
        credit_account_id: 'cli:payable',
        amount: 100n,
        currency: 'VND',
        code: 1,
      },
    ]);
    assert.equal(result!.result, 'created');
  });
  after(async () => db?.drop());

  it('prints the report as JSON and exits 0 when the ledger is consistent', async () => {
    const result = await payhub(['ledger', 'verify'], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { ok: boolean; accounts_checked: number; totals: unknown[] };
    assert.equal(report.ok, true);
    assert.equal(report.accounts_checked, 2);
    assert.deepEqual(report.totals, [
      {
        currency: 'VND',
        debits_posted: '100',
        credits_posted: '100',
        debits_pending: '0',
        credits_pending: '0',
      },
    ]);
  });

  it('exits 1 and reports the account when a balance has been corrupted', async () => {
    await db.pool.query(
      "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = 'cli:payable'",
    );
    try {
      const result = await payhub(['ledger', 'verify', '--compact'], { DATABASE_URL: db.url });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout.trim().split('\n').length, 1, '--compact prints one line');
      const report = JSON.parse(result.stdout) as {
        ok: boolean;
        faults: { kind: string; account_id?: string }[];
      };
      assert.equal(report.ok, false);
      assert.ok(
        report.faults.some(
          (fault) => fault.kind === 'balance_mismatch' && fault.account_id === 'cli:payable',
        ),
      );
    } finally {
      await db.pool.query(
        "UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE id = 'cli:payable'",
      );
    }
  });

  it('exits 3 when the database cannot be reached', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1';
    const result = await payhub(['ledger', 'verify'], { DATABASE_URL: unreachable.toString() });
    assert.equal(result.code, 3);
    assert.equal(result.stdout, '');
    assert.ok(!result.stderr.includes(new URL(db.url).password), 'the password is not printed');
  });
});

describe('payhub usage', () => {
  it('prints the commands on --help and exits 0', async () => {
    const result = await payhub(['--help'], {});
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^ {2}migrate\b/m);
    assert.match(result.stdout, /^ {2}ledger verify\b/m);
  });

  it('exits 2 on an unknown command, a missing subcommand, an unknown option or no command', async () => {
    for (const args of [
      ['frobnicate'],
      ['ledger'],
      ['ledger', 'verify', '--nope'],
      ['ledger', 'verify', '--compact=yes'],
      [],
    ]) {
      const result = await payhub(args, {});
      assert.equal(result.code, 2, `payhub ${args.join(' ')}`);
      assert.equal(result.stdout, '');
    }
  });

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const result = await payhub(['ledger', 'verify'], { LOG_LEVEL: 'loud' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /LOG_LEVEL/);
  });
});

describe('payhub migrate', () => {
  const adminUrl = process.env.PAYHUB_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
  const name = `payhub_test_cli_${randomBytes(6).toString('hex')}`;
  let admin: Pool;
  before(async () => {
    assert.ok(adminUrl, 'run with test/run.ts');
    admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
  });
  after(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  });

  it('applies every migration to an empty database, then nothing the second time', async () => {
    const url = withDatabase(adminUrl!, name);
    const before = await payhub(['ledger', 'verify'], { DATABASE_URL: url });
    assert.equal(before.code, 3, 'verify refuses an unmigrated database');
    assert.match(before.stderr, /payhub migrate/);

    const first = await payhub(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { applied: string[]; current_version: number };
    assert.ok(report.applied.includes('0001_ledger'), first.stdout);
    assert.equal(report.applied.length, report.current_version);

    const pool = createPool(url, { max: 1 });
    try {
      assert.equal(await pendingMigrations(pool), 0);
    } finally {
      await pool.end();
    }
    const second = await payhub(['migrate'], { DATABASE_URL: url, LOG_LEVEL: 'silent' });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { applied: [], current_version: report.current_version });
  });
});
