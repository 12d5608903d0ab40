// The ZaloPay client against the ZaloPay simulator over real HTTP on 127.0.0.1, with a tiny merchant
// server that verifies callbacks with the client: every flow, fault and refusal the hub must survive.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CallbackOutcome, PaymentOrder, RefundRequest, SettlementRow } from '../contract';
import { formatVietnamTime } from '../shared/time';
import { ZalopayClient } from './zalopay.client';
import { createMac, hmacSha256Hex } from './zalopay.signature';
import { ZalopaySimulator } from './zalopay.simulator';
import {
  assertRefusesInvalidFeeRules,
  startMerchantEndpoint,
  type MerchantEndpoint,
} from '../shared/simulator.testing';

const APP_ID = 2553;
const KEY1 = 'ZPSIMKEY1HUEPAYHUB000000000000001';
const KEY2 = 'ZPSIMKEY2HUEPAYHUB000000000000002';
const RETURN_URL = 'https://payhub.example.vn/return?gw=zalopay';
const CALLBACK_FIELDS = [
  'app_id',
  'app_trans_id',
  'app_time',
  'app_user',
  'amount',
  'embed_data',
  'item',
  'zp_trans_id',
  'server_time',
  'channel',
  'merchant_user_id',
  'user_fee_amount',
  'discount_amount',
];

/** The merchant side: verifies with the client, remembers confirmed refs, can be told to fail. */
class Merchant {
  readonly bodies: string[] = [];
  readonly outcomes: { ref: string; outcome: CallbackOutcome }[] = [];
  readonly confirmed = new Set<string>();
  /** How many more callbacks to answer with `error` (return_code 0). */
  failures_left = 0;
  #endpoint: MerchantEndpoint | null = null;
  url = '';

  constructor(readonly client: ZalopayClient) {}

  async start(): Promise<void> {
    this.#endpoint = await startMerchantEndpoint('/callbacks/zalopay', ({ method, headers, rawBody }) => {
      this.bodies.push(rawBody.toString('utf8'));
      const result = this.client.parseCallback({ method, query: {}, headers, rawBody });
      let outcome: CallbackOutcome;
      let ref = '';
      if (!result.ok) outcome = result.rejection.reason;
      else {
        ref = result.event.merchant_ref;
        if (this.failures_left > 0) {
          this.failures_left -= 1;
          outcome = 'error';
        } else if (this.confirmed.has(ref)) outcome = 'already_confirmed';
        else {
          this.confirmed.add(ref);
          outcome = 'recorded';
        }
      }
      this.outcomes.push({ ref, outcome });
      return this.client.callbackReply(outcome);
    });
    this.url = this.#endpoint.url;
  }

  outcomesFor(ref: string): CallbackOutcome[] {
    return this.outcomes.filter((entry) => entry.ref === ref).map((entry) => entry.outcome);
  }

  async close(): Promise<void> {
    await this.#endpoint?.close();
  }
}

let offset_ms = 0;
const now = () => new Date(Date.now() + offset_ms);
let sim: ZalopaySimulator;
let client: ZalopayClient;
let merchant: Merchant;
let counter = 0;

function order(amount = 150_000n): PaymentOrder {
  counter += 1;
  return {
    merchant_ref: `pi${Date.now().toString(36)}${counter}`,
    amount,
    currency: 'VND',
    description: 'Le phi ho so',
    method: 'gateway_choice',
    return_url: RETURN_URL,
    payer_ip: '203.113.0.10',
    locale: 'vi',
    created_at: now(),
  };
}

async function created(amount = 150_000n): Promise<{ ref: string; url: string }> {
  const o = order(amount);
  const result = await client.createPayment(o);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.action.type, 'redirect');
  return { ref: o.merchant_ref, url: (result.action as { url: string }).url };
}

async function paid(amount = 150_000n): Promise<{ ref: string; zp_trans_id: string; created_at: Date }> {
  const { ref } = await created(amount);
  const payment = sim.approve(ref);
  await sim.callbacks.idle();
  return { ref, zp_trans_id: payment.gateway_txn_id, created_at: payment.created_at };
}

function query(ref: string, created_at = now()) {
  return client.queryPayment({
    request_id: `q-${ref}`,
    merchant_ref: ref,
    payment_created_at: created_at,
    requested_at: now(),
    requester_ip: '127.0.0.1',
  });
}

function refundRequest(ref: string, zp_trans_id: string, amount: bigint, refund_ref: string): RefundRequest {
  return {
    refund_ref,
    merchant_ref: ref,
    gateway_txn_id: zp_trans_id,
    amount,
    payment_amount: 150_000n,
    payment_created_at: now(),
    reason: 'Hoàn phí nộp trùng',
    requested_by: 'staff',
    requested_at: now(),
    requester_ip: '10.0.0.5',
  };
}

async function post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return (await response.json()) as Record<string, unknown>;
}

before(async () => {
  const verifier = new ZalopayClient({ app_id: APP_ID, key1: KEY1, key2: KEY2 });
  merchant = new Merchant(verifier);
  await merchant.start();
  sim = await ZalopaySimulator.start({
    app_id: APP_ID,
    key1: KEY1,
    key2: KEY2,
    callback_url: merchant.url,
    clock: now,
    retry_intervals_ms: [5],
    fee: { percent: '1.1', fixed: 500n },
  });
  client = new ZalopayClient(sim.clientConfig());
});

after(async () => {
  await sim.close();
  await merchant.close();
});

beforeEach(() => {
  sim.callbacks.faults = {};
  merchant.failures_left = 0;
  offset_ms = 0;
});

describe('ZaloPay simulator: pay page and callback', () => {
  it('hands out its pay page; approving there redirects back and sends the callback the client verifies', async () => {
    const { ref, url } = await created();
    assert.ok(url.startsWith(`${sim.url}/pay/`));
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const text = await page.text();
    const action = /action="([^"]+\/approve)"/.exec(text)?.[1];
    assert.ok(action);
    const pressed = await fetch(action, { method: 'POST', redirect: 'manual' });
    assert.equal(pressed.status, 302);
    const back = new URL(pressed.headers.get('location') as string);
    assert.equal(`${back.origin}${back.pathname}`, 'https://payhub.example.vn/return');
    assert.equal(back.searchParams.get('gw'), 'zalopay');
    assert.equal(back.searchParams.get('status'), '1');
    assert.equal(back.searchParams.get('amount'), '150000');
    const checked = ['appid', 'apptransid', 'pmcid', 'bankcode', 'amount', 'discountamount', 'status'];
    assert.equal(
      back.searchParams.get('checksum'),
      hmacSha256Hex(KEY2, checked.map((name) => back.searchParams.get(name)).join('|')),
    );

    await sim.callbacks.idle();
    assert.deepEqual(merchant.outcomesFor(ref), ['recorded']);
    const body = JSON.parse(merchant.bodies.at(-1) as string) as { data: string; mac: string; type: number };
    assert.deepEqual(Object.keys(body).sort(), ['data', 'mac', 'type']);
    assert.equal(body.type, 1);
    assert.equal(body.mac, hmacSha256Hex(KEY2, body.data));
    const data = JSON.parse(body.data) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), [...CALLBACK_FIELDS].sort());
    assert.equal(data.app_id, APP_ID);
    assert.equal(data.amount, 150000);
    assert.equal(data.app_trans_id, `${formatVietnamTime(now(), 'yyyyMMdd').slice(2)}_${ref}`);
    assert.equal(data.zp_trans_id, Number(sim.payment(ref)?.gateway_txn_id));

    const answer = await query(ref);
    assert.ok(answer.ok);
    assert.equal(answer.value.status, 'succeeded');
    assert.equal(answer.value.amount, 150_000n);
    assert.equal(answer.value.gateway_txn_id, sim.payment(ref)?.gateway_txn_id);
    assert.equal(answer.value.gateway_code, '1/1');
  });

  it('sends the callback to the order callback_url when the client gives one', async () => {
    const own = new ZalopayClient({ ...sim.clientConfig(), callback_url: `${merchant.url}?from=order` });
    const o = order();
    assert.ok((await own.createPayment(o)).ok);
    assert.equal(sim.payment(o.merchant_ref)?.extra.callback_url, `${merchant.url}?from=order`);
    sim.approve(o.merchant_ref);
    await sim.callbacks.idle();
    assert.deepEqual(merchant.outcomesFor(o.merchant_ref), ['recorded']);
  });

  it('sends no callback on decline or timeout, and query says failed', async () => {
    const declined = await created();
    const page = await fetch(declined.url);
    const action = /action="([^"]+\/decline)"/.exec(await page.text())?.[1] as string;
    const pressed = await fetch(action, { method: 'POST', redirect: 'manual' });
    assert.equal(pressed.status, 302);
    assert.equal(new URL(pressed.headers.get('location') as string).searchParams.get('status'), '2');
    const timedOut = await created();
    sim.timeout(timedOut.ref);
    await sim.callbacks.idle();
    for (const ref of [declined.ref, timedOut.ref]) {
      assert.deepEqual(merchant.outcomesFor(ref), []);
      assert.equal(sim.callbacks.log.filter((attempt) => attempt.ref === ref).length, 0);
      const answer = await query(ref);
      assert.ok(answer.ok);
      assert.equal(answer.value.status, 'failed');
      assert.equal(answer.value.gateway_code, '2/');
    }
    const again = await fetch(`${declined.url}/approve`, { method: 'POST', redirect: 'manual' });
    assert.equal(again.status, 409);
  });

  it('reports an untouched order pending until it expires, then failed', async () => {
    const { ref } = await created();
    const created_at = now();
    const pending = await query(ref, created_at);
    assert.ok(pending.ok && pending.value.status === 'pending');
    assert.equal(pending.value.gateway_code, '3/');
    offset_ms = 16 * 60 * 1000;
    const expired = await query(ref, created_at);
    assert.ok(expired.ok && expired.value.status === 'failed');
    assert.equal(sim.payment(ref)?.status, 'expired');
  });
});

describe('ZaloPay simulator: refusals', () => {
  it('refuses a request signed with another key1 or tampered after signing with 2/-402', async () => {
    const wrong = new ZalopayClient({ ...sim.clientConfig(), key1: 'NOTTHEKEY1000000000000000000000' });
    const create = await wrong.createPayment(order());
    assert.ok(!create.ok && 'declined' in create);
    assert.equal(create.declined.code, '2/-402');
    const { ref } = await paid();
    const answer = await wrong.queryPayment({
      request_id: 'q',
      merchant_ref: ref,
      payment_created_at: now(),
      requested_at: now(),
      requester_ip: '127.0.0.1',
    });
    assert.ok(answer.ok);
    assert.equal(answer.value.gateway_code, '2/-402');
    assert.equal(answer.value.status, 'pending');

    const built = client.payments.build(order());
    assert.ok(built.ok);
    const tampered = await post('/v2/create', { ...built.body, amount: '1000' } as Record<string, string>);
    assert.deepEqual([tampered.return_code, tampered.sub_return_code], [2, -402]);
    const otherApp = await post('/v2/create', { ...built.body, app_id: '2554' } as Record<string, string>);
    assert.deepEqual([otherApp.return_code, otherApp.sub_return_code], [2, -402]);
    const queryBody = client.transactions.build({
      request_id: 'q',
      merchant_ref: ref,
      payment_created_at: now(),
      requested_at: now(),
      requester_ip: '127.0.0.1',
    });
    const badQuery = await post('/v2/query', {
      ...queryBody,
      mac: queryBody.mac.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    });
    assert.deepEqual([badQuery.return_code, badQuery.sub_return_code], [2, -402]);
  });

  it('refuses a duplicate app_trans_id with 2/-68 and a stale yymmdd prefix with 2/-401', async () => {
    const o = order();
    assert.ok((await client.createPayment(o)).ok);
    const again = await client.createPayment(o);
    assert.ok(!again.ok && 'declined' in again);
    assert.equal(again.declined.code, '2/-68');
    assert.equal(again.declined.retryable, false);

    const fields = {
      app_id: String(APP_ID),
      app_trans_id: '000101_stale',
      app_user: 'payhub',
      amount: '10000',
      app_time: String(now().getTime()),
      embed_data: '{}',
      item: '[]',
    };
    const stale = await post('/v2/create', { ...fields, mac: createMac(fields, KEY1) });
    assert.deepEqual([stale.return_code, stale.sub_return_code], [2, -401]);
    const fresh = {
      ...fields,
      app_trans_id: `${formatVietnamTime(now(), 'yyyyMMdd').slice(2)}_fresh${counter}`,
    };
    const ok = await post('/v2/create', { ...fresh, mac: createMac(fresh, KEY1) });
    assert.equal(ok.return_code, 1);
  });
});

describe('ZaloPay simulator: callback faults and retries', () => {
  it('records a duplicated callback once and acknowledges the repeats', async () => {
    sim.callbacks.faults = { duplicate: 2 };
    const { ref } = await paid();
    assert.deepEqual(merchant.outcomesFor(ref), ['recorded', 'already_confirmed', 'already_confirmed']);
    const attempts = sim.callbacks.log.filter((attempt) => attempt.ref === ref);
    assert.deepEqual(
      attempts.map((attempt) => [attempt.duplicate, attempt.acknowledged]),
      [
        [false, true],
        [true, true],
        [true, true],
      ],
    );
  });

  it('delivers held callbacks newest first on release', async () => {
    sim.callbacks.faults = { reorder: true };
    const first = await created();
    const second = await created();
    sim.approve(first.ref);
    sim.approve(second.ref);
    assert.equal(sim.callbacks.held, 2);
    sim.callbacks.release();
    await sim.callbacks.idle();
    const order_seen = merchant.outcomes
      .filter((entry) => entry.ref === first.ref || entry.ref === second.ref)
      .map((entry) => [entry.ref, entry.outcome]);
    assert.deepEqual(order_seen, [
      [second.ref, 'recorded'],
      [first.ref, 'recorded'],
    ]);
  });

  it('drops a callback so that only the query finds the payment paid', async () => {
    sim.callbacks.faults = { drop: true };
    const { ref, created_at } = await paid();
    assert.deepEqual(merchant.outcomesFor(ref), []);
    const answer = await query(ref, created_at);
    assert.ok(answer.ok && answer.value.status === 'succeeded');
    assert.ok(answer.value.paid_at instanceof Date);
  });

  it('retries a merchant that answers return_code 0 at most 3 times', async () => {
    merchant.failures_left = 100;
    const { ref } = await paid();
    assert.deepEqual(merchant.outcomesFor(ref), ['error', 'error', 'error', 'error']);
    const attempts = sim.callbacks.log.filter((attempt) => attempt.ref === ref);
    assert.deepEqual(
      attempts.map((attempt) => [attempt.attempt, attempt.acknowledged]),
      [
        [1, false],
        [2, false],
        [3, false],
        [4, false],
      ],
    );
  });

  it('stops retrying once the merchant answers return_code 1', async () => {
    merchant.failures_left = 1;
    const { ref } = await paid();
    assert.deepEqual(merchant.outcomesFor(ref), ['error', 'recorded']);
    assert.equal(sim.callbacks.log.filter((attempt) => attempt.ref === ref).at(-1)?.acknowledged, true);
  });
});

describe('ZaloPay simulator: refunds', () => {
  it('accumulates partial refunds up to the payment and refuses more', async () => {
    const { ref, zp_trans_id } = await paid();
    const first = await client.refund(refundRequest(ref, zp_trans_id, 50_000n, `r1${counter}`));
    assert.ok(first.ok);
    assert.equal(first.value.status, 'pending');
    assert.equal(first.value.gateway_code, '3/3');
    assert.match(first.value.gateway_refund_id ?? '', /^\d+$/);
    const rest = await client.refund(refundRequest(ref, zp_trans_id, 100_000n, `r2${counter}`));
    assert.ok(rest.ok && rest.value.status === 'pending');
    const over = await client.refund(refundRequest(ref, zp_trans_id, 1n, `r3${counter}`));
    assert.ok(over.ok);
    assert.equal(over.value.status, 'failed');
    assert.equal(over.value.gateway_code, '2/-401');
    assert.deepEqual(
      sim.payment(ref)?.refunds.map((refund) => refund.amount),
      [50_000n, 100_000n],
    );

    const after = await query(ref);
    assert.ok(after.ok && after.value.status === 'succeeded');
    assert.equal(after.value.amount, 150_000n);
  });

  it('refunds a payment in full, and answers a repeated m_refund_id without refunding twice', async () => {
    const { ref, zp_trans_id } = await paid();
    const request = refundRequest(ref, zp_trans_id, 150_000n, `rf${counter}`);
    const full = await client.refund(request);
    assert.ok(full.ok && full.value.status === 'pending');
    const repeat = await client.refund(request);
    assert.ok(repeat.ok);
    assert.equal(repeat.value.gateway_refund_id, full.value.gateway_refund_id);
    assert.equal(sim.payment(ref)?.refunds.length, 1);
  });

  it('refuses a refund of an unknown transaction and a tampered refund', async () => {
    const { ref, zp_trans_id } = await paid();
    const unknown = await client.refund(refundRequest(ref, '999999999999999', 1_000n, `ru${counter}`));
    assert.ok(unknown.ok);
    assert.deepEqual([unknown.value.status, unknown.value.gateway_code], ['failed', '2/-101']);
    const body = client.refunds.build(refundRequest(ref, zp_trans_id, 1_000n, `rt${counter}`));
    const tampered = await post('/v2/refund', { ...body, amount: '150000' } as Record<string, string>);
    assert.deepEqual([tampered.return_code, tampered.sub_return_code], [2, -402]);
    assert.equal(sim.payment(ref)?.refunds.length, 0);
  });

  it('reports a refund done through refundStatus, by refund_ref and its date or by the whole m_refund_id', async () => {
    assert.equal(client.capabilities.refund_status, true);
    const { ref, zp_trans_id } = await paid();
    const refund_ref = `rs${counter}`;
    const requested_at = now();
    assert.ok(
      (await client.refund({ ...refundRequest(ref, zp_trans_id, 20_000n, refund_ref), requested_at })).ok,
    );
    const lookup = {
      request_id: 'rq',
      merchant_ref: ref,
      refund_requested_at: requested_at,
      requested_at: now(),
      requester_ip: '10.0.0.5',
    };
    const byRef = await client.refundStatus({ ...lookup, refund_ref });
    assert.ok(byRef.ok);
    assert.deepEqual(
      [byRef.value.status, byRef.value.gateway_code, byRef.value.refund_ref],
      ['succeeded', '1/1', refund_ref],
    );
    const mRefundId = client.refundId(refund_ref, requested_at);
    const byId = await client.refundStatus({ ...lookup, refund_ref: mRefundId });
    assert.ok(byId.ok && byId.value.status === 'succeeded');
    // A refund ZaloPay never received refunded nothing: failed, so the hub may ask again.
    const missing = await client.refundStatus({ ...lookup, refund_ref: 'never-asked' });
    assert.ok(missing.ok);
    assert.deepEqual([missing.value.status, missing.value.gateway_code], ['failed', '2/-101']);
    const dayBefore = await client.refundStatus({
      ...lookup,
      refund_ref,
      refund_requested_at: new Date(requested_at.getTime() - 86_400_000),
    });
    assert.ok(dayBefore.ok);
    assert.deepEqual([dayBefore.value.status, dayBefore.value.gateway_code], ['failed', '2/-101']);
    const yesterday = client.refundId(refund_ref, new Date(requested_at.getTime() - 86_400_000));
    const wrongDay = await client.refundStatus({ ...lookup, refund_ref: yesterday });
    assert.ok(wrongDay.ok);
    assert.deepEqual([wrongDay.value.status, wrongDay.value.gateway_code], ['failed', '2/-101']);
    const bad = await client.refundStatus({ ...lookup, refund_ref: 'not a ref' });
    assert.ok(!bad.ok);
  });
});

describe('ZaloPay simulator: settlement file', () => {
  it('writes the day file that the client parses into the right rows and fees', async () => {
    const small = await paid(12_345n);
    const half = await paid(101_500n);
    const big = await paid(150_000n);
    const refund_ref = `sr${counter}`;
    assert.ok((await client.refund(refundRequest(big.ref, big.zp_trans_id, 40_000n, refund_ref))).ok);
    const unpaid = await created(99_000n);

    const day = formatVietnamTime(now(), 'yyyy-MM-dd');
    const text = sim.settlementFile(day);
    async function* stream() {
      yield text;
    }
    const rows: SettlementRow[] = [];
    for await (const row of client.parseSettlementFile(stream())) rows.push(row);
    const mine = rows.filter((row) => [small.ref, half.ref, big.ref, unpaid.ref].includes(row.merchant_ref));
    assert.deepEqual(
      mine.map((row) => [row.kind, row.merchant_ref, row.amount, row.fee, row.refund_ref, row.status]),
      [
        // 12,345 x 1.10 % = 135.795, rounded half up to 136, plus 500 fixed.
        ['payment', small.ref, 12_345n, 636n, null, 'succeeded'],
        // 101,500 x 1.1 % = 1,116.5: exactly half a dong rounds up (banker's rounding would give 1,116).
        ['payment', half.ref, 101_500n, 1_117n + 500n, null, 'succeeded'],
        // 150,000 x 1.10 % = 1,650, plus 500.
        ['payment', big.ref, 150_000n, 2_150n, null, 'succeeded'],
        ['refund', big.ref, 40_000n, 0n, refund_ref, 'succeeded'],
      ],
    );
    assert.equal(mine[3]?.gateway_txn_id, big.zp_trans_id);
    const other = sim.settlementFile('2000-01-01');
    assert.equal(other.trim().split('\n').at(-1), 'TOTAL,0,0,0');
  });

  it('refuses at start a fee rule that adapters/fees.ts would refuse', async () => {
    const options = { app_id: APP_ID, key1: KEY1, key2: KEY2 };
    await assertRefusesInvalidFeeRules((fee) => ZalopaySimulator.start({ ...options, fee }));
  });
});
