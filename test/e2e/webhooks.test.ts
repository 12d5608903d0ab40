// Biller webhooks end to end: real pg-boss on the suite's Postgres, real HTTP to receivers on loopback
// that check every signature, and tiny retry settings so that retries and dead-letters take moments.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/database/embedded-postgres';
import { Db } from '../../src/database/db';
import type { RunningHub } from '../../src/main';
import type { EventDto } from '../../src/webhooks/dto/event.dto';
import { verifyWebhookSignature } from '../../src/webhooks/webhook-signature';
import type { NewEvent } from '../../src/webhooks/webhook-events';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub, LogCapture } from './support/hub';

const RETRY_LIMIT = 4;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/** A biller's system: records every request; answers each path's scripted statuses, then 200. */
class Receiver {
  readonly received: Received[] = [];
  /** Statuses to answer next, per path; a path in `down` answers 503 until removed. */
  readonly script = new Map<string, number[]>();
  readonly down = new Set<string>();
  private readonly server: Server;
  private readonly waiters: Array<() => void> = [];

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        this.received.push({ path, headers: request.headers, raw: Buffer.concat(chunks).toString('utf8') });
        const status = this.down.has(path) ? 503 : (this.script.get(path)?.shift() ?? 200);
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((done) => this.server.listen(port, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  of(event_id: string): Received[] {
    return this.received.filter((request) => (JSON.parse(request.raw) as { id: string }).id === event_id);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

/** Polls until probe answers something truthy; bounded, and says what it waited for if it gives up. */
async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

describe('biller webhooks', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let webhooks: WebhooksService;
  let hubDb: Db;
  const logs = new LogCapture();
  const receiver = new Receiver();
  const others: Receiver[] = [];
  let base: string;
  let agency: CreatedBiller;
  let parking: CreatedBiller;
  let hospital: CreatedBiller;
  let merchant: CreatedBiller;

  /** Records an event in a transaction of its own, committed, as the payment flow will. */
  const record = (event: NewEvent): Promise<EventDto> =>
    hubDb.transaction((tx) => webhooks.recordEvent(tx, event));
  const readEvent = async (id: string): Promise<EventDto> =>
    (await call<EventDto>(hub, 'GET', `/v1/events/${id}`)).body;
  const jobsFor = async (event_id: string): Promise<number> =>
    (
      await db.pool.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM pgboss.job WHERE data->>'event_id' = $1",
        [event_id],
      )
    ).rows[0]!.count;

  before(async () => {
    db = await createTestDatabase();
    base = await receiver.listen();
    hub = await bootHub(
      db,
      {
        LOG_LEVEL: 'info',
        JOBS_POLLING_INTERVAL_MS: '500',
        WEBHOOK_RETRY_LIMIT: String(RETRY_LIMIT),
        WEBHOOK_RETRY_DELAY_SECONDS: '0',
        WEBHOOK_RETRY_BACKOFF: 'false',
        WEBHOOK_TIMEOUT_MS: '5000',
      },
      { log_destination: logs },
    );
    webhooks = hub.app.get(WebhooksService);
    hubDb = hub.app.get(Db);
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency', webhook_url: `${base}/agency` });
    parking = await createBiller(hub, {
      name: 'Bãi xe',
      kind: 'parking_operator',
      webhook_url: `${base}/parking`,
    });
    hospital = await createBiller(hub, {
      name: 'Bệnh viện',
      kind: 'hospital',
      webhook_url: `${base}/hospital`,
    });
    merchant = await createBiller(hub, { name: 'Cửa hàng', kind: 'merchant' });
  });
  after(async () => {
    await hub?.close();
    await receiver.close();
    await Promise.all(others.map((other) => other.close()));
    await db?.drop();
  });

  it('delivers an event once, as {id, type, created, data}, signed over the exact raw body', async () => {
    const data = { id: 'rcp_01JD3M0Q8XK6W1E9T3V4R5S6P7', amount: '150000', payer: 'Nguyễn Văn A' };
    const event = await record({ biller_id: agency.id, type: 'receipt.issued', data });
    assert.match(event.id, /^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    const delivered = await eventually('delivery', async () => {
      const now = await readEvent(event.id);
      return now.delivery.status === 'delivered' && now;
    });
    assert.equal(delivered.delivery.attempts, 1);
    assert.equal(delivered.delivery.last_error, null);
    const requests = receiver.of(event.id);
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.equal(request!.path, '/agency');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request!.raw), {
      id: event.id,
      type: 'receipt.issued',
      created: event.created,
      data,
    });
    // The data as the hub wrote it, keys in its order (stored as json, not re-ordered as jsonb would).
    assert.deepEqual(Object.keys((JSON.parse(request!.raw) as { data: object }).data), [
      'id',
      'amount',
      'payer',
    ]);
    const header = request!.headers['payhub-signature'] as string;
    assert.equal(verifyWebhookSignature(header, request!.raw, agency.webhook_secret, 300), 'valid');
    // Checked again by hand, so the test does not trust the hub's own verifier alone.
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    assert.ok(match, header);
    assert.ok(Math.abs(Number(match[1]) - Date.now() / 1000) < 60);
    assert.equal(match[2], hmacHex(agency.webhook_secret, `${match[1]}.${request!.raw}`));
    assert.equal(
      verifyWebhookSignature(header, request!.raw, parking.webhook_secret, 300),
      'signature_mismatch',
    );
  });

  it('enqueues in the caller’s transaction: a commit leaves the event and its job, a rollback neither', async () => {
    const committed = await record({ biller_id: merchant.id, type: 'payment_intent.failed', data: { n: 1 } });
    assert.equal(committed.delivery.status, 'no_endpoint');
    const withJob = await record({ biller_id: parking.id, type: 'payment_intent.succeeded', data: { n: 2 } });
    assert.equal(await jobsFor(withJob.id), 1);
    assert.equal((await db.pool.query('SELECT 1 FROM events WHERE id = $1', [withJob.id])).rowCount, 1);

    let rolledBack: EventDto | null = null;
    await assert.rejects(
      hubDb.transaction(async (tx) => {
        rolledBack = await webhooks.recordEvent(tx, {
          biller_id: parking.id,
          type: 'refund.succeeded',
          data: { n: 3 },
        });
        assert.equal(await jobsFor(rolledBack.id), 0, 'the job is invisible outside the transaction');
        const inside = await tx.query(
          "SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'event_id' = $1",
          [rolledBack.id],
        );
        assert.equal(inside.rows[0].n, 1, 'the job is inside the transaction');
        throw new Error('the payment failed');
      }),
      /the payment failed/,
    );
    assert.ok(rolledBack);
    const id = (rolledBack as EventDto).id;
    assert.equal((await db.pool.query('SELECT 1 FROM events WHERE id = $1', [id])).rowCount, 0);
    assert.equal(await jobsFor(id), 0);
    await eventually('the committed one delivered', async () => receiver.of(withJob.id).length === 1);
    assert.equal(receiver.of(id).length, 0);
  });

  it('fails only the job whose receiver refused among jobs taken together; the others complete once', async () => {
    receiver.script.set('/parking', [503]);
    const ids: { agency: string[]; parking: string } = { agency: [], parking: '' };
    await hubDb.transaction(async (tx) => {
      for (let n = 0; n < 5; n++) {
        const event = await webhooks.recordEvent(tx, {
          biller_id: agency.id,
          type: 'receipt.issued',
          data: { n },
        });
        ids.agency.push(event.id);
      }
      ids.parking = (
        await webhooks.recordEvent(tx, { biller_id: parking.id, type: 'receipt.issued', data: { n: 5 } })
      ).id;
    });
    const all = [...ids.agency, ids.parking];
    await eventually('all six delivered', async () => {
      const rows = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE id = ANY($1) AND delivery_status = 'delivered'`,
        [all],
      );
      return rows.rows[0]!.n === all.length;
    });
    for (const id of ids.agency) assert.equal(receiver.of(id).length, 1);
    assert.equal(receiver.of(ids.parking).length, 2, 'a 503, then the retry');
    const jobs = await db.pool.query<{ event_id: string; state: string; retry_count: number }>(
      `SELECT data->>'event_id' AS event_id, state::text AS state, retry_count FROM pgboss.job
        WHERE data->>'event_id' = ANY($1)`,
      [all],
    );
    assert.equal(jobs.rows.length, all.length);
    for (const job of jobs.rows) {
      assert.equal(job.state, 'completed', job.event_id);
      assert.equal(job.retry_count, job.event_id === ids.parking ? 1 : 0, job.event_id);
    }
  });

  it('retries a receiver that refuses connections and then answers 503, and delivers the same event', async () => {
    const port = await freePort();
    const biller = await createBiller(hub, {
      name: 'Trung tâm Hành chính công',
      kind: 'agency',
      webhook_url: `http://127.0.0.1:${port}/late`,
    });
    const event = await record({
      biller_id: biller.id,
      type: 'payment_intent.succeeded',
      data: { amount: '5000' },
    });
    await eventually('a refused attempt', async () => (await readEvent(event.id)).delivery.attempts >= 1);
    assert.equal((await readEvent(event.id)).delivery.last_error, 'ECONNREFUSED');
    const late = new Receiver();
    others.push(late);
    late.script.set('/late', [503]);
    await late.listen(port);
    // No delay between retries here: the refusals (and the 503) can use up every retry before the
    // receiver is back, the faster the job queue fetches the likelier. The event is then dead, and a
    // redelivery carries on with it, as a biller would.
    const settled = await eventually('delivery or dead-lettering after the receiver came back', async () => {
      const now = await readEvent(event.id);
      return (now.delivery.status === 'delivered' || now.delivery.status === 'dead') && now;
    });
    if (settled.delivery.status === 'dead') {
      const again = await call(hub, 'POST', `/v1/events/${event.id}/redeliver`, { token: biller.api_key });
      assert.equal(again.status, 200, again.text);
    }
    const delivered = await eventually('delivery after the receiver came back', async () => {
      const now = await readEvent(event.id);
      return now.delivery.status === 'delivered' && now;
    });
    const requests = late.of(event.id);
    assert.equal(requests.length, 2, 'one 503, then the delivery');
    assert.equal(requests[0]!.raw, requests[1]!.raw, 'the same body, byte for byte');
    for (const request of requests) {
      const header = request.headers['payhub-signature'] as string;
      assert.equal(verifyWebhookSignature(header, request.raw, biller.webhook_secret, 300), 'valid');
    }
    const refusals = logs
      .lines()
      .filter((line) => line.event_id === event.id && line.reason === 'ECONNREFUSED').length;
    assert.ok(refusals >= 1);
    assert.equal(delivered.delivery.attempts, refusals + 2);
    assert.equal(delivered.delivery.last_error, null);
  });

  it('dead-letters after the retry limit, keeps the event, and redelivers it with the same id', async () => {
    receiver.down.add('/hospital');
    const event = await record({ biller_id: hospital.id, type: 'refund.succeeded', data: { id: 're_x' } });
    const dead = await eventually('dead-lettering', async () => {
      const now = await readEvent(event.id);
      return now.delivery.status === 'dead' && now;
    });
    assert.equal(dead.delivery.attempts, RETRY_LIMIT + 1);
    assert.equal(dead.delivery.last_error, 'HTTP 503');
    assert.ok(dead.delivery.dead_at !== null);
    assert.equal(receiver.of(event.id).length, RETRY_LIMIT + 1);

    receiver.down.delete('/hospital');
    const answer = await call<EventDto>(hub, 'POST', `/v1/events/${event.id}/redeliver`, {
      token: hospital.api_key,
      idempotency_key: 'redeliver-1',
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.id, event.id);
    assert.equal(answer.body.delivery.status, 'pending');
    const delivered = await eventually('the redelivery', async () => {
      const now = await readEvent(event.id);
      return now.delivery.status === 'delivered' && now;
    });
    assert.equal(delivered.delivery.attempts, RETRY_LIMIT + 2);
    const requests = receiver.of(event.id);
    assert.equal(requests.length, RETRY_LIMIT + 2);
    assert.ok(requests.every((request) => request.raw === requests[0]!.raw));
    const last = requests.at(-1)!;
    assert.equal(
      verifyWebhookSignature(
        last.headers['payhub-signature'] as string,
        last.raw,
        hospital.webhook_secret,
        300,
      ),
      'valid',
    );
  });

  it('answers 404 for another biller’s event, and lists only the caller’s own', async () => {
    const event = await record({ biller_id: agency.id, type: 'payment_intent.failed', data: {} });
    for (const [method, path] of [
      ['GET', `/v1/events/${event.id}`],
      ['POST', `/v1/events/${event.id}/redeliver`],
      ['GET', '/v1/events/evt_nonsense'],
    ] as const) {
      const answer = await call<ErrorBody>(hub, method, path, { token: parking.api_key });
      assert.deepEqual(
        [answer.status, answer.body.error.code, answer.body.error.param],
        [404, 'event_not_found', 'id'],
      );
    }
    const own = await call<{ data: EventDto[] }>(hub, 'GET', '/v1/events?limit=100', {
      token: parking.api_key,
    });
    assert.equal(own.status, 200);
    assert.ok(own.body.data.length >= 1);
    assert.ok(own.body.data.every((listed) => listed.biller === parking.id));
    const all = await call<{ data: EventDto[] }>(hub, 'GET', '/v1/events?limit=100');
    assert.ok(all.body.data.some((listed) => listed.id === event.id));
    assert.ok(all.body.data.some((listed) => listed.biller === parking.id));
    assert.equal((await call(hub, 'GET', `/v1/events/${event.id}`, { token: agency.api_key })).status, 200);
  });

  it('stores an event for a biller without webhook_url, sends nothing, and refuses to redeliver it', async () => {
    const event = await record({ biller_id: merchant.id, type: 'receipt.issued', data: { id: 'rcp_y' } });
    assert.equal(event.delivery.status, 'no_endpoint');
    assert.equal(await jobsFor(event.id), 0);
    const answer = await call<ErrorBody>(hub, 'POST', `/v1/events/${event.id}/redeliver`, {
      token: merchant.api_key,
    });
    assert.deepEqual([answer.status, answer.body.error.code], [409, 'webhook_endpoint_missing']);
    assert.equal(await jobsFor(event.id), 0);
  });

  it('filters by type and delivery status, pages, and names a bad query parameter', async () => {
    const byType = await call<{ data: EventDto[] }>(hub, 'GET', '/v1/events?type=refund.succeeded&limit=100');
    assert.ok(byType.body.data.length >= 1);
    assert.ok(byType.body.data.every((event) => event.type === 'refund.succeeded'));
    const noEndpoint = await call<{ data: EventDto[] }>(hub, 'GET', '/v1/events?delivery_status=no_endpoint');
    assert.equal(noEndpoint.body.data.length, 2);
    assert.ok(noEndpoint.body.data.every((event) => event.biller === merchant.id));
    const first = await call<{ data: EventDto[]; has_more: boolean }>(hub, 'GET', '/v1/events?limit=1');
    assert.equal(first.body.data.length, 1);
    assert.equal(first.body.has_more, true);
    const next = await call<{ data: EventDto[] }>(
      hub,
      'GET',
      `/v1/events?limit=1&starting_after=${first.body.data[0]!.id}`,
    );
    assert.ok(next.body.data[0]!.id < first.body.data[0]!.id);
    for (const [query, code, param] of [
      ['type=receipt.voided', 'parameter_invalid', 'type'],
      ['delivery_status=lost', 'parameter_invalid', 'delivery_status'],
      ['biller=blr_x', 'parameter_unknown', 'biller'],
      ['limit=0', 'parameter_invalid', 'limit'],
    ]) {
      const answer = await call<ErrorBody>(hub, 'GET', `/v1/events?${query}`);
      assert.deepEqual(
        [answer.status, answer.body.error.code, answer.body.error.param],
        [400, code, param],
        query,
      );
    }
  });

  it('never writes a webhook secret to the logs or to the job queue', async () => {
    const text = logs.text();
    assert.ok(text.includes('webhook delivered'), 'the deliveries were logged');
    const jobs = await db.pool.query<{ row: string }>('SELECT j::text AS row FROM pgboss.job j');
    assert.ok(jobs.rows.length > 0);
    for (const biller of [agency, parking, hospital, merchant]) {
      assert.ok(!text.includes(biller.webhook_secret), 'a webhook secret reached the logs');
      for (const { row } of jobs.rows)
        assert.ok(!row.includes(biller.webhook_secret), 'a secret is in a job');
    }
  });
});

/** `payment_intent.succeeded` events ({n} as data) recorded in one transaction of the hub's; their ids. */
async function recordInOneTransaction(
  hub: RunningHub,
  events: ReadonlyArray<{ biller: CreatedBiller; n: number }>,
): Promise<string[]> {
  const webhooks = hub.app.get(WebhooksService);
  const ids: string[] = [];
  await hub.app.get(Db).transaction(async (tx) => {
    for (const { biller, n } of events) {
      const event = await webhooks.recordEvent(tx, {
        biller_id: biller.id,
        type: 'payment_intent.succeeded',
        data: { n },
      });
      ids.push(event.id);
    }
  });
  return ids;
}

describe('webhook delivery between polls', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const receiver = new Receiver();
  let agency: CreatedBiller;
  const recordTogether = (count: number): Promise<string[]> =>
    recordInOneTransaction(
      hub,
      Array.from({ length: count }, (_, n) => ({ biller: agency, n })),
    );
  const listeners = async (): Promise<number[]> =>
    (
      await db.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN payhub_jobs'`,
      )
    ).rows.map((row) => row.pid);

  before(async () => {
    db = await createTestDatabase();
    const base = await receiver.listen();
    // A minute between polls: whatever arrives within this test's bounds came by notification and by
    // workers that look again at once after a job, not by a poll.
    hub = await bootHub(db, { JOBS_POLLING_INTERVAL_MS: '60000' });
    agency = await createBiller(hub, {
      name: 'Sở Kế hoạch và Đầu tư',
      kind: 'agency',
      webhook_url: `${base}/agency`,
    });
    // The workers' first look (at start-up) has found nothing: they now wait out the interval.
    await new Promise((wake) => setTimeout(wake, 200));
    // Twelve events committed together: one notification, for four workers.
    ids.push(...(await recordTogether(12)));
  });
  const ids: string[] = [];
  after(async () => {
    await hub?.close();
    await receiver.close();
    await db?.drop();
  });

  it('delivers events once their transaction commits, twelve with four workers, without waiting for a poll', async () => {
    await eventually('all twelve delivered', async () => ids.every((id) => receiver.of(id).length === 1));
    await eventually('all twelve recorded as delivered', async () => {
      const pending = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE id = ANY($1) AND delivery_status <> 'delivered'`,
        [ids],
      );
      return pending.rows[0]!.n === 0;
    });
    assert.equal(receiver.received.length, 12, 'each once');
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    assert.match(metrics, /^payhub_webhook_deliveries_total\{result="delivered"\} 12$/m);
    assert.match(metrics, /^payhub_webhook_deliveries_waiting 0$/m);
  });

  it('listens again after its connection is cut, and deliveries go on without a poll', async () => {
    const [before] = await listeners();
    assert.ok(before, 'the hub listens for job notifications');
    await db.pool.query('SELECT pg_terminate_backend($1)', [before]);
    await eventually('listening again', async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== before;
    });
    const later = await recordTogether(3);
    await eventually('the three delivered', async () => later.every((id) => receiver.of(id).length === 1));
  });
});

describe('webhook delivery to a receiver that hangs', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const receiver = new Receiver();
  let hanging: Server;
  let hangingRequests = 0;
  let slow: CreatedBiller;
  let quick: CreatedBiller;

  const record = (events: Array<{ biller: CreatedBiller; n: number }>): Promise<string[]> =>
    recordInOneTransaction(hub, events);
  const jobOf = async (event_id: string) =>
    (
      await db.pool.query<{ state: string; retry_count: number; waits_s: number }>(
        `SELECT state::text AS state, retry_count, extract(epoch FROM start_after - now())::float8 AS waits_s
           FROM pgboss.job WHERE data->>'event_id' = $1`,
        [event_id],
      )
    ).rows[0]!;

  before(async () => {
    db = await createTestDatabase();
    const base = await receiver.listen();
    // Takes every request and never answers.
    hanging = createServer(() => void hangingRequests++);
    await new Promise<void>((done) => hanging.listen(0, '127.0.0.1', done));
    const port = (hanging.address() as AddressInfo).port;
    hub = await bootHub(db, {
      JOBS_POLLING_INTERVAL_MS: '500',
      WEBHOOK_TIMEOUT_MS: '300',
      WEBHOOK_RETRY_DELAY_SECONDS: '0',
      WEBHOOK_RETRY_BACKOFF: 'false',
    });
    slow = await createBiller(hub, {
      name: 'Ban Quản lý chợ',
      kind: 'agency',
      webhook_url: `http://127.0.0.1:${port}/hangs`,
    });
    quick = await createBiller(hub, { name: 'Sở Y tế', kind: 'agency', webhook_url: `${base}/quick` });
  });
  after(async () => {
    await hub?.close();
    hanging?.closeAllConnections();
    await new Promise<void>((done) => (hanging ? hanging.close(() => done()) : done()));
    await receiver.close();
    await db?.drop();
  });

  it('sends nothing more to it for a while after a timeout: its events wait, no attempt used, others go on', async () => {
    const [first] = await record([{ biller: slow, n: 0 }]);
    await eventually('a timed-out attempt', async () => {
      const row = await db.pool.query<{ last_error: string | null }>(
        'SELECT last_error FROM events WHERE id = $1',
        [first],
      );
      return row.rows[0]!.last_error === 'timeout after 300 ms';
    });
    const later = await record([
      { biller: slow, n: 1 },
      { biller: slow, n: 2 },
      { biller: quick, n: 3 },
    ]);
    await eventually('the other biller’s event delivered', async () => receiver.of(later[2]!).length === 1);
    // The slow receiver's events (the retry of the first, and two new ones) wait for the pause to end.
    await eventually(
      'the first one’s retry postponed',
      async () => (await jobOf(first!)).state === 'created',
    );
    for (const id of [later[0]!, later[1]!]) {
      await eventually('postponed', async () => (await jobOf(id)).state === 'created');
      const job = await jobOf(id);
      assert.equal(job.retry_count, 0, 'no attempt used');
      assert.ok(job.waits_s > 30, `waits for the pause (${job.waits_s} s)`);
      const event = await db.pool.query<{ attempts: number; delivery_status: string }>(
        'SELECT attempts, delivery_status FROM events WHERE id = $1',
        [id],
      );
      assert.deepEqual(event.rows[0], { attempts: 0, delivery_status: 'pending' });
    }
    assert.equal(hangingRequests, 1, 'one request reached the hanging receiver');
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    const postponed = /^payhub_webhook_deliveries_total\{result="postponed"\} (\d+)$/m.exec(metrics);
    assert.ok(postponed && Number(postponed[1]) >= 3, 'the three postponements are counted');
    assert.match(metrics, /^payhub_webhook_deliveries_waiting 3$/m);
    const oldest = /^payhub_webhook_oldest_waiting_seconds ([\d.]+)$/m.exec(metrics);
    assert.ok(oldest && Number(oldest[1]) > 0, 'the first event has been waiting');
  });
});
