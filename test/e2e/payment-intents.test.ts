// Payment intents over real HTTP against the simulators the hub starts in-process for unconfigured
// gateways: each method's next action opens at its gateway, the amount and reference travel in the
// VietQR, refusals change nothing, scoping by biller, cancellation and idempotent replay.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseVietQr } from '../../adapters/vietqr/vietqr.payload';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type Answer, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub } from './support/hub';

interface Intent {
  id: string;
  object: string;
  biller: string;
  bill: string;
  method: string;
  status: string;
  amount: number;
  currency: string;
  reference: string;
  next_action: { type: string; url?: string; payload?: string; png_url?: string } | null;
  return_url: string;
  failure_code: string | null;
  receipt: string | null;
  created: number;
  expires_at: number;
}

function errorOf(answer: Answer<unknown>): { status: number; code: string; param: string | null } {
  const { error } = answer.body as ErrorBody;
  return { status: answer.status, code: error.code, param: error.param };
}

const REFERENCE = /^PZ[0-9A-HJKMNP-TV-Z]{12}$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('payment intents', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let other: CreatedBiller;
  let bills = 0;

  /** An open fee bill of `amount` dong for the biller. */
  const bill = async (biller: CreatedBiller, amount = 150_000): Promise<string> => {
    const created = await call<{ id: string }>(hub, 'POST', '/v1/bills', {
      token: biller.api_key,
      body: {
        kind: 'fee',
        reference: `HS-2026-${++bills}`,
        payer: { name: 'Nguyễn Văn An' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [{ name: 'Lệ phí hộ tịch', amount, legal_basis: 'Thông tư 85/2019/TT-BTC' }],
      },
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  };
  const create = (biller: CreatedBiller, body: unknown, idempotency_key?: string) =>
    call<Intent>(hub, 'POST', '/v1/payment_intents', { token: biller.api_key, body, idempotency_key });
  const intentCount = async () =>
    (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_intents')).rows[0]!.n;
  const simulators = () => hub.app.get(GatewaysService).simulators!;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db, { HUB_PUBLIC_URL: 'https://pay.example.vn' });
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
    other = await createBiller(hub, { name: 'Bệnh viện Đa khoa Tỉnh', kind: 'hospital' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('answers a VNPay intent with a redirect to the pay page, which opens', async () => {
    const bill_id = await bill(agency);
    const created = await create(agency, { bill_id, method: 'vnpay' });
    assert.equal(created.status, 201, created.text);
    const intent = created.body;
    assert.match(intent.id, /^pi_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.match(intent.reference, REFERENCE);
    assert.deepEqual(
      { ...intent, id: '', reference: '', next_action: null, created: 0, expires_at: 0 },
      {
        id: '',
        object: 'payment_intent',
        biller: agency.id,
        bill: bill_id,
        method: 'vnpay',
        status: 'requires_action',
        amount: 150_000,
        currency: 'VND',
        reference: '',
        next_action: null,
        return_url: 'https://pay.example.vn/v1/checkout/return',
        failure_code: null,
        receipt: null,
        created: 0,
        expires_at: 0,
      },
    );
    assert.equal(intent.expires_at - intent.created, 15 * 60);
    assert.equal(intent.next_action?.type, 'redirect');
    const url = new URL(intent.next_action!.url!);
    assert.equal(url.origin, new URL(simulators().vnpay!.url).origin);
    assert.equal(url.searchParams.get('vnp_TxnRef'), intent.reference);
    assert.equal(url.searchParams.get('vnp_Amount'), '15000000');
    assert.equal(url.searchParams.get('vnp_ReturnUrl'), intent.return_url);
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 200);
    assert.equal(simulators().vnpay!.payment(intent.reference)?.amount, 150_000n);

    const read = await call<Intent>(hub, 'GET', `/v1/payment_intents/${intent.id}`, {
      token: agency.api_key,
    });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, intent);
  });

  for (const method of ['momo', 'zalopay'] as const) {
    it(`answers a ${method} intent with a redirect to its simulator, which knows the order`, async () => {
      const created = await create(agency, {
        bill_id: await bill(agency, 250_000),
        method,
        return_url: 'https://agency.example.vn/done',
      });
      assert.equal(created.status, 201, created.text);
      const { next_action, reference, return_url } = created.body;
      assert.equal(return_url, 'https://agency.example.vn/done');
      assert.equal(next_action?.type, 'redirect');
      const sim = simulators()[method]!;
      assert.equal(new URL(next_action!.url!).origin, new URL(sim.url).origin);
      assert.equal(sim.payment(reference)?.amount, 250_000n);
      assert.equal((await fetch(next_action!.url!, { redirect: 'manual' })).status, 200);
    });
  }

  it('answers a VietQR intent with a payload carrying the amount and reference, and a public PNG', async () => {
    const created = await create(agency, { bill_id: await bill(agency, 123_000), method: 'vietqr' });
    assert.equal(created.status, 201, created.text);
    const { id, reference, next_action } = created.body;
    assert.equal(next_action?.type, 'vietqr');
    assert.equal(next_action!.png_url, `https://pay.example.vn/v1/payment_intents/${id}/qr.png`);
    const parsed = parseVietQr(next_action!.payload!);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.detail);
    assert.equal(parsed.value.amount, 123_000n);
    assert.equal(parsed.value.bill_number, reference);
    assert.equal(parsed.value.purpose, reference);
    assert.equal(parsed.value.point_of_initiation, 'dynamic');

    // No Authorization header: the citizen's checkout page loads it.
    const png = await fetch(`${hub.url}/v1/payment_intents/${id}/qr.png`);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE);

    const missing = await fetch(`${hub.url}/v1/payment_intents/pi_00000000000000000000000000/qr.png`);
    assert.equal(missing.status, 404);
    const redirect = await create(agency, { bill_id: await bill(agency), method: 'vnpay' });
    assert.equal((await fetch(`${hub.url}/v1/payment_intents/${redirect.body.id}/qr.png`)).status, 404);
  });

  it('refuses amounts outside the gateway’s limits with its code, and records nothing', async () => {
    const before = await intentCount();
    const small = await create(agency, { bill_id: await bill(agency, 1_000), method: 'vnpay' });
    assert.deepEqual(errorOf(small), {
      status: 400,
      code: 'payment_intent_amount_below_minimum',
      param: 'bill_id',
    });
    const large = await create(agency, { bill_id: await bill(agency, 60_000_000), method: 'momo' });
    assert.deepEqual(errorOf(large), {
      status: 400,
      code: 'payment_intent_amount_above_maximum',
      param: 'bill_id',
    });
    assert.equal(await intentCount(), before);
  });

  it('refuses bad parameters, another biller’s bill (404) and a bill that is not open (409)', async () => {
    const bill_id = await bill(agency);
    const cases: [unknown, number, string, string | null][] = [
      [{ method: 'vnpay' }, 400, 'parameter_missing', 'bill_id'],
      [{ bill_id, method: 'paypal' }, 400, 'parameter_invalid', 'method'],
      [{ bill_id, method: 'vnpay', amount: 1 }, 400, 'parameter_unknown', 'amount'],
      [
        { bill_id, method: 'vnpay', return_url: 'javascript:alert(1)' },
        400,
        'parameter_invalid',
        'return_url',
      ],
      [{ bill_id: 'bill_nope', method: 'vnpay' }, 404, 'bill_not_found', 'bill_id'],
    ];
    for (const [body, status, code, param] of cases)
      assert.deepEqual(errorOf(await create(agency, body)), { status, code, param }, JSON.stringify(body));
    assert.deepEqual(errorOf(await create(other, { bill_id, method: 'vnpay' })), {
      status: 404,
      code: 'bill_not_found',
      param: 'bill_id',
    });
    const cancelled = await call(hub, 'POST', `/v1/bills/${bill_id}/cancel`, { token: agency.api_key });
    assert.equal(cancelled.status, 200);
    assert.deepEqual(errorOf(await create(agency, { bill_id, method: 'vietqr' })), {
      status: 409,
      code: 'bill_not_open',
      param: 'bill_id',
    });
  });

  it('keeps several attempts per bill, scoped to their biller, and cancels one that requires action', async () => {
    const bill_id = await bill(agency);
    const first = (await create(agency, { bill_id, method: 'vnpay' })).body;
    const second = (await create(agency, { bill_id, method: 'vietqr' })).body;
    assert.notEqual(first.reference, second.reference);

    const list = await call<{ data: Intent[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/payment_intents?bill_id=${bill_id}&limit=1`,
      { token: agency.api_key },
    );
    assert.equal(list.status, 200, list.text);
    assert.deepEqual([list.body.data.map((i) => i.id), list.body.has_more], [[second.id], true]);
    const theirs = await call(hub, 'GET', `/v1/payment_intents/${first.id}`, { token: other.api_key });
    assert.deepEqual(errorOf(theirs), { status: 404, code: 'payment_intent_not_found', param: 'id' });
    const notTheirs = await call(hub, 'POST', `/v1/payment_intents/${first.id}/cancel`, {
      token: other.api_key,
    });
    assert.deepEqual(errorOf(notTheirs), { status: 404, code: 'payment_intent_not_found', param: 'id' });

    const canceled = await call<Intent>(hub, 'POST', `/v1/payment_intents/${second.id}/cancel`, {
      token: agency.api_key,
    });
    assert.equal(canceled.status, 200, canceled.text);
    assert.equal(canceled.body.status, 'canceled');
    assert.equal(canceled.body.next_action, null);
    assert.equal((await fetch(`${hub.url}/v1/payment_intents/${second.id}/qr.png`)).status, 404);
    const again = await call(hub, 'POST', `/v1/payment_intents/${second.id}/cancel`, {
      token: agency.api_key,
    });
    assert.deepEqual(errorOf(again), { status: 409, code: 'payment_intent_not_cancelable', param: 'id' });
    const stillOpen = await call<Intent>(hub, 'GET', `/v1/payment_intents/${first.id}`, {
      token: agency.api_key,
    });
    assert.equal(stillOpen.body.status, 'requires_action');
  });

  it('lets only one attempt per bill succeed (the database refuses a second)', async () => {
    const bill_id = await bill(agency);
    const a = (await create(agency, { bill_id, method: 'vnpay' })).body;
    const b = (await create(agency, { bill_id, method: 'vietqr' })).body;
    await db.pool.query("UPDATE payment_intents SET status = 'succeeded' WHERE id = $1", [a.id]);
    await assert.rejects(
      db.pool.query("UPDATE payment_intents SET status = 'succeeded' WHERE id = $1", [b.id]),
      (error: Error & { constraint?: string }) => error.constraint === 'payment_intents_one_success_per_bill',
    );
  });

  it('replays a keyed POST with the same intent and creates no second attempt', async () => {
    const bill_id = await bill(agency);
    const key = randomUUID();
    const first = await create(agency, { bill_id, method: 'vietqr' }, key);
    assert.equal(first.status, 201, first.text);
    const before = await intentCount();
    const replay = await create(agency, { bill_id, method: 'vietqr' }, key);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.text, first.text);
    assert.equal(await intentCount(), before);
    const reused = await create(agency, { bill_id, method: 'vnpay' }, key);
    assert.equal(errorOf(reused).code, 'idempotency_key_reused');
  });
});
