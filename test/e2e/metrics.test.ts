import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bootHub } from './support/hub';

/** The value of one sample line of a Prometheus exposition, or undefined. */
function sample(exposition: string, name: string, labels: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
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

  it('exposes the process default metrics in the Prometheus text format', async () => {
    const response = await fetch(`${hub.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
  });

  it('counts requests and their durations by method, route pattern and status code', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${hub.url}/health`)).status, 200);
    assert.equal((await fetch(`${hub.url}/v1/ledger/verify`)).status, 401);
    assert.equal((await fetch(`${hub.url}/no/such/route/123`)).status, 404);

    const text = await (await fetch(`${hub.url}/metrics`)).text();
    assert.equal(sample(text, 'http_requests_total', 'method="GET",route="/health",status_code="200"'), 3);
    assert.equal(
      sample(text, 'http_requests_total', 'method="GET",route="/v1/ledger/verify",status_code="401"'),
      1,
    );
    assert.equal(sample(text, 'http_requests_total', 'method="GET",route="unmatched",status_code="404"'), 1);
    assert.ok(!text.includes('/no/such/route'), 'an unmatched path never becomes a label');
    assert.equal(
      sample(text, 'http_request_duration_seconds_count', 'method="GET",route="/health",status_code="200"'),
      3,
    );
  });

  it('counts gateway callbacks by gateway and outcome, and shows the webhook backlog', async () => {
    // Forged: a VNPay IPN whose signature is wrong is refused (97) and counted as such.
    const forged = await fetch(
      `${hub.url}/v1/gateways/vnpay/ipn?vnp_TxnRef=NOPE&vnp_Amount=100000&vnp_SecureHash=${'0'.repeat(128)}`,
    );
    assert.equal(forged.status, 200);
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    assert.equal(
      sample(text, 'payhub_gateway_callbacks_total', 'gateway="vnpay",outcome="bad_signature"'),
      1,
    );
    assert.match(text, /^# TYPE payhub_webhook_deliveries_total counter$/m);
    assert.match(text, /^payhub_webhook_deliveries_waiting 0$/m);
    assert.match(text, /^payhub_webhook_oldest_waiting_seconds 0$/m);
  });
});
