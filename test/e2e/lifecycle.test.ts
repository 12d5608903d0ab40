import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXPIRY_ID_PREFIX, PgLedger } from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { adminHeaders, bootHub, LogCapture, spawnHub } from './support/hub';

async function hubConnections(db: TestDatabase): Promise<number> {
  const result = await db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'payhub'",
  );
  return result.rows[0]!.n;
}

describe('hub lifecycle', () => {
  let db: TestDatabase;
  let dataDir: string;
  before(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'payhub-e2e-'));
  });
  after(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shuts down in order on SIGTERM and exits 0', async () => {
    const hub = spawnHub({ DATABASE_URL: db.url, PORT: '0', HUB_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const listening = await hub.waitForLog('payhub listening');
    const url = String(listening.url);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
    assert.ok((await hubConnections(db)) > 0, 'the hub holds connections while running');

    hub.signal('SIGTERM');
    const result = await hub.exited;
    assert.equal(result.signal, null, result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const messages = hub.logs().map((line) => line.msg);
    const order = ['shutting down', 'ledger drained', 'database closed', 'payhub stopped'].map((msg) =>
      messages.indexOf(msg),
    );
    assert.ok(
      order.every((index) => index >= 0),
      JSON.stringify(messages),
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      `logged in shutdown order: ${JSON.stringify(messages)}`,
    );
    assert.equal(await hubConnections(db), 0, 'the pool was ended');
    await assert.rejects(fetch(`${url}/health`), 'no longer accepting connections');
  });

  it('generates an admin token into HUB_DATA_DIR/admin-token (0600) when none is set, logs its path only, and reuses it', async () => {
    const logs = new LogCapture();
    const tokenDir = join(dataDir, 'token-test');
    const env = { HUB_ADMIN_TOKEN: '', HUB_DATA_DIR: tokenDir, LOG_LEVEL: 'info' };
    const first = await bootHub(db, env, { log_destination: logs });
    const file = join(tokenDir, 'admin-token');
    let token: string;
    try {
      token = readFileSync(file, 'utf8').trim();
      assert.match(token, /^[0-9a-f]{64}$/);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(
        (await fetch(`${first.url}/v1/ledger/verify`, { headers: adminHeaders(token) })).status,
        200,
      );
      const logged = logs.lines().find((line) => line.path === file);
      assert.equal(logged?.msg, 'generated an admin token; it is in this file');
      assert.ok(!logs.text().includes(token), 'the token itself is never logged');
    } finally {
      await first.close();
    }

    const second = await bootHub(db, env, { log_destination: logs });
    try {
      assert.equal(readFileSync(file, 'utf8').trim(), token);
      assert.equal(
        (await fetch(`${second.url}/v1/ledger/verify`, { headers: adminHeaders(token) })).status,
        200,
      );
      assert.ok(logs.lines().some((line) => line.path === file && line.msg === 'admin token read from file'));
    } finally {
      await second.close();
    }
  });

  it('expires a timed-out pending transfer in the background, and stops sweeping at close', async () => {
    const ledger = new PgLedger(db.pool);
    await ledger.createAccounts([
      { id: 'life:cash', code: 1100, currency: 'VND' },
      { id: 'life:payable', code: 2100, currency: 'VND' },
    ]);
    const [pending] = await ledger.createTransfers([
      {
        id: 'life:hold',
        debit_account_id: 'life:cash',
        credit_account_id: 'life:payable',
        amount: 500n,
        currency: 'VND',
        code: 1,
        timeout_seconds: 1,
        flags: { pending: true },
      },
    ]);
    assert.equal(pending!.result, 'created');
    const hub = await bootHub(db, { LEDGER_EXPIRY_SWEEP_MS: '50' });
    try {
      const deadline = Date.now() + 10_000;
      let expired = false;
      while (!expired && Date.now() < deadline) {
        expired = (await ledger.lookupTransfers([EXPIRY_ID_PREFIX + 'life:hold'])).length === 1;
        if (!expired) await new Promise((wake) => setTimeout(wake, 100));
      }
      assert.ok(expired, 'the sweep voided the pending transfer after its timeout');
      const balance = await ledger.lookupAccounts(['life:cash']);
      assert.equal(balance[0]!.debits_pending, 0n);
    } finally {
      await hub.close();
    }
    assert.equal(hub.database.pool.ended, true, 'close() ended the pool, so no sweep can run');
  });
});
