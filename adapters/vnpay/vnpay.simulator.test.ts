// The VNPay simulator against the real client over HTTP on 127.0.0.1: pay page, IPN with VNPay's
// retries and the sender's faults, querydr, refunds and the settlement file, each as VNPay speaks them.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CallbackOutcome, PaymentEvent, PaymentOrder, RefundRequest, SettlementRow } from '../contract';
import { computeFee } from '../fees';
import { VnpayClient } from './vnpay.client';
import { QUERYDR_REQUEST_FIELDS, QUERYDR_RESPONSE_FIELDS, signFields } from './vnpay.signature';
import { VnpaySimulator, type VnpaySimulatorOptions } from './vnpay.simulator';
import {
  assertRefusesInvalidFeeRules,
  startMerchantEndpoint,
  type MerchantEndpoint,
} from '../shared/simulator.testing';

const TMN_CODE = 'HUEPAY01';
const SECRET = 'VNPAYTESTSECRETHUEPAYHUB0000000001';
const RETURN_URL = 'https://payhub.example.vn/v1/checkout/return?gw=vnpay';
/** 09:40 in Vietnam on 22 November 2026. */
const START = new Date('2026-11-22T02:40:00Z');

/** A merchant that verifies IPNs with the client and answers as src/ would (VNPay's check order). */
class Merchant {
  readonly events: PaymentEvent[] = [];
  readonly orders = new Map<string, bigint>();
  readonly #confirmed = new Set<string>();
  /** Answer RspCode 99 (an unexpected error) to this many IPNs before behaving. */
  failures_left = 0;
  #endpoint: MerchantEndpoint | null = null;
  url = '';

  constructor(readonly client: VnpayClient) {}

  async start(): Promise<void> {
    this.#endpoint = await startMerchantEndpoint('/ipn/vnpay', (request) => {
      const query = Object.fromEntries(request.url.searchParams.entries());
      return this.client.callbackReply(this.#handle(request.method, query));
    });
    this.url = this.#endpoint.url;
  }

  #handle(method: string, query: Record<string, string>): CallbackOutcome {
    if (this.failures_left > 0) {
      this.failures_left -= 1;
      return 'error';
    }
    const result = this.client.parseCallback({ method, query, headers: {}, rawBody: '' });
    if (!result.ok) return result.rejection.reason;
    const event = result.event;
    const amount = this.orders.get(event.merchant_ref);
    if (amount === undefined) return 'order_not_found';
    if (amount !== event.amount) return 'amount_mismatch';
    if (this.#confirmed.has(event.merchant_ref)) return 'already_confirmed';
    this.#confirmed.add(event.merchant_ref);
    this.events.push(event);
    return 'recorded';
  }

  async close(): Promise<void> {
    await this.#endpoint?.close();
  }
}

let now = START;
let sim: VnpaySimulator;
let client: VnpayClient;
let merchant: Merchant;
let counter = 0;

async function startSim(overrides: Partial<VnpaySimulatorOptions> = {}): Promise<VnpaySimulator> {
  return VnpaySimulator.start({
    tmn_code: TMN_CODE,
    hash_secret: SECRET,
    ipn_url: merchant.url,
    clock: () => now,
    retry_intervals_ms: [5],
    fee: { percent: '1.1', fixed: 1_100n },
    ...overrides,
  });
}

function order(amount = 150_000n): PaymentOrder {
  counter += 1;
  const merchant_ref = `pi_sim_${String(counter).padStart(4, '0')}`;
  merchant.orders.set(merchant_ref, amount);
  return {
    merchant_ref,
    amount,
    currency: 'VND',
    description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
    method: 'card_domestic',
    return_url: RETURN_URL,
    payer_ip: '203.113.0.10',
    locale: 'vi',
    created_at: now,
  };
}

/** Creates the payment through the client and opens its pay page like a browser. */
async function openPayPage(o: PaymentOrder): Promise<{ status: number; page: string; payUrl: string }> {
  const created = await client.createPayment(o);
  assert.ok(created.ok && created.action.type === 'redirect');
  const payUrl = created.action.url;
  const response = await fetch(payUrl, { redirect: 'manual' });
  return { status: response.status, page: await response.text(), payUrl };
}

function formAction(page: string, action: string): string {
  const match = new RegExp(`<form method="post" action="([^"]+/${action})">`).exec(page);
  assert.ok(match, `the page has a ${action} button`);
  return (match[1] as string).replace(/&amp;/g, '&');
}

/** Presses a pay-page button over HTTP; returns where VNPay sends the browser. */
async function press(o: PaymentOrder, action: 'approve' | 'decline' | 'timeout'): Promise<URL> {
  const { status, page } = await openPayPage(o);
  assert.equal(status, 200);
  const response = await fetch(formAction(page, action), { method: 'POST', redirect: 'manual' });
  assert.equal(response.status, 302);
  return new URL(response.headers.get('location') as string);
}

/** What the hub's return page makes of the URL the browser was sent back to. */
function parseReturn(location: URL) {
  const query = Object.fromEntries(location.searchParams.entries());
  return client.parseCallback({ method: 'GET', query, headers: {}, rawBody: '' });
}

function queryOf(o: PaymentOrder, request_id = `q_${(counter += 1)}`) {
  return client.queryPayment({
    request_id,
    merchant_ref: o.merchant_ref,
    payment_created_at: o.created_at,
    requested_at: now,
    requester_ip: '10.0.0.5',
  });
}

function refundOf(o: PaymentOrder, gateway_txn_id: string, amount: bigint): RefundRequest {
  counter += 1;
  return {
    refund_ref: `re_sim_${counter}`,
    merchant_ref: o.merchant_ref,
    gateway_txn_id,
    amount,
    payment_amount: o.amount,
    payment_created_at: o.created_at,
    reason: 'Hoàn phí nộp trùng',
    requested_by: 'nguyen van a',
    requested_at: now,
    requester_ip: '10.0.0.5',
  };
}

async function collect(rows: AsyncIterable<SettlementRow>): Promise<SettlementRow[]> {
  const out: SettlementRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('VNPay simulator', () => {
  before(async () => {
    merchant = new Merchant(new VnpayClient({ tmn_code: TMN_CODE, hash_secret: SECRET }));
    await merchant.start();
  });

  beforeEach(async () => {
    now = START;
    merchant.events.length = 0;
    merchant.failures_left = 0;
    await sim?.close();
    sim = await startSim();
    client = new VnpayClient(sim.clientConfig());
  });

  after(async () => {
    await sim?.close();
    await merchant.close();
  });

  describe('pay page and IPN', () => {
    it('approves: 302 to the return URL with signed paid fields, and one verified IPN recorded', async () => {
      const o = order();
      const { status, page } = await openPayPage(o);
      assert.equal(status, 200);
      assert.match(page, new RegExp(`data-field="merchant_ref">${o.merchant_ref}<`));
      assert.match(page, /data-field="amount">150\.000 VND</);
      now = new Date(START.getTime() + 60_000);
      const response = await fetch(formAction(page, 'approve'), { method: 'POST', redirect: 'manual' });
      assert.equal(response.status, 302);
      const location = new URL(response.headers.get('location') as string);
      assert.equal(`${location.origin}${location.pathname}`, 'https://payhub.example.vn/v1/checkout/return');
      assert.equal(location.searchParams.get('gw'), 'vnpay');
      const back = parseReturn(location);
      assert.ok(back.ok);
      assert.equal(back.event.status, 'succeeded');
      assert.equal(back.event.amount, 150_000n);
      assert.equal(back.event.gateway_code, '00/00');
      assert.deepEqual(back.event.paid_at, now);

      await sim.callbacks.idle();
      assert.equal(merchant.events.length, 1);
      const ipn = merchant.events[0] as PaymentEvent;
      assert.equal(ipn.merchant_ref, o.merchant_ref);
      assert.equal(ipn.status, 'succeeded');
      assert.equal(ipn.gateway_txn_id, sim.payment(o.merchant_ref)?.gateway_txn_id);
      // The IPN and the return URL carry the same signed fields, as VNPay sends them.
      assert.deepEqual(ipn.raw, back.event.raw);
      assert.equal(ipn.raw.vnp_BankTranNo, `VNP${ipn.gateway_txn_id}`);
      assert.equal(ipn.raw.vnp_OrderInfo, 'Thanh toan le phi ho so HS-2026-000123');
      assert.equal(ipn.raw.vnp_PayDate, '20261122094100');
      assert.deepEqual(
        sim.callbacks.log.map((a) => [a.attempt, a.acknowledged, JSON.parse(a.body).RspCode]),
        [[1, true, '00']],
      );
      assert.equal(sim.payment(o.merchant_ref)?.status, 'succeeded');
    });

    it('declines with 24/02 and times out with 11/02: failed, reported by IPN and return URL', async () => {
      const declined = order();
      const timedOut = order();
      const a = await press(declined, 'decline');
      const b = await press(timedOut, 'timeout');
      await sim.callbacks.idle();
      for (const [location, code] of [
        [a, '24/02'],
        [b, '11/02'],
      ] as const) {
        const back = parseReturn(location);
        assert.ok(back.ok);
        assert.equal(back.event.status, 'failed');
        assert.equal(back.event.gateway_code, code);
        assert.equal(back.event.paid_at, null);
      }
      assert.deepEqual(
        merchant.events.map((e) => [e.merchant_ref, e.status, e.gateway_code]),
        [
          [declined.merchant_ref, 'failed', '24/02'],
          [timedOut.merchant_ref, 'failed', '11/02'],
        ],
      );
      assert.equal(sim.payment(declined.merchant_ref)?.status, 'failed');
      assert.equal(sim.payment(timedOut.merchant_ref)?.status, 'expired');
    });

    it('turns an approval after vnp_ExpireDate into a timeout (11)', async () => {
      const o = order();
      await openPayPage(o);
      now = new Date(START.getTime() + 16 * 60_000);
      const location = new URL(sim.approve(o.merchant_ref));
      assert.equal(location.searchParams.get('vnp_ResponseCode'), '11');
      assert.equal(sim.payment(o.merchant_ref)?.status, 'expired');
    });

    it('refuses a second press on a finished payment with 409 and sends nothing more', async () => {
      const o = order();
      const { page } = await openPayPage(o);
      await fetch(formAction(page, 'approve'), { method: 'POST', redirect: 'manual' });
      const again = await fetch(formAction(page, 'decline'), { method: 'POST', redirect: 'manual' });
      assert.equal(again.status, 409);
      await sim.callbacks.idle();
      assert.equal(sim.callbacks.log.length, 1);
      assert.equal(sim.payment(o.merchant_ref)?.status, 'succeeded');
    });
  });

  describe('requests VNPay refuses', () => {
    it('sends a tampered pay URL to the error page with code 70 and creates no payment', async () => {
      const o = order();
      const created = await client.createPayment(o);
      assert.ok(created.ok && created.action.type === 'redirect');
      const tampered = created.action.url.replace('vnp_Amount=15000000', 'vnp_Amount=100000');
      const response = await fetch(tampered, { redirect: 'manual' });
      assert.equal(response.status, 302);
      const location = new URL(response.headers.get('location') as string);
      assert.equal(location.pathname, '/paymentv2/Payment/Error.html');
      assert.equal(location.searchParams.get('code'), '70');
      const errorPage = await (await fetch(location)).text();
      assert.match(errorPage, /data-code="70"/);
      assert.equal(sim.payment(o.merchant_ref), undefined);
    });

    it('sends another terminal to code 72 and a reused TxnRef with another amount to code 01', async () => {
      const stranger = new VnpayClient({ ...sim.clientConfig(), tmn_code: 'OTHERTM1' });
      const o = order();
      const created = await stranger.createPayment(o);
      assert.ok(created.ok && created.action.type === 'redirect');
      const response = await fetch(created.action.url, { redirect: 'manual' });
      assert.equal(new URL(response.headers.get('location') as string).searchParams.get('code'), '72');

      await openPayPage(o);
      const reused = await client.createPayment({ ...o, amount: 200_000n });
      assert.ok(reused.ok && reused.action.type === 'redirect');
      const second = await fetch(reused.action.url, { redirect: 'manual' });
      assert.equal(new URL(second.headers.get('location') as string).searchParams.get('code'), '01');
    });

    it('answers a querydr whose body was changed after signing with a signed 97', async () => {
      const o = order();
      await openPayPage(o);
      const body = client.transactions.build({
        request_id: 'q_tampered',
        merchant_ref: o.merchant_ref,
        payment_created_at: o.created_at,
        requested_at: now,
        requester_ip: '10.0.0.5',
      });
      const response = await fetch(sim.clientConfig().api_url as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, vnp_IpAddr: '10.0.0.6' }),
      });
      const answer = (await response.json()) as Record<string, string>;
      assert.equal(answer.vnp_ResponseCode, '97');
      assert.equal(answer.vnp_SecureHash, signFields(answer, QUERYDR_RESPONSE_FIELDS, SECRET));
      // The untampered body is still accepted: the 97 was about the change, not the request id.
      const signedAgain = { ...body, vnp_RequestId: 'q_untampered' };
      signedAgain.vnp_SecureHash = signFields(signedAgain, QUERYDR_REQUEST_FIELDS, SECRET);
      const ok = await fetch(sim.clientConfig().api_url as string, {
        method: 'POST',
        body: JSON.stringify(signedAgain),
      });
      assert.equal(((await ok.json()) as Record<string, string>).vnp_ResponseCode, '00');
    });

    it('makes a client with the wrong secret see 97 and reject the answer it cannot verify', async () => {
      const o = order();
      await openPayPage(o);
      const wrong = new VnpayClient({ ...sim.clientConfig(), hash_secret: 'not-the-secret' });
      const result = await wrong.queryPayment({
        request_id: 'q_wrong_secret',
        merchant_ref: o.merchant_ref,
        payment_created_at: o.created_at,
        requested_at: now,
        requester_ip: '10.0.0.5',
      });
      assert.ok(!result.ok && 'reason' in result.rejection);
      assert.equal(result.rejection.reason, 'bad_signature');
    });

    it('answers 94 to a request id used twice the same day', async () => {
      const o = order();
      await openPayPage(o);
      const first = await queryOf(o, 'q_twice');
      const second = await queryOf(o, 'q_twice');
      assert.ok(first.ok && second.ok);
      assert.equal(first.value.gateway_code, '00/01');
      assert.equal(second.value.gateway_code, '94/');
    });
  });

  describe('callback faults', () => {
    it('duplicates: one IPN recorded, the repeats acknowledged with 02', async () => {
      sim.callbacks.faults = { duplicate: 2 };
      const o = order();
      await openPayPage(o);
      sim.approve(o.merchant_ref);
      await sim.callbacks.idle();
      assert.equal(merchant.events.length, 1);
      assert.deepEqual(
        sim.callbacks.log.map((a) => [a.duplicate, a.acknowledged, JSON.parse(a.body).RspCode]),
        [
          [false, true, '00'],
          [true, true, '02'],
          [true, true, '02'],
        ],
      );
    });

    it('reorders: held IPNs of two payments arrive newest first after release()', async () => {
      sim.callbacks.faults = { reorder: true };
      const first = order();
      const second = order();
      await openPayPage(first);
      await openPayPage(second);
      sim.approve(first.merchant_ref);
      sim.approve(second.merchant_ref);
      await sim.callbacks.idle();
      assert.equal(sim.callbacks.held, 2);
      assert.equal(merchant.events.length, 0);
      sim.callbacks.release();
      await sim.callbacks.idle();
      assert.deepEqual(
        merchant.events.map((e) => e.merchant_ref),
        [second.merchant_ref, first.merchant_ref],
      );
    });

    it('drops: no IPN arrives, and querydr finds the payment paid', async () => {
      sim.callbacks.faults = { drop: true };
      const o = order();
      await press(o, 'approve');
      await sim.callbacks.idle();
      assert.equal(merchant.events.length, 0);
      assert.equal(sim.callbacks.log.length, 0);
      const result = await queryOf(o);
      assert.ok(result.ok);
      assert.equal(result.value.status, 'succeeded');
      assert.equal(result.value.amount, 150_000n);
      assert.equal(result.value.gateway_txn_id, sim.payment(o.merchant_ref)?.gateway_txn_id);
      assert.equal(result.value.gateway_code, '00/00');
      assert.deepEqual(result.value.paid_at, now);
    });
  });

  describe('IPN retries', () => {
    it('retries a merchant that answers 99 until it answers 00', async () => {
      merchant.failures_left = 2;
      const o = order();
      await press(o, 'approve');
      await sim.callbacks.idle();
      assert.deepEqual(
        sim.callbacks.log.map((a) => [a.attempt, a.acknowledged, JSON.parse(a.body).RspCode]),
        [
          [1, false, '99'],
          [2, false, '99'],
          [3, true, '00'],
        ],
      );
      assert.equal(merchant.events.length, 1);
    });

    it('retries on 97, 01 and 04 answers too', async () => {
      const o = order();
      merchant.orders.set(o.merchant_ref, 1n);
      await press(o, 'approve');
      await sim.callbacks.idle();
      assert.equal(sim.callbacks.log.length, 10);
      assert.ok(sim.callbacks.log.every((a) => JSON.parse(a.body).RspCode === '04' && !a.acknowledged));
    });

    it('stops at the attempt cap, including when the merchant cannot be reached', async () => {
      await sim.close();
      sim = await startSim({ ipn_url: 'http://127.0.0.1:1/ipn', ipn_attempts_max: 3 });
      client = new VnpayClient(sim.clientConfig());
      const o = order();
      await press(o, 'approve');
      await sim.callbacks.idle();
      assert.deepEqual(
        sim.callbacks.log.map((a) => [a.attempt, a.status, a.acknowledged]),
        [
          [1, 0, false],
          [2, 0, false],
          [3, 0, false],
        ],
      );
    });
  });

  describe('querydr and refund', () => {
    it('reports pending, failed and unknown payments as VNPay does', async () => {
      const pending = order();
      const declined = order();
      await openPayPage(pending);
      await press(declined, 'decline');
      const p = await queryOf(pending);
      const d = await queryOf(declined);
      const unknown = await queryOf(order());
      assert.ok(p.ok && d.ok && unknown.ok);
      assert.deepEqual(
        [p.value.status, p.value.gateway_code, p.value.gateway_txn_id],
        ['pending', '00/01', null],
      );
      assert.deepEqual([d.value.status, d.value.gateway_code], ['failed', '00/02']);
      assert.deepEqual([unknown.value.status, unknown.value.gateway_code], ['pending', '91/']);
      // VNPay finds a payment by TxnRef and its original vnp_CreateDate: another date finds nothing.
      const wrongDate = await queryOf({ ...pending, created_at: new Date(START.getTime() + 1_000) });
      assert.ok(wrongDate.ok);
      assert.equal(wrongDate.value.gateway_code, '91/');
    });

    it('refunds in part, accumulates, refuses more than is left, and querydr shows the refund', async () => {
      const o = order(150_000n);
      await press(o, 'approve');
      const txn = sim.payment(o.merchant_ref)?.gateway_txn_id as string;
      const first = await client.refund(refundOf(o, txn, 50_000n));
      assert.ok(first.ok);
      assert.equal(first.value.status, 'succeeded');
      assert.equal(first.value.amount, 50_000n);
      assert.equal(first.value.gateway_code, '00/06');
      assert.notEqual(first.value.gateway_refund_id, txn);

      const tooMuch = await client.refund(refundOf(o, txn, 100_001n));
      assert.ok(tooMuch.ok);
      assert.deepEqual([tooMuch.value.status, tooMuch.value.gateway_code], ['failed', '03/']);

      const rest = await client.refund(refundOf(o, txn, 100_000n));
      assert.ok(rest.ok);
      assert.equal(rest.value.status, 'succeeded');
      assert.deepEqual(
        sim.payment(o.merchant_ref)?.refunds.map((r) => r.amount),
        [50_000n, 100_000n],
      );

      const query = await queryOf(o);
      assert.ok(query.ok);
      assert.equal(query.value.status, 'succeeded');
      assert.equal(query.value.gateway_code, '00/06');
      assert.equal(query.value.amount, 150_000n);
    });

    it('refunds in full (type 02) once; a second refund is refused', async () => {
      const o = order(80_000n);
      await press(o, 'approve');
      const txn = sim.payment(o.merchant_ref)?.gateway_txn_id as string;
      const full = await client.refund(refundOf(o, txn, 80_000n));
      assert.ok(full.ok);
      assert.deepEqual([full.value.status, full.value.amount], ['succeeded', 80_000n]);
      const again = await client.refund(refundOf(o, txn, 80_000n));
      assert.ok(again.ok);
      assert.deepEqual([again.value.status, again.value.gateway_code], ['failed', '03/']);
    });

    it('refuses to refund an unpaid payment (95), the wrong transaction (91), and a repeated refund ref (94)', async () => {
      const pending = order();
      await openPayPage(pending);
      const unpaid = await client.refund(refundOf(pending, '1', 10_000n));
      assert.ok(unpaid.ok);
      assert.deepEqual([unpaid.value.status, unpaid.value.gateway_code], ['failed', '95/']);

      const paid = order();
      await press(paid, 'approve');
      const wrongTxn = await client.refund(refundOf(paid, '999', 10_000n));
      assert.ok(wrongTxn.ok);
      assert.deepEqual([wrongTxn.value.status, wrongTxn.value.gateway_code], ['failed', '91/']);

      const request = refundOf(paid, sim.payment(paid.merchant_ref)?.gateway_txn_id as string, 10_000n);
      const once = await client.refund(request);
      const twice = await client.refund(request);
      assert.ok(once.ok && twice.ok);
      assert.equal(once.value.status, 'succeeded');
      assert.deepEqual([twice.value.status, twice.value.gateway_code], ['pending', '94/']);
      assert.equal(sim.payment(paid.merchant_ref)?.refunds.length, 1);
    });
  });

  describe('settlement file', () => {
    it("lists the day's payments with fees and its refunds, which the client's parser reads back", async () => {
      const a = order(150_000n);
      const b = order(1_234_567n);
      const declined = order();
      await press(a, 'approve');
      now = new Date(START.getTime() + 60_000);
      await press(b, 'approve');
      await press(declined, 'decline');
      now = new Date(START.getTime() + 120_000);
      const refund = refundOf(a, sim.payment(a.merchant_ref)?.gateway_txn_id as string, 40_000n);
      assert.ok((await client.refund(refund)).ok);
      // The next Vietnam day (17:00 UTC is midnight in Hanoi) belongs to the next file.
      now = new Date('2026-11-22T17:00:00Z');
      const c = order(60_000n);
      await press(c, 'approve');

      const rows = await collect(
        client.parseSettlementFile(Readable.from([sim.settlementFile('2026-11-22')])),
      );
      assert.deepEqual(
        rows.map((r) => [r.kind, r.merchant_ref, r.refund_ref, r.amount, r.fee, r.status]),
        [
          ['payment', a.merchant_ref, null, 150_000n, 1_650n + 1_100n, 'succeeded'],
          ['payment', b.merchant_ref, null, 1_234_567n, 13_580n + 1_100n, 'succeeded'],
          ['refund', a.merchant_ref, refund.refund_ref, 40_000n, 0n, 'succeeded'],
        ],
      );
      assert.equal(rows[0]?.gateway_txn_id, sim.payment(a.merchant_ref)?.gateway_txn_id);
      assert.deepEqual(rows[0]?.transacted_at, START);
      const next = await collect(
        client.parseSettlementFile(Readable.from([sim.settlementFile('2026-11-23')])),
      );
      assert.deepEqual(
        next.map((r) => r.merchant_ref),
        [c.merchant_ref],
      );
    });

    it("rounds the fee half up in whole dong, by the hub's rule", () => {
      const rule = { percent: '1.1' };
      assert.equal(computeFee(150_000n, rule), 1_650n);
      // 1,234,545 × 1.1 % = 13,579.995 → 13,580; 45 × 1.1 % = 0.495 → 0; 50 × 1.1 % = 0.55 → 1.
      assert.equal(computeFee(1_234_545n, rule), 13_580n);
      assert.equal(computeFee(45n, rule), 0n);
      assert.equal(computeFee(50n, rule), 1n);
      // 101,500 × 1.1 % = 1,116.5: exactly half a dong rounds up (banker's rounding would give 1,116).
      assert.equal(computeFee(101_500n, rule), 1_117n);
    });

    it('writes the fee half a dong up, and never above the amount', async () => {
      await sim.close();
      sim = await startSim({ fee: { percent: '1.1' } });
      client = new VnpayClient(sim.clientConfig());
      const half = order(101_500n);
      await press(half, 'approve');
      let rows = await collect(client.parseSettlementFile(Readable.from([sim.settlementFile('2026-11-22')])));
      assert.deepEqual(
        rows.map((r) => [r.merchant_ref, r.amount, r.fee]),
        [[half.merchant_ref, 101_500n, 1_117n]],
      );

      // A fixed part above a small amount is capped at the amount: the file refuses Fee > Amount.
      await sim.close();
      sim = await startSim({ fee: { fixed: 20_000n } });
      client = new VnpayClient(sim.clientConfig());
      const small = order(10_000n);
      await press(small, 'approve');
      rows = await collect(client.parseSettlementFile(Readable.from([sim.settlementFile('2026-11-22')])));
      assert.deepEqual(
        rows.map((r) => [r.merchant_ref, r.amount, r.fee]),
        [[small.merchant_ref, 10_000n, 10_000n]],
      );
    });

    it('refuses at start a fee rule that adapters/fees.ts would refuse', async () => {
      await assertRefusesInvalidFeeRules((fee) => startSim({ fee }));
    });
  });
});
