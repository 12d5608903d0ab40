import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bootHub } from './support/hub';

describe('health probes', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db);
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('answers 200 {status: ok} on GET /health', async () => {
    const response = await fetch(`${hub.url}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers 200 ready on GET /health/ready when the database is at the newest migration', async () => {
    const response = await fetch(`${hub.url}/health/ready`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', database: 'ok', migrations_pending: 0 });
  });

  it('answers 503 not_ready on GET /health/ready while a migration is pending', async () => {
    const removed = await db.pool.query<{ version: number; name: string }>(
      'DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version, name',
    );
    try {
      const response = await fetch(`${hub.url}/health/ready`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'not_ready', database: 'ok', migrations_pending: 1 });
    } finally {
      const row = removed.rows[0]!;
      await db.pool.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        row.version,
        row.name,
      ]);
    }
    assert.equal((await fetch(`${hub.url}/health/ready`)).status, 200);
  });

  it('returns a request id on every answer, keeping a sane X-Request-Id and replacing an unsafe one', async () => {
    const generated = await fetch(`${hub.url}/health`);
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

    const kept = await fetch(`${hub.url}/health`, { headers: { 'x-request-id': 'lb-7f3a.42' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-7f3a.42');

    const replaced = await fetch(`${hub.url}/health`, { headers: { 'x-request-id': 'a b"c' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
