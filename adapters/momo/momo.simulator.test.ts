// Round trips between the real MomoClient and the MoMo simulator over HTTP on 127.0.0.1, with a tiny
// merchant server that verifies each IPN as the hub would: if these pass, the two speak the same protocol.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { CallbackOutcome, PaymentEvent, PaymentOrder, RefundRequest, SettlementRow } from '../contract';
import { MomoClient, toWireJson } from './momo.client';
import { CREATE_FIELDS, IPN_FIELDS, sign } from './momo.signature';
import { MomoSimulator, type MomoSimulatorOptions } from './momo.simulator';
import {
  assertRefusesInvalidFeeRules,
  startMerchantEndpoint,
  type MerchantEndpoint,
} from '../shared/simulator.testing';

const PARTNER = 'HUEPAY';
const ACCESS = 'HUEACCESSKEY0001';
const SECRET = 'HUEMOMOSECRETKEY000000000000001';
const RETURN_URL = 'https://payhub.example.vn/v1/checkout/return?gw=momo';

/** The hub's side of the IPN: verify, check against its orders, record once, answer as MoMo wants. */
class Merchant {
  client!: MomoClient;
  /** Answer 500 to this many deliveries before looking at them (a merchant having a bad minute). */
  fail_next = 0;
  readonly orders = new Map<string, bigint>();
  readonly confirmed = new Set<string>();
  readonly recorded: PaymentEvent[] = [];
  readonly outcomes: CallbackOutcome[] = [];
  readonly bodies: string[] = [];

  constructor(
    private readonly endpoint: MerchantEndpoint,
    readonly ipn_url: string,
  ) {}

  static async start(): Promise<Merchant> {
    let merchant: Merchant | null = null;
    const endpoint = await startMerchantEndpoint('/v1/gateways/momo/ipn', (request) =>
      (merchant as Merchant).receive(request.method, request.headers, request.rawBody),
    );
    merchant = new Merchant(endpoint, endpoint.url);
    return merchant;
  }

  receive(method: string, headers: Record<string, string | string[] | undefined>, rawBody: Buffer) {
    if (this.fail_next > 0) {
      this.fail_next -= 1;
      return { status: 500, headers: {}, body: '' };
    }
    this.bodies.push(rawBody.toString('utf8'));
    const result = this.client.parseCallback({ method, query: {}, headers, rawBody });
    let outcome: CallbackOutcome;
    if (!result.ok) outcome = result.rejection.reason;
    else {
      const event = result.event;
      const amount = this.orders.get(event.merchant_ref);
      if (amount === undefined) outcome = 'order_not_found';
      else if (amount !== event.amount) outcome = 'amount_mismatch';
      else if (this.confirmed.has(event.merchant_ref)) outcome = 'already_confirmed';
      else {
        this.confirmed.add(event.merchant_ref);
        this.recorded.push(event);
        outcome = 'recorded';
      }
    }
    this.outcomes.push(outcome);
    return this.client.callbackReply(outcome);
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}

interface World {
  sim: MomoSimulator;
  merchant: Merchant;
  client: MomoClient;
  clock: { now: Date };
  order(merchant_ref: string, amount?: bigint, method?: PaymentOrder['method']): PaymentOrder;
  /** Creates the payment through the client and returns the pay page URL. */
  create(merchant_ref: string, amount?: bigint, method?: PaymentOrder['method']): Promise<string>;
}

async function world(t: TestContext, options: Partial<MomoSimulatorOptions> = {}): Promise<World> {
  const clock = { now: new Date('2026-11-22T03:00:00.000Z') };
  const sim = await MomoSimulator.start({
    partner_code: PARTNER,
    access_key: ACCESS,
    secret_key: SECRET,
    clock: () => clock.now,
    retry_intervals_ms: [2, 5],
    callback_attempts_max: 4,
    ...options,
  });
  const merchant = await Merchant.start();
  const client = new MomoClient(sim.clientConfig(merchant.ipn_url));
  merchant.client = client;
  t.after(async () => {
    await sim.close();
    await merchant.close();
  });
  const order = (merchant_ref: string, amount = 150_000n, method: PaymentOrder['method'] = 'wallet') => ({
    merchant_ref,
    amount,
    currency: 'VND' as const,
    description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
    method,
    return_url: RETURN_URL,
    payer_ip: '203.113.0.10',
    locale: 'vi' as const,
    created_at: clock.now,
  });
  const create = async (
    merchant_ref: string,
    amount = 150_000n,
    method: PaymentOrder['method'] = 'wallet',
  ) => {
    const created = await client.createPayment(order(merchant_ref, amount, method));
    assert.ok(
      created.ok && 'action' in created,
      JSON.stringify(created, (_k, v) => String(v)),
    );
    assert.equal(created.action.type, 'redirect');
    merchant.orders.set(merchant_ref, amount);
    return (created.action as { url: string }).url;
  };
  return { sim, merchant, client, clock, order, create };
}

/** Presses a pay page button over HTTP, as the payer's browser would. */
async function press(payUrl: string, action: 'approve' | 'decline' | 'timeout'): Promise<Response> {
  const page = await (await fetch(payUrl)).text();
  const form = new RegExp(`action="([^"]*/${action})"`).exec(page);
  assert.ok(form, `the pay page has a ${action} button`);
  return fetch(form[1] as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `action=${action}`,
    redirect: 'manual',
  });
}

/** A file as a download delivers it: in pieces that cut lines anywhere. */
async function* inChunks(text: string): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += 50) yield bytes.subarray(i, i + 50);
}

function queryOf(location: string): Record<string, string> {
  return Object.fromEntries(new URL(location).searchParams);
}

async function postJson(url: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: toWireJson(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

function refundRequest(w: World, merchant_ref: string, refund_ref: string, amount: bigint): RefundRequest {
  const payment = w.sim.payment(merchant_ref);
  assert.ok(payment);
  return {
    refund_ref,
    merchant_ref,
    gateway_txn_id: payment.gateway_txn_id,
    amount,
    payment_amount: payment.amount,
    payment_created_at: payment.created_at,
    reason: 'Hoàn tiền lệ phí nộp trùng',
    requested_by: 'can.bo.mot',
    requested_at: w.clock.now,
    requester_ip: '10.0.0.5',
  };
}

function paymentQuery(w: World, merchant_ref: string, request_id: string) {
  return {
    request_id,
    merchant_ref,
    payment_created_at: w.clock.now,
    requested_at: w.clock.now,
    requester_ip: '10.0.0.5',
  };
}

describe('MoMo simulator: pay page and IPN', () => {
  it('approve on the pay page sends a signed IPN the client verifies and redirects with a signed query', async (t) => {
    const w = await world(t);
    const payUrl = await w.create('pi_approve_1');
    assert.ok(payUrl.startsWith(`${w.sim.url}/v2/gateway/pay?t=`));
    const page = await fetch(payUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-field="merchant_ref">pi_approve_1</);

    const browser = await press(payUrl, 'approve');
    assert.equal(browser.status, 302);
    const location = browser.headers.get('location') ?? '';
    assert.ok(location.startsWith('https://payhub.example.vn/v1/checkout/return?gw=momo&'));
    const shown = w.client.webhooks.verifyRedirect(queryOf(location));
    assert.ok(shown.ok);
    assert.deepEqual([shown.event.status, shown.event.gateway_code], ['succeeded', '0']);

    await w.sim.callbacks.idle();
    const paid = w.sim.payment('pi_approve_1');
    assert.equal(paid?.status, 'succeeded');
    assert.equal(w.merchant.recorded.length, 1);
    const event = w.merchant.recorded[0] as PaymentEvent;
    assert.equal(event.merchant_ref, 'pi_approve_1');
    assert.equal(event.amount, 150_000n);
    assert.equal(event.status, 'succeeded');
    assert.equal(event.gateway_code, '0');
    assert.equal(event.gateway_txn_id, paid?.gateway_txn_id);
    assert.equal(event.paid_at?.getTime(), w.clock.now.getTime());
    assert.deepEqual([event.raw.orderType, event.raw.payType], ['momo_wallet', 'qr']);

    // Exactly MoMo's body: its twelve fields plus the signature, integers as JSON numbers.
    const body = JSON.parse(w.merchant.bodies[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [...IPN_FIELDS.slice(1), 'signature'].sort());
    assert.deepEqual(
      [typeof body.amount, typeof body.transId, typeof body.resultCode, typeof body.responseTime],
      ['number', 'number', 'number', 'number'],
    );
    assert.deepEqual(
      w.sim.callbacks.log.map((a) => [a.ref, a.attempt, a.status, a.acknowledged]),
      [['pi_approve_1', 1, 204, true]],
    );

    // The page now shows the outcome; pressing again changes nothing and sends nothing.
    assert.match(await (await fetch(payUrl)).text(), /data-status="succeeded"/);
    const again = await fetch(
      `${w.sim.url}/v2/gateway/pay/${new URL(payUrl).searchParams.get('t')}/approve`,
      {
        method: 'POST',
        redirect: 'manual',
      },
    );
    assert.equal(again.status, 409);
    await w.sim.callbacks.idle();
    assert.equal(w.sim.callbacks.log.length, 1);
  });

  it('hands out deeplink and qrCodeUrl that open the same pay page', async (t) => {
    const w = await world(t);
    const created = await w.client.payments.create(w.order('pi_links_1', 20_000n, 'card_domestic'));
    assert.ok(created.ok);
    assert.equal(created.value.gateway_code, '0');
    for (const url of [created.value.deeplink, created.value.qr_code_url]) {
      const page = await fetch(url ?? '');
      assert.equal(page.status, 200);
      assert.match(await page.text(), /data-field="merchant_ref">pi_links_1</);
    }
  });

  it('decline sends 1006 and timeout sends 1005, both failed, with the browser redirected', async (t) => {
    const w = await world(t);
    const declinedUrl = await w.create('pi_decline_1');
    await w.create('pi_timeout_1');
    const browser = await press(declinedUrl, 'decline');
    assert.equal(browser.status, 302);
    const shown = w.client.webhooks.verifyRedirect(queryOf(browser.headers.get('location') ?? ''));
    assert.ok(shown.ok);
    assert.equal(shown.event.gateway_code, '1006');
    const location = w.sim.timeout('pi_timeout_1');
    assert.equal(queryOf(location).resultCode, '1005');
    await w.sim.callbacks.idle();
    assert.deepEqual(
      w.merchant.recorded.map((e) => [e.merchant_ref, e.status, e.gateway_code, e.paid_at]),
      [
        ['pi_decline_1', 'failed', '1006', null],
        ['pi_timeout_1', 'failed', '1005', null],
      ],
    );
    assert.equal(w.sim.payment('pi_timeout_1')?.status, 'expired');
    const queried = await w.client.queryPayment(paymentQuery(w, 'pi_decline_1', 'q_decline_1'));
    assert.ok(queried.ok);
    assert.deepEqual([queried.value.status, queried.value.gateway_code], ['failed', '1006']);
    assert.throws(() => w.sim.approve('pi_decline_1'));
  });
});

describe('MoMo simulator: requests MoMo refuses', () => {
  it('answers 13 to a tampered or wrongly signed request and records nothing', async (t) => {
    const w = await world(t);
    const built = w.client.payments.build(w.order('pi_tamper_1'));
    assert.ok(built.ok);
    const tampered = await postJson(`${w.sim.url}/v2/gateway/api/create`, { ...built.body, amount: 1_500n });
    assert.equal(tampered.resultCode, 13);
    assert.equal(w.sim.payment('pi_tamper_1'), undefined);

    const wrongKey = new MomoClient({ ...w.sim.clientConfig(w.merchant.ipn_url), secret_key: 'NOT-THE-KEY' });
    const declined = await wrongKey.createPayment(w.order('pi_tamper_2'));
    assert.ok(!declined.ok && 'declined' in declined);
    assert.deepEqual([declined.declined.code, declined.declined.retryable], ['13', false]);
    const queried = await wrongKey.queryPayment(paymentQuery(w, 'pi_tamper_2', 'q_tamper_2'));
    assert.ok(queried.ok);
    assert.equal(queried.value.gateway_code, '13');

    await w.create('pi_tamper_3');
    w.sim.approve('pi_tamper_3');
    const refund = w.client.refunds.build(refundRequest(w, 'pi_tamper_3', 're_tamper_3', 10_000n));
    const bigger = await postJson(`${w.sim.url}/v2/gateway/api/refund`, { ...refund, amount: 150_000n });
    assert.equal(bigger.resultCode, 13);
    assert.deepEqual(w.sim.payment('pi_tamper_3')?.refunds, []);
    const query = w.client.transactions.build(paymentQuery(w, 'pi_tamper_3', 'q_tamper_3'));
    const other = await postJson(`${w.sim.url}/v2/gateway/api/query`, { ...query, orderId: 'pi_tamper_1' });
    assert.equal(other.resultCode, 13);
  });

  it('answers 20 to a body that is not MoMo JSON and 41 to a repeated orderId', async (t) => {
    const w = await world(t);
    const garbage = await fetch(`${w.sim.url}/v2/gateway/api/create`, { method: 'POST', body: 'amount=1' });
    assert.equal(((await garbage.json()) as { resultCode: number }).resultCode, 20);
    const built = w.client.payments.build(w.order('pi_format_1'));
    assert.ok(built.ok);
    const asText = await postJson(`${w.sim.url}/v2/gateway/api/create`, { ...built.body, amount: '150000' });
    assert.equal(asText.resultCode, 20);

    await w.create('pi_dup_1');
    const again = await w.client.createPayment(w.order('pi_dup_1'));
    assert.ok(!again.ok && 'declined' in again);
    assert.equal(again.declined.code, '41');
  });

  it("enforces each flow's amount limits from momo.md with 22", async (t) => {
    const w = await world(t);
    const cases: [PaymentOrder['method'], bigint, number][] = [
      ['wallet', 999n, 22],
      ['wallet', 1_000n, 0],
      ['wallet', 50_000_001n, 22],
      ['card_domestic', 9_999n, 22],
      ['card_domestic', 10_000n, 0],
      ['card_international', 10_000_000n, 0],
      ['card_international', 10_000_001n, 22],
    ];
    let n = 0;
    for (const [method, amount, code] of cases) {
      n += 1;
      // Signed by hand: the client refuses these amounts before any call.
      const built = w.client.payments.build(w.order(`pi_limit_${n}`, 20_000n, method));
      assert.ok(built.ok);
      const body = { ...built.body, amount };
      const signature = sign(CREATE_FIELDS, { ...body, accessKey: ACCESS }, SECRET);
      const answer = await postJson(`${w.sim.url}/v2/gateway/api/create`, { ...body, signature });
      assert.equal(answer.resultCode, code, `${method} ${amount}`);
    }
  });
});

describe('MoMo simulator: callback faults and retries', () => {
  it('a duplicated IPN is recorded once and the repeat acknowledged', async (t) => {
    const w = await world(t);
    await w.create('pi_dup_ipn_1');
    w.sim.callbacks.faults = { duplicate: 1 };
    w.sim.approve('pi_dup_ipn_1');
    await w.sim.callbacks.idle();
    assert.equal(w.merchant.recorded.length, 1);
    assert.deepEqual(w.merchant.outcomes, ['recorded', 'already_confirmed']);
    assert.deepEqual(
      w.sim.callbacks.log.map((a) => [a.status, a.acknowledged, a.duplicate]),
      [
        [204, true, false],
        [204, true, true],
      ],
    );
  });

  it('reordered IPNs are held until release and then arrive newest first', async (t) => {
    const w = await world(t);
    await w.create('pi_order_a');
    await w.create('pi_order_b');
    w.sim.callbacks.faults = { reorder: true };
    w.sim.approve('pi_order_a');
    w.sim.approve('pi_order_b');
    await w.sim.callbacks.idle();
    assert.equal(w.sim.callbacks.held, 2);
    assert.equal(w.merchant.outcomes.length, 0);
    w.sim.callbacks.release();
    await w.sim.callbacks.idle();
    assert.deepEqual(
      w.merchant.recorded.map((e) => e.merchant_ref),
      ['pi_order_b', 'pi_order_a'],
    );
  });

  it('after a dropped IPN the client query finds the payment paid', async (t) => {
    const w = await world(t);
    await w.create('pi_drop_1');
    await w.create('pi_pending_1');
    w.sim.callbacks.faults = { drop: true };
    w.sim.approve('pi_drop_1');
    await w.sim.callbacks.idle();
    assert.equal(w.merchant.outcomes.length, 0);
    assert.equal(w.sim.callbacks.log.length, 0);
    const found = await w.client.queryPayment(paymentQuery(w, 'pi_drop_1', 'q_drop_1'));
    assert.ok(found.ok);
    assert.deepEqual(
      [found.value.status, found.value.gateway_code, found.value.amount, found.value.gateway_txn_id],
      ['succeeded', '0', 150_000n, w.sim.payment('pi_drop_1')?.gateway_txn_id],
    );
    const pending = await w.client.queryPayment(paymentQuery(w, 'pi_pending_1', 'q_pending_1'));
    assert.ok(pending.ok);
    assert.deepEqual(
      [pending.value.status, pending.value.gateway_code, pending.value.gateway_txn_id],
      ['pending', '1000', null],
    );
    const unknown = await w.client.queryPayment(paymentQuery(w, 'pi_never_1', 'q_never_1'));
    assert.ok(unknown.ok);
    assert.deepEqual([unknown.value.status, unknown.value.gateway_code], ['pending', '42']);
  });

  it('retries an IPN the merchant did not answer with 204 until it does', async (t) => {
    const w = await world(t);
    await w.create('pi_retry_1');
    w.merchant.fail_next = 2;
    w.sim.approve('pi_retry_1');
    await w.sim.callbacks.idle();
    assert.deepEqual(
      w.sim.callbacks.log.map((a) => [a.attempt, a.status, a.acknowledged]),
      [
        [1, 500, false],
        [2, 500, false],
        [3, 204, true],
      ],
    );
    assert.equal(w.merchant.recorded.length, 1);
  });

  it('gives up after the attempt cap, and stops at the first 204 for an order the merchant does not know', async (t) => {
    const w = await world(t, { callback_attempts_max: 3 });
    await w.create('pi_cap_1');
    w.merchant.fail_next = 100;
    w.sim.approve('pi_cap_1');
    await w.sim.callbacks.idle();
    assert.deepEqual(
      w.sim.callbacks.log.map((a) => [a.attempt, a.status]),
      [
        [1, 500],
        [2, 500],
        [3, 500],
      ],
    );
    assert.equal(w.merchant.recorded.length, 0);
    // An IPN for an order the merchant does not know is acknowledged (204) and not retried.
    w.merchant.fail_next = 0;
    await w.create('pi_unknown_1');
    w.merchant.orders.delete('pi_unknown_1');
    w.sim.approve('pi_unknown_1');
    await w.sim.callbacks.idle();
    assert.deepEqual(w.merchant.outcomes, ['order_not_found']);
    assert.deepEqual(
      w.sim.callbacks.log.slice(3).map((a) => [a.ref, a.attempt, a.status]),
      [['pi_unknown_1', 1, 204]],
    );
  });
});

describe('MoMo simulator: query and refund', () => {
  it('accumulates partial refunds, never above the payment, and lists them in query', async (t) => {
    const w = await world(t);
    await w.create('pi_refund_1');
    w.sim.approve('pi_refund_1');

    const first = await w.client.refund(refundRequest(w, 'pi_refund_1', 're_refund_1', 50_000n));
    assert.ok(first.ok);
    assert.deepEqual(
      [first.value.status, first.value.amount, first.value.gateway_code],
      ['succeeded', 50_000n, '0'],
    );
    assert.match(first.value.gateway_refund_id ?? '', /^\d+$/);

    const tooMuch = await w.client.refund(refundRequest(w, 'pi_refund_1', 're_refund_2', 120_000n));
    assert.ok(tooMuch.ok);
    assert.equal(tooMuch.value.gateway_code, '1081');

    const rest = await w.client.refund(refundRequest(w, 'pi_refund_1', 're_refund_3', 100_000n));
    assert.ok(rest.ok);
    assert.deepEqual([rest.value.status, rest.value.amount], ['succeeded', 100_000n]);

    const oneMore = await w.client.refund(refundRequest(w, 'pi_refund_1', 're_refund_4', 1n));
    assert.ok(oneMore.ok);
    assert.equal(oneMore.value.gateway_code, '1081');
    const reused = await w.client.refund(refundRequest(w, 'pi_refund_1', 're_refund_1', 1n));
    assert.ok(reused.ok);
    assert.equal(reused.value.gateway_code, '41');
    assert.deepEqual(
      w.sim.payment('pi_refund_1')?.refunds.map((r) => [r.refund_ref, r.amount]),
      [
        ['re_refund_1', 50_000n],
        ['re_refund_3', 100_000n],
      ],
    );

    const queried = await w.client.queryPayment(paymentQuery(w, 'pi_refund_1', 'q_refund_1'));
    assert.ok(queried.ok);
    assert.deepEqual([queried.value.status, queried.value.amount], ['succeeded', 150_000n]);
    const raw = await postJson(
      `${w.sim.url}/v2/gateway/api/query`,
      w.client.transactions.build(paymentQuery(w, 'pi_refund_1', 'q_refund_2')),
    );
    assert.deepEqual(
      (raw.refundTrans as { orderId: string; amount: number; resultCode: number }[]).map((r) => [
        r.orderId,
        r.amount,
        r.resultCode,
      ]),
      [
        ['re_refund_1', 50_000, 0],
        ['re_refund_3', 100_000, 0],
      ],
    );
    const refundOrder = await w.client.queryPayment(paymentQuery(w, 're_refund_3', 'q_refund_3'));
    assert.ok(refundOrder.ok);
    assert.deepEqual([refundOrder.value.gateway_code, refundOrder.value.amount], ['0', 100_000n]);
  });

  it('refuses to refund a payment that was not paid with 1080', async (t) => {
    const w = await world(t);
    await w.create('pi_unpaid_1');
    w.sim.decline('pi_unpaid_1');
    const refused = await w.client.refund(refundRequest(w, 'pi_unpaid_1', 're_unpaid_1', 1_000n));
    assert.ok(refused.ok);
    assert.equal(refused.value.gateway_code, '1080');
    assert.deepEqual(w.sim.payment('pi_unpaid_1')?.refunds, []);
  });
});

describe('MoMo simulator: settlement file', () => {
  it("writes the Vietnam day's payments with fees and its refunds, which the client parses", async (t) => {
    const w = await world(t, { fee: { percent: '1.5' } });
    await w.create('pi_day_a', 150_000n);
    await w.create('pi_day_b', 10_300n, 'card_domestic');
    await w.create('pi_day_c', 20_000n);
    await w.create('pi_day_d', 30_000n);
    w.sim.approve('pi_day_a');
    const paid_a = w.clock.now;
    w.clock.now = new Date('2026-11-22T04:00:00.000Z');
    w.sim.approve('pi_day_b');
    w.sim.decline('pi_day_c');
    w.clock.now = new Date('2026-11-22T08:00:00.000Z');
    const refunded = await w.client.refund(refundRequest(w, 'pi_day_a', 're_day_a', 50_000n));
    assert.ok(refunded.ok);
    // 00:30 on the 23rd in Vietnam: the next day's file.
    w.clock.now = new Date('2026-11-22T17:30:00.000Z');
    w.sim.approve('pi_day_d');
    await w.sim.callbacks.idle();

    async function parse(date: string): Promise<SettlementRow[]> {
      const rows: SettlementRow[] = [];
      for await (const row of w.client.parseSettlementFile(inChunks(w.sim.settlementFile(date)))) {
        rows.push(row);
      }
      return rows;
    }
    const day = await parse('2026-11-22');
    assert.deepEqual(
      day.map((r) => [r.kind, r.merchant_ref, r.refund_ref, r.amount, r.fee, r.status, r.line]),
      [
        ['payment', 'pi_day_a', null, 150_000n, 2_250n, 'succeeded', 2],
        // 10,300 × 1.5 % = 154.5: exactly half a dong rounds up (banker's rounding would give 154).
        ['payment', 'pi_day_b', null, 10_300n, 155n, 'succeeded', 3],
        ['refund', 'pi_day_a', 're_day_a', 50_000n, 0n, 'succeeded', 4],
      ],
    );
    assert.equal(day[0]?.gateway_txn_id, w.sim.payment('pi_day_a')?.gateway_txn_id);
    assert.equal(day[0]?.transacted_at.getTime(), paid_a.getTime());
    assert.equal(day[2]?.gateway_txn_id, refunded.ok ? refunded.value.gateway_refund_id : '');
    const next = await parse('2026-11-23');
    assert.deepEqual(
      next.map((r) => [r.merchant_ref, r.amount, r.fee]),
      [['pi_day_d', 30_000n, 450n]],
    );
    assert.deepEqual(await parse('2026-11-21'), []);
  });

  it('caps the fee at the amount, which a fixed part above a small amount would pass', async (t) => {
    const w = await world(t, { fee: { percent: '1.5', fixed: 5_000n } });
    await w.create('pi_cap_a', 1_000n);
    w.sim.approve('pi_cap_a');
    await w.sim.callbacks.idle();
    const rows: SettlementRow[] = [];
    for await (const row of w.client.parseSettlementFile(inChunks(w.sim.settlementFile('2026-11-22')))) {
      rows.push(row);
    }
    assert.deepEqual(
      rows.map((r) => [r.merchant_ref, r.amount, r.fee]),
      [['pi_cap_a', 1_000n, 1_000n]],
    );
  });

  it('refuses at start a fee rule that adapters/fees.ts would refuse', async () => {
    const options = { partner_code: PARTNER, access_key: ACCESS, secret_key: SECRET };
    await assertRefusesInvalidFeeRules((fee) => MomoSimulator.start({ ...options, fee }));
  });
});
