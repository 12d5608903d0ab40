// Refunds over real HTTP against the hub's in-process VNPay and MoMo simulators: intents are paid end to
// end (simulator approves, the gateway's IPN reaches the hub), then refunded through POST /v1/refunds:
// full and partial refunds, the receipts per REFUND_RECEIPTS' default, never more than was paid (also
// under concurrent requests), a gateway that refuses, an answer that never comes (left pending, then
// finished by the sweep), Idempotency-Key replays, and the ledger verified after every test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { GatewayAdapter, GatewayId } from '../../adapters/contract';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { RefundsSweeper } from '../../src/refunds/refunds.sweeper';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import {
  assertLedgerOk,
  bootCallbackHub,
  countRows,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  until as untilWithin,
} from './support/gateway-payments';

interface Refund {
  id: string;
  object: string;
  biller: string;
  payment_intent: string;
  gateway: string;
  amount: number;
  reason: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  gateway_refund_id: string | null;
  receipt_action: 'cancelled' | 'refund_receipt' | null;
  receipt: string | null;
  created: number;
}

interface Receipt {
  id: string;
  status: string;
  amount: string;
  kind?: string;
  refund_of?: string;
  refund?: string;
  jws: string;
  cancellation_jws: string | null;
}

describe('Refunds', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let other: CreatedBiller;
  let bills = 0;

  const gateways = () => hub.app.get(GatewaysService);
  const bill = (amount: number): Promise<string> =>
    createBill(hub, agency, feeBody(`HT-RF-${++bills}`, amount, { payer: { name: 'Trần Thị Bình' } }));
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const until = (check: () => Promise<boolean>, what: string) => untilWithin(check, what, 15_000);
  /** An intent paid end to end: created, approved at the simulator, confirmed by the gateway's IPN. */
  const paidIntent = async (method: 'vnpay' | 'momo' | 'zalopay', amount = 150_000): Promise<Intent> => {
    // Opening the pay page is what makes the VNPay simulator know the order.
    const created = await createIntent(hub, agency, await bill(amount), method, {
      open_page: method === 'vnpay',
    });
    const sims = gateways().simulators!;
    if (method === 'vnpay') sims.vnpay!.approve(created.reference);
    else if (method === 'momo') sims.momo!.approve(created.reference);
    else sims.zalopay!.approve(created.reference);
    await until(async () => (await read(created.id)).status === 'succeeded', `the ${method} IPN`);
    return read(created.id);
  };
  const refund = (body: unknown, options: { token?: string; idempotency_key?: string } = {}) =>
    call<Refund & ErrorBody>(hub, 'POST', '/v1/refunds', {
      token: options.token ?? agency.api_key,
      body,
      idempotency_key: options.idempotency_key,
    });
  const receipt = async (id: string) =>
    (await call<Receipt>(hub, 'GET', `/v1/receipts/${id}`, { token: agency.api_key })).body;
  const verify = async (jws: string) =>
    (
      await call<{ valid: boolean; reason: string | null; kind: string | null }>(
        hub,
        'POST',
        '/v1/receipts/verify',
        { token: null, body: { jws } },
      )
    ).body;
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const refundEvents = (refund_id: string) =>
    count(`events WHERE type = 'refund.succeeded' AND data ->> 'id' = $1`, [refund_id]);
  const transfer = async (id: string) =>
    (
      await db.pool.query<{ debit: string; credit: string; amount: string; flags: number }>(
        `SELECT debit_account_id AS debit, credit_account_id AS credit, amount::text, flags
           FROM ledger_transfers WHERE id = $1`,
        [id],
      )
    ).rows[0] ?? null;
  /** What the hub holds as refunded or being refunded (pending + succeeded) for an intent. */
  const refundedAtGateway = async (intent_id: string): Promise<bigint> => {
    const found = await db.pool.query<{ total: string }>(
      `SELECT COALESCE(sum(amount), 0)::text AS total FROM refunds
        WHERE payment_intent_id = $1 AND status IN ('pending', 'succeeded')`,
      [intent_id],
    );
    return BigInt(found.rows[0]!.total);
  };
  /** Swaps one gateway's adapter for a wrapper until the returned function is called. */
  const wrapAdapter = (gateway: GatewayId, wrap: (real: GatewayAdapter) => Partial<GatewayAdapter>) => {
    const service = gateways();
    const real = service.adapter(gateway);
    const overrides = wrap(real);
    const proxy = new Proxy(real, {
      get(target, property, receiver) {
        if (property in overrides) return overrides[property as keyof GatewayAdapter];
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const original = service.adapter.bind(service);
    service.adapter = (id: GatewayId) => (id === gateway ? proxy : original(id));
    return () => {
      service.adapter = original;
    };
  };

  before(async () => {
    db = await createTestDatabase();
    // The simulators' IPNs go to HUB_PUBLIC_URL: the hub itself.
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
    other = await createBiller(hub, { name: 'Bệnh viện Đa khoa Tỉnh', kind: 'hospital' });
  });
  afterEach(async () => {
    if (hub) await assertLedgerOk(hub);
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('refunds a VNPay payment in full: ledger reversed, receipt cancelled (signed), refund.succeeded', async () => {
    const intent = await paidIntent('vnpay');
    const created = await refund({ payment_intent: intent.id, reason: 'Nộp trùng lệ phí' });
    assert.equal(created.status, 201, created.text);
    const body = created.body;
    assert.match(body.id, /^re_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(body.object, 'refund');
    assert.equal(body.status, 'succeeded');
    assert.equal(body.amount, 150_000);
    assert.equal(body.gateway, 'vnpay');
    assert.equal(body.payment_intent, intent.id);
    assert.ok(body.gateway_refund_id);
    assert.equal(body.receipt_action, 'cancelled');
    assert.equal(body.receipt, intent.receipt);

    const original = await receipt(intent.receipt!);
    assert.equal(original.status, 'cancelled');
    const cancellation = await verify(original.cancellation_jws!);
    assert.equal(cancellation.valid, true);
    assert.equal(cancellation.kind, 'receipt_cancellation');
    const old = await verify(original.jws);
    assert.equal(old.valid, false);
    assert.equal(old.reason, 'cancelled');

    // Reserved (pending payable → clearing), then posted, both under ids of the refund.
    assert.deepEqual(await transfer(`refund:${body.id}`), {
      debit: `payable:${agency.id}`,
      credit: 'clearing:vnpay',
      amount: '150000',
      flags: 2,
    });
    assert.equal((await transfer(`refund:${body.id}:post`))?.amount, '150000');
    assert.equal(await transfer(`refund:${body.id}:void`), null);
    assert.equal(await refundEvents(body.id), 1);

    const got = await call<Refund>(hub, 'GET', `/v1/refunds/${body.id}`, { token: agency.api_key });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, body);
  });

  it('keeps the receipt.issued event as the receipt was issued after the receipt is cancelled', async () => {
    const intent = await paidIntent('momo');
    // Stored as a reference to the receipt (migrations/0017), not as a copy of it.
    const stored = await db.pool.query<{ id: string; data: unknown; receipt_id: string | null }>(
      `SELECT e.id, e.data, e.receipt_id FROM events e JOIN receipts r ON r.id = e.receipt_id
        WHERE e.type = 'receipt.issued' AND r.payment_intent_id = $1`,
      [intent.id],
    );
    assert.equal(stored.rows.length, 1);
    assert.deepEqual(stored.rows[0], { id: stored.rows[0]!.id, data: null, receipt_id: intent.receipt });
    const event_id = stored.rows[0]!.id;
    const event = async () =>
      (
        await call<{ type: string; data: Receipt & Record<string, unknown> }>(
          hub,
          'GET',
          `/v1/events/${event_id}`,
          {
            token: agency.api_key,
          },
        )
      ).body;
    const issued = await event();
    assert.equal(issued.type, 'receipt.issued');
    // The event's data is the receipt as GET /v1/receipts shows it while issued, keys in the same order.
    const asIssued = await call<Receipt>(hub, 'GET', `/v1/receipts/${intent.receipt}`, {
      token: agency.api_key,
    });
    assert.equal(JSON.stringify(issued.data), JSON.stringify(asIssued.body));
    assert.equal((await verify(issued.data.jws)).valid, true);

    const refunded = await refund({ payment_intent: intent.id, reason: 'Hủy hồ sơ' });
    assert.equal(refunded.body.receipt_action, 'cancelled', refunded.text);
    assert.equal((await receipt(intent.receipt!)).status, 'cancelled');
    // The event still says what was issued then, byte for byte: the list, the event and what a
    // delivery would send.
    const after = await event();
    assert.equal(JSON.stringify(after.data), JSON.stringify(issued.data));
    assert.equal(after.data.status, 'issued');
    assert.equal(after.data.cancellation_jws, null);
    const listed = await call<{ data: Array<{ id: string; data: unknown }> }>(
      hub,
      'GET',
      '/v1/events?type=receipt.issued&limit=100',
      { token: agency.api_key },
    );
    const inList = listed.body.data.find((row) => row.id === event_id);
    assert.equal(JSON.stringify(inList?.data), JSON.stringify(issued.data));
    const target = await hub.app.get(WebhooksRepository).deliveryTarget(event_id);
    assert.equal(JSON.stringify(target?.data), JSON.stringify(issued.data));
  });

  it('issues a refund receipt for a full refund too with REFUND_RECEIPTS=refund_receipt', async () => {
    // A second hub on the same database with the other setting; the helpers talk to it meanwhile.
    const first = hub;
    const second = await bootCallbackHub(db, { REFUND_RECEIPTS: 'refund_receipt' });
    hub = second;
    try {
      const intent = await paidIntent('vnpay', 45_000);
      const created = await refund({ payment_intent: intent.id, reason: 'Hoan toan bo' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.status, 'succeeded');
      assert.equal(created.body.receipt_action, 'refund_receipt');
      const issued = await receipt(created.body.receipt!);
      assert.equal(issued.kind, 'refund');
      assert.equal(issued.refund_of, intent.receipt);
      assert.equal(issued.amount, '45000');
      assert.equal((await verify(issued.jws)).valid, true);
      assert.equal((await receipt(intent.receipt!)).status, 'issued');
      // Numbered in the biller's one series, right after the receipts before it: no gap.
      const numbers = await db.pool.query<{ number: string }>(
        'SELECT number::text FROM receipts WHERE biller_id = $1 ORDER BY number',
        [agency.id],
      );
      assert.deepEqual(
        numbers.rows.map((row) => Number(row.number)),
        numbers.rows.map((_, index) => index + 1),
      );
    } finally {
      hub = first;
      await second.close();
    }
  });

  it('refunds a MoMo payment in full', async () => {
    const intent = await paidIntent('momo', 80_000);
    const created = await refund({ payment_intent: intent.id, amount: 80_000, reason: 'Huy ho so' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, 'succeeded');
    assert.equal(created.body.gateway, 'momo');
    assert.equal(created.body.receipt_action, 'cancelled');
    assert.equal((await receipt(intent.receipt!)).status, 'cancelled');
    assert.equal((await transfer(`refund:${created.body.id}:post`))?.amount, '80000');
    assert.equal(await refundEvents(created.body.id), 1);
  });

  it('refunds in parts with refund receipts, then refuses more than is left and changes nothing', async () => {
    const intent = await paidIntent('vnpay', 150_000);
    const first = await refund({ payment_intent: intent.id, amount: 50_000, reason: 'Giam phi' });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.status, 'succeeded');
    assert.equal(first.body.receipt_action, 'refund_receipt');
    const refundReceipt = await receipt(first.body.receipt!);
    assert.equal(refundReceipt.kind, 'refund');
    assert.equal(refundReceipt.refund_of, intent.receipt);
    assert.equal(refundReceipt.refund, first.body.id);
    assert.equal(refundReceipt.amount, '50000');
    assert.equal(refundReceipt.status, 'issued');
    assert.equal((await verify(refundReceipt.jws)).valid, true);
    // The original still proves the payment.
    assert.equal((await receipt(intent.receipt!)).status, 'issued');

    const second = await refund({ payment_intent: intent.id, amount: 60_000, reason: 'Giam phi lan 2' });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.body.status, 'succeeded');
    assert.equal(second.body.receipt_action, 'refund_receipt');
    assert.notEqual(second.body.receipt, first.body.receipt);

    const refundsBefore = await count('refunds');
    const transfersBefore = await count('ledger_transfers');
    const third = await refund({ payment_intent: intent.id, amount: 50_000, reason: 'Qua so con lai' });
    assert.equal(third.status, 400, third.text);
    assert.equal(third.body.error.code, 'refund_amount_exceeds_remaining');
    assert.equal(third.body.error.param, 'amount');
    assert.equal(await count('refunds'), refundsBefore);
    assert.equal(await count('ledger_transfers'), transfersBefore);

    // Without an amount: what is left.
    const rest = await refund({ payment_intent: intent.id, reason: 'Phan con lai' });
    assert.equal(rest.status, 201, rest.text);
    assert.equal(rest.body.amount, 40_000);
    assert.equal(rest.body.status, 'succeeded');
    assert.equal(rest.body.receipt_action, 'refund_receipt');
    const none = await refund({ payment_intent: intent.id, amount: 1, reason: 'Het' });
    assert.equal(none.body.error.code, 'refund_amount_exceeds_remaining');

    // The list, newest first, filtered by the intent, paged.
    const page1 = await call<{ data: Refund[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/refunds?payment_intent=${intent.id}&limit=2`,
      { token: agency.api_key },
    );
    assert.equal(page1.status, 200, page1.text);
    assert.deepEqual(
      page1.body.data.map((item) => item.id),
      [rest.body.id, second.body.id],
    );
    assert.equal(page1.body.has_more, true);
    const page2 = await call<{ data: Refund[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/refunds?payment_intent=${intent.id}&limit=2&starting_after=${second.body.id}`,
      { token: agency.api_key },
    );
    assert.deepEqual(
      page2.body.data.map((item) => item.id),
      [first.body.id],
    );
    assert.equal(page2.body.has_more, false);
  });

  it('never refunds more than was paid under concurrent requests', async () => {
    const intent = await paidIntent('vnpay', 100_000);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        refund({ payment_intent: intent.id, amount: 30_000, reason: `Lan ${index}` }),
      ),
    );
    const succeeded = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    assert.equal(succeeded.length, 3, answers.map((answer) => answer.text).join('\n'));
    assert.ok(succeeded.every((answer) => answer.body.status === 'succeeded'));
    assert.ok(refused.every((answer) => answer.body.error.code === 'refund_amount_exceeds_remaining'));
    assert.equal(await refundedAtGateway(intent.id), 90_000n);
    assert.equal(await count('refunds WHERE payment_intent_id = $1', [intent.id]), 3);
  });

  it('refuses to refund an intent that was not paid, and a gateway without refunds', async () => {
    const unpaid = await call<Intent>(hub, 'POST', '/v1/payment_intents', {
      token: agency.api_key,
      body: { bill_id: await bill(20_000), method: 'vnpay' },
    });
    const answer = await refund({ payment_intent: unpaid.body.id, reason: 'Chua tra' });
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.body.error.code, 'refund_payment_not_succeeded');
    assert.equal(answer.body.error.param, 'payment_intent');

    const qr = await call<Intent>(hub, 'POST', '/v1/payment_intents', {
      token: agency.api_key,
      body: { bill_id: await bill(20_000), method: 'vietqr' },
    });
    const bank = await refund({ payment_intent: qr.body.id, reason: 'Chuyen khoan' });
    assert.equal(bank.status, 400, bank.text);
    assert.equal(bank.body.error.code, 'refund_not_supported');
    assert.equal(await count('refunds WHERE payment_intent_id IN ($1, $2)', [unpaid.body.id, qr.body.id]), 0);
  });

  it('refuses bad parameters, naming the field', async () => {
    const intent = await paidIntent('vnpay', 30_000);
    for (const amount of [1.5, '1000', -5, 0, 500_000_001]) {
      const answer = await refund({ payment_intent: intent.id, amount, reason: 'x' });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.error.code, 'parameter_invalid');
      assert.equal(answer.body.error.param, 'amount');
    }
    const noReason = await refund({ payment_intent: intent.id });
    assert.equal(noReason.body.error.code, 'parameter_missing');
    assert.equal(noReason.body.error.param, 'reason');
    const unknown = await refund({ payment_intent: intent.id, reason: 'x', charge: 'ch_1' });
    assert.equal(unknown.body.error.code, 'parameter_unknown');
    const missing = await refund({ payment_intent: 'pi_00000000000000000000000000', reason: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'payment_intent_not_found');
    assert.equal(await count('refunds WHERE payment_intent_id = $1', [intent.id]), 0);
  });

  it('hides a biller’s refunds and intents from another biller (404)', async () => {
    const intent = await paidIntent('vnpay', 25_000);
    const mine = await refund({ payment_intent: intent.id, amount: 5_000, reason: 'Mot phan' });
    assert.equal(mine.status, 201, mine.text);
    const theirs = await call<ErrorBody>(hub, 'GET', `/v1/refunds/${mine.body.id}`, { token: other.api_key });
    assert.equal(theirs.status, 404);
    assert.equal(theirs.body.error.code, 'refund_not_found');
    const list = await call<{ data: Refund[] }>(hub, 'GET', '/v1/refunds', { token: other.api_key });
    assert.deepEqual(list.body.data, []);
    const steal = await refund(
      { payment_intent: intent.id, reason: 'Khong phai cua toi' },
      { token: other.api_key },
    );
    assert.equal(steal.status, 404);
    assert.equal(steal.body.error.code, 'payment_intent_not_found');
    const garbage = await call<ErrorBody>(hub, 'GET', '/v1/refunds/re_nope', { token: agency.api_key });
    assert.equal(garbage.status, 404);
  });

  it('voids the reservation when the gateway refuses the refund', async () => {
    const intent = await paidIntent('vnpay', 40_000);
    // Someone refunded the whole payment at VNPay's portal: VNPay now refuses the hub's refund.
    const stored = (
      await db.pool.query<{ gateway_txn_id: string; created_at: Date }>(
        'SELECT gateway_txn_id, created_at FROM payment_intents WHERE id = $1',
        [intent.id],
      )
    ).rows[0]!;
    const outside = await gateways().adapter('vnpay').refund!({
      refund_ref: `OOB${Date.now()}`,
      merchant_ref: intent.reference,
      gateway_txn_id: stored.gateway_txn_id,
      amount: 40_000n,
      payment_amount: 40_000n,
      payment_created_at: stored.created_at,
      reason: 'Portal',
      requested_by: 'portal',
      requested_at: new Date(),
      requester_ip: '127.0.0.1',
    });
    assert.ok(outside.ok && outside.value.status === 'succeeded');

    const answer = await refund({ payment_intent: intent.id, amount: 10_000, reason: 'Bi tu choi' });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.body.status, 'failed');
    assert.match(answer.body.failure_code!, /^vnpay_/);
    assert.equal(answer.body.receipt, null);
    assert.equal((await transfer(`refund:${answer.body.id}:void`))?.amount, '10000');
    assert.equal(await transfer(`refund:${answer.body.id}:post`), null);
    assert.equal(await refundEvents(answer.body.id), 0);
    assert.equal((await receipt(intent.receipt!)).status, 'issued');
    // A failed refund holds nothing back: the whole payment is still refundable at the hub.
    assert.equal(await refundedAtGateway(intent.id), 0n);
  });

  it('leaves a refund pending when the answer is lost, and the sweep finishes it', async () => {
    const intent = await paidIntent('momo', 60_000);
    // The refund reaches MoMo, but its answer never comes back (a timeout).
    const restore = wrapAdapter('momo', (real) => ({
      refund: async (request) => {
        await real.refund!(request);
        throw new Error('The operation was aborted due to timeout');
      },
    }));
    let pending: Refund;
    try {
      const answer = await refund({ payment_intent: intent.id, reason: 'Mat ket noi' });
      assert.equal(answer.status, 201, answer.text);
      pending = answer.body;
    } finally {
      restore();
    }
    assert.equal(pending.status, 'pending');
    assert.equal((await transfer(`refund:${pending.id}`))?.amount, '60000');
    assert.equal(await transfer(`refund:${pending.id}:post`), null);
    // Reserved meanwhile: nothing more can be refunded.
    const more = await refund({ payment_intent: intent.id, amount: 1, reason: 'Them' });
    assert.equal(more.body.error.code, 'refund_amount_exceeds_remaining');

    const sweeper = hub.app.get(RefundsSweeper);
    // Not yet stale: the sweep leaves a refund alone while its request may still be waiting.
    assert.equal(await sweeper.sweep(), 0);
    assert.equal(await sweeper.sweep(0), 1);
    const done = await call<Refund>(hub, 'GET', `/v1/refunds/${pending.id}`, { token: agency.api_key });
    assert.equal(done.body.status, 'succeeded');
    assert.equal(done.body.receipt_action, 'cancelled');
    assert.equal((await transfer(`refund:${pending.id}:post`))?.amount, '60000');
    assert.equal(await refundEvents(pending.id), 1);
    // A second sweep finds nothing left to do.
    assert.equal(await sweeper.sweep(0), 0);
  });

  it('documents the refunds routes in the OpenAPI document', async () => {
    const document = await call<{ paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/docs/json');
    assert.equal(document.status, 200);
    assert.ok(document.body.paths['/v1/refunds']?.post);
    assert.ok(document.body.paths['/v1/refunds']?.get);
    assert.ok(document.body.paths['/v1/refunds/{id}']?.get);
  });

  it('finishes a ZaloPay refund that answers "processing" once query_refund says it succeeded', async () => {
    const intent = await paidIntent('zalopay', 90_000);
    const created = await refund({ payment_intent: intent.id, amount: 30_000, reason: 'Hoan mot phan' });
    assert.equal(created.status, 201, created.text);
    // ZaloPay refunds asynchronously: its first answer is "processing".
    assert.equal(created.body.status, 'pending');
    assert.ok(created.body.gateway_refund_id);
    assert.equal((await transfer(`refund:${created.body.id}`))?.amount, '30000');
    assert.equal(await transfer(`refund:${created.body.id}:post`), null);
    assert.equal(await hub.app.get(RefundsSweeper).sweep(0), 1);
    const done = await call<Refund>(hub, 'GET', `/v1/refunds/${created.body.id}`, { token: agency.api_key });
    assert.equal(done.body.status, 'succeeded');
    assert.equal(done.body.receipt_action, 'refund_receipt');
    assert.equal((await transfer(`refund:${created.body.id}:post`))?.amount, '30000');
    assert.equal(await refundEvents(created.body.id), 1);
  });

  it('replays POST /v1/refunds with the same Idempotency-Key, and refunds once', async () => {
    const intent = await paidIntent('vnpay', 70_000);
    const key = randomUUID();
    const body = { payment_intent: intent.id, amount: 20_000, reason: 'Mot lan thoi' };
    const first = await refund(body, { idempotency_key: key });
    assert.equal(first.status, 201, first.text);
    const again = await refund(body, { idempotency_key: key });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text);
    assert.equal(await count('refunds WHERE payment_intent_id = $1', [intent.id]), 1);

    // The stored answer lost (a crash after the refund committed, before the answer did): the retry
    // finds the refund by its key instead of refunding a second time.
    await db.pool.query('DELETE FROM idempotency_keys');
    const retried = await refund(body, { idempotency_key: key });
    assert.equal(retried.status, 201, retried.text);
    assert.equal(retried.body.id, first.body.id);
    assert.equal(await count('refunds WHERE payment_intent_id = $1', [intent.id]), 1);
    const reused = await refund({ ...body, amount: 10_000 }, { idempotency_key: key });
    assert.equal(reused.status, 409);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');

    // Keyed refunds in a burst larger than the hub's pool (DB_POOL_MAX 5 in tests) all finish.
    const burst = await paidIntent('vnpay', 100_000);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        refund(
          { payment_intent: burst.id, amount: 10_000, reason: `Dot ${index}` },
          { idempotency_key: randomUUID() },
        ),
      ),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array.from({ length: 8 }, () => 201),
    );
    assert.equal(await refundedAtGateway(burst.id), 80_000n);
  });
});
