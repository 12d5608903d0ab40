import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ADMIN_TOKEN, adminHeaders, bootHub, LogCapture } from './support/hub';

describe('error answers', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const logs = new LogCapture();
  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db, { LOG_LEVEL: 'info' }, { log_destination: logs });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('answers an unknown route with 404 route_not_found in the coded body', async () => {
    const response = await fetch(`${hub.url}/v1/no-such-thing?card=4111111111111111`);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'route_not_found');
    assert.equal(body.error.param, null);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(!String(body.error.message).includes('4111'), 'the query string is not echoed');
    // Nor logged: the access line shows the parameter's name only.
    const requestId = response.headers.get('x-request-id');
    const incoming = logs
      .lines()
      .find((line) => line.reqId === requestId && (line.req as { url?: string } | undefined)?.url);
    assert.ok(incoming, 'the request is logged');
    assert.equal((incoming.req as { url: string }).url, '/v1/no-such-thing?card=[redacted]');
    assert.ok(!logs.text().includes('4111111111111111'), 'the query value never reaches the log');
  });

  it('answers a known path with an unknown method as route_not_found too', async () => {
    const response = await fetch(`${hub.url}/health`, { method: 'DELETE' });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'route_not_found');
  });

  it('answers an unexpected failure with 500 internal_error and no internal detail, and logs it', async () => {
    // The table is renamed back in `finally`; the verify query then fails inside Postgres.
    await db.pool.query('ALTER TABLE ledger_transfers RENAME TO ledger_transfers_hidden');
    let text: string;
    let status: number;
    let requestId: string | null;
    try {
      const response = await fetch(`${hub.url}/v1/ledger/verify`, { headers: adminHeaders() });
      status = response.status;
      requestId = response.headers.get('x-request-id');
      text = await response.text();
    } finally {
      await db.pool.query('ALTER TABLE ledger_transfers_hidden RENAME TO ledger_transfers');
    }
    assert.equal(status, 500);
    const body = JSON.parse(text) as { error: Record<string, unknown> };
    assert.equal(body.error.type, 'api_error');
    assert.equal(body.error.code, 'internal_error');
    assert.equal(body.error.param, null);
    for (const leak of ['ledger_transfers', 'relation', 'postgres', ADMIN_TOKEN, ' at ']) {
      assert.ok(!text.includes(leak), `the body must not mention ${JSON.stringify(leak)}: ${text}`);
    }
    const logged = logs.lines().find((line) => line.msg === 'request failed' && line.reqId === requestId);
    assert.ok(logged, 'the failure is logged with its request id');
    assert.match(JSON.stringify(logged.err), /ledger_transfers/);
  });

  it('logs JSON lines with request ids and never the Authorization header', async () => {
    const response = await fetch(`${hub.url}/v1/ledger/verify`, {
      headers: { ...adminHeaders(), 'x-request-id': 'trace-logging-test' },
    });
    assert.equal(response.status, 200);
    const lines = logs.lines();
    const completed = lines.find(
      (line) => line.reqId === 'trace-logging-test' && line.msg === 'request completed',
    );
    assert.ok(completed, 'a request-completed line carries the request id');
    assert.ok(!logs.text().includes(ADMIN_TOKEN), 'the admin token never reaches the log');
  });
});
