// The whole VietQR flow over real HTTP on loopback: a tiny merchant server verifies the simulated bank's
// notifications with VietQrClient and classifies them with the matcher against in-memory bills; the
// bank pays codes, retries, duplicates, reorders, drops and tampers, and serves statements and files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VietQrClient } from './vietqr.client';
import {
  classifyTransfer,
  generateVietQrReference,
  notificationOutcome,
  type VietQrBill,
  type VietQrBillLookup,
  type VietQrClassification,
  type VietQrTransfer,
} from './vietqr.matcher';
import { VietQrBankSimulator } from './vietqr.simulator';
import type { SettlementRow } from '../contract';
import { startMerchantEndpoint, type MerchantEndpoint } from '../shared/simulator.testing';

const SECRET = 'bank-notify-secret-for-tests';
const ACCOUNT = '0011001234567';
const BIN = '970436';
const ATTEMPTS_MAX = 4;

interface HubBill {
  readonly merchant_ref: string;
  readonly amount: bigint;
  paid_by: string | null;
}

/** The hub's side, in memory: open bills by payment reference, and every transfer booked by bank_ref. */
class Hub implements VietQrBillLookup {
  readonly bills = new Map<string, HubBill>();
  readonly booked = new Map<string, VietQrClassification>();
  /** Every classification in arrival order, redeliveries included. */
  readonly seen: { bank_ref: string; outcome: string; cause?: string }[] = [];
  /** Answer 503 to this many notifications first (a hub that is down). */
  fail_next = 0;

  findByReferences(references: readonly string[]): VietQrBill[] {
    return references.flatMap((reference) => {
      const bill = this.bills.get(reference);
      return bill
        ? [
            {
              reference,
              merchant_ref: bill.merchant_ref,
              amount: bill.amount,
              already_paid: bill.paid_by !== null,
            },
          ]
        : [];
    });
  }

  seenBankRef(bank_ref: string): boolean {
    return this.booked.has(bank_ref);
  }

  /** Classifies and books one verified transfer (a notification or a statement line). */
  async book(transfer: VietQrTransfer): Promise<VietQrClassification> {
    const result = await classifyTransfer(transfer, this);
    this.seen.push({
      bank_ref: transfer.bank_ref,
      outcome: result.outcome,
      ...(result.outcome === 'duplicate' ? { cause: result.cause } : {}),
    });
    if (result.booking === 'none') return result;
    this.booked.set(transfer.bank_ref, result);
    if (result.booking === 'bill')
      (this.bills.get(result.bill.reference) as HubBill).paid_by = transfer.bank_ref;
    return result;
  }

  outcomes(): string[] {
    return this.seen.map((s) => (s.cause ? `${s.outcome}:${s.cause}` : s.outcome));
  }
}

/** The merchant's notify endpoint on 127.0.0.1, as src/ would wire it. */
function startMerchant(hub: Hub, client: () => VietQrClient): Promise<MerchantEndpoint> {
  return startMerchantEndpoint('/notify', async ({ method, headers, rawBody }) => {
    const adapter = client();
    if (hub.fail_next > 0) {
      hub.fail_next -= 1;
      return adapter.callbackReply('error');
    }
    const result = adapter.parseCallback({ method, query: {}, headers, rawBody });
    if (!result.ok) return adapter.callbackReply(result.rejection.reason);
    const { event } = result;
    const transfer = {
      amount: event.amount,
      description: event.raw.description ?? '',
      bank_ref: event.gateway_txn_id,
    };
    return adapter.callbackReply(notificationOutcome(await hub.book(transfer)));
  });
}

interface World {
  readonly hub: Hub;
  readonly bank: VietQrBankSimulator;
  readonly client: VietQrClient;
  /** The bank's clock; tests move it. */
  now: Date;
  bill(amount: bigint): Promise<{ reference: string; payload: string }>;
  close(): Promise<void>;
}

async function world(options: { bank_secret?: string } = {}): Promise<World> {
  const hub = new Hub();
  let client: VietQrClient | null = null;
  const merchant = await startMerchant(hub, () => client as VietQrClient);
  const state = { now: new Date('2026-11-22T02:40:00Z') };
  const bank = await VietQrBankSimulator.start({
    account_no: ACCOUNT,
    bin: BIN,
    notify_url: merchant.url,
    notify_secret: options.bank_secret ?? SECRET,
    clock: () => state.now,
    retry_intervals_ms: [3],
    attempts_max: ATTEMPTS_MAX,
  });
  client = new VietQrClient({ ...bank.clientConfig(), notify_secret: SECRET });
  const created = client;
  const w: World = {
    hub,
    bank,
    client: created,
    get now() {
      return state.now;
    },
    set now(value: Date) {
      state.now = value;
    },
    async bill(amount) {
      const reference = generateVietQrReference();
      const result = await created.createPayment({
        merchant_ref: reference,
        amount,
        currency: 'VND',
        description: 'Lệ phí hồ sơ',
        method: 'bank_transfer',
        return_url: 'https://payhub.example.vn/return',
        payer_ip: '203.113.0.10',
        locale: 'vi',
        created_at: state.now,
      });
      assert.ok(result.ok && result.action.type === 'vietqr');
      hub.bills.set(reference, { merchant_ref: reference, amount, paid_by: null });
      return { reference, payload: result.action.payload };
    },
    async close() {
      await bank.close();
      await merchant.close();
    },
  };
  return w;
}

async function using(run: (w: World) => Promise<void>, options?: { bank_secret?: string }): Promise<void> {
  const w = await world(options);
  try {
    await run(w);
  } finally {
    await w.close();
  }
}

describe('VietQR bank simulator and notifications over HTTP', () => {
  it('pays a code with the exact and with a messy description, and the hub matches both', () =>
    using(async ({ hub, bank, bill }) => {
      const exact = await bill(150_000n);
      const messy = await bill(2_000_000n);
      const first = bank.payQr(exact.payload);
      const second = bank.payQr(messy.payload, { description_style: 'messy' });
      assert.equal(first.description, exact.reference);
      assert.notEqual(second.description, messy.reference);
      assert.ok(!second.description.includes(messy.reference), second.description);
      await bank.callbacks.idle();
      assert.deepEqual(hub.outcomes(), ['matched', 'matched']);
      assert.equal(hub.bills.get(exact.reference)?.paid_by, first.bank_ref);
      assert.equal(hub.bills.get(messy.reference)?.paid_by, second.bank_ref);
      assert.deepEqual(
        bank.callbacks.log.map((a) => [a.attempt, a.status, a.acknowledged]),
        [
          [1, 200, true],
          [1, 200, true],
        ],
      );
    }));

  it('pays through the pay page: approve sends the transfer, decline sends nothing', () =>
    using(async ({ hub, bank, bill }) => {
      const { reference, payload } = await bill(75_000n);
      const page = await fetch(`${bank.url}/pay?${new URLSearchParams({ payload, style: 'messy' })}`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /data-field="amount">75\.000 VND/);
      assert.ok(html.includes(`data-field="description">${reference}<`));
      const id = /data-field="pay_id">(\d+)</.exec(html)?.[1];
      const approved = await fetch(`${bank.url}/pay/${id}/approve`, { method: 'POST' });
      assert.equal(approved.status, 200);
      assert.match(await approved.text(), /data-field="bank_ref">FT20261122\d+</);
      const again = await fetch(`${bank.url}/pay/${id}/approve`, { method: 'POST' });
      assert.equal(again.status, 409);
      await bank.callbacks.idle();
      assert.deepEqual(hub.outcomes(), ['matched']);

      const other = await bill(10_000n);
      const page2 = await (
        await fetch(`${bank.url}/pay?${new URLSearchParams({ payload: other.payload })}`)
      ).text();
      const id2 = /data-field="pay_id">(\d+)</.exec(page2)?.[1];
      const declined = await fetch(`${bank.url}/pay/${id2}/decline`, { method: 'POST' });
      assert.match(await declined.text(), /data-status="failed"/);
      await bank.callbacks.idle();
      assert.equal(bank.transactions.length, 1);
      const bad = await fetch(`${bank.url}/pay?payload=000201`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /data-error="invalid_payload"/);
    }));

  it('books a wrong amount as amount_mismatch and a transfer without reference as unknown_reference', () =>
    using(async ({ hub, bank, bill }) => {
      const { reference, payload } = await bill(150_000n);
      bank.payQr(payload, { amount: 149_000n });
      bank.transfer({ amount: 50_000n, description: 'NGUYEN VAN A chuyen tien' });
      await bank.callbacks.idle();
      assert.deepEqual(hub.outcomes(), ['amount_mismatch', 'unknown_reference']);
      assert.equal(hub.bills.get(reference)?.paid_by, null);
      // Both are booked to suspense, so the bank is told 200 and does not retry.
      assert.deepEqual(
        bank.callbacks.log.map((a) => a.status),
        [200, 200],
      );
    }));

  it('matches a duplicated notification once and reports the redelivery as duplicate', () =>
    using(async ({ hub, bank, bill }) => {
      const { reference, payload } = await bill(150_000n);
      bank.callbacks.faults = { duplicate: 1 };
      const paid = bank.payQr(payload);
      await bank.callbacks.idle();
      assert.deepEqual(hub.outcomes(), ['matched', 'duplicate:same_transfer']);
      assert.deepEqual(
        bank.callbacks.log.map((a) => [a.status, a.duplicate]),
        [
          [200, false],
          [200, true],
        ],
      );
      assert.equal(hub.bills.get(reference)?.paid_by, paid.bank_ref);
      // A second, real transfer for the paid bill is money to suspense, not a redelivery.
      bank.callbacks.faults = {};
      const second = bank.payQr(payload);
      await bank.callbacks.idle();
      assert.equal(hub.outcomes().at(-1), 'duplicate:bill_already_paid');
      assert.equal(hub.booked.get(second.bank_ref)?.booking, 'suspense');
    }));

  it('matches reordered and delayed notifications', () =>
    using(async ({ hub, bank, bill }) => {
      const a = await bill(10_000n);
      const b = await bill(20_000n);
      bank.callbacks.faults = { reorder: true };
      const first = bank.payQr(a.payload);
      const second = bank.payQr(b.payload, { description_style: 'messy' });
      assert.equal(bank.callbacks.held, 2);
      bank.callbacks.faults = { delay_ms: 10 };
      bank.callbacks.release();
      await bank.callbacks.idle();
      assert.deepEqual(
        hub.seen.map((s) => [s.bank_ref, s.outcome]),
        [
          [second.bank_ref, 'matched'],
          [first.bank_ref, 'matched'],
        ],
      );
    }));

  it('finds a transfer whose notification was dropped through the signed statement endpoint', () =>
    using(async ({ hub, bank, bill, client }) => {
      const { reference, payload } = await bill(150_000n);
      bank.callbacks.faults = { drop: true };
      const paid = bank.payQr(payload, { description_style: 'messy' });
      await bank.callbacks.idle();
      assert.deepEqual(bank.callbacks.log, []);
      assert.deepEqual(hub.outcomes(), []);

      const from = new Date('2026-11-22T00:00:00+07:00');
      const to = new Date('2026-11-23T00:00:00+07:00');
      for (let round = 0; round < 2; round += 1) {
        const response = await fetch(bank.statementUrl(from, to));
        const statement = client.notifications.verifyStatement({
          headers: Object.fromEntries(response.headers),
          rawBody: Buffer.from(await response.arrayBuffer()),
        });
        assert.ok(statement.ok);
        assert.deepEqual(
          statement.transactions.map((t) => [t.bank_ref, t.amount]),
          [[paid.bank_ref, 150_000n]],
        );
        for (const transfer of statement.transactions) await hub.book(transfer);
      }
      // Reading the statement again finds the transfer already booked: idempotent.
      assert.deepEqual(hub.outcomes(), ['matched', 'duplicate:same_transfer']);
      assert.equal(hub.bills.get(reference)?.paid_by, paid.bank_ref);

      const empty = await fetch(bank.statementUrl(to, new Date('2026-11-24T00:00:00+07:00')));
      const none = client.notifications.verifyStatement({
        headers: Object.fromEntries(empty.headers),
        rawBody: await empty.text(),
      });
      assert.deepEqual(none.ok ? none.transactions : null, []);
      assert.equal((await fetch(`${bank.url}/accounts/999/transactions`)).status, 404);
      assert.equal((await fetch(`${bank.url}/accounts/${ACCOUNT}/transactions?from=yesterday`)).status, 400);
    }));

  it('answers a tampered body 401 bad_signature, books nothing, and the bank retries to its cap', () =>
    using(async ({ hub, bank, bill }) => {
      const { reference, payload } = await bill(150_000n);
      bank.tamper_body = true;
      bank.payQr(payload);
      await bank.callbacks.idle();
      assert.deepEqual(
        bank.callbacks.log.map((a) => [a.attempt, a.status, a.acknowledged]),
        Array.from({ length: ATTEMPTS_MAX }, (_, i) => [i + 1, 401, false]),
      );
      assert.deepEqual(JSON.parse(bank.callbacks.log[0]?.body ?? ''), {
        ok: false,
        outcome: 'bad_signature',
      });
      assert.deepEqual(hub.outcomes(), []);
      assert.equal(hub.bills.get(reference)?.paid_by, null);
    }));

  it('answers notifications signed with another secret 401 bad_signature', () =>
    using(
      async ({ hub, bank, bill }) => {
        const { payload } = await bill(150_000n);
        bank.payQr(payload);
        await bank.callbacks.idle();
        assert.deepEqual(
          bank.callbacks.log.map((a) => a.status),
          Array.from({ length: ATTEMPTS_MAX }, () => 401),
        );
        assert.deepEqual(hub.outcomes(), []);
      },
      { bank_secret: 'not-the-hub-secret' },
    ));

  it('retries until the hub answers 2xx, and gives up after attempts_max', () =>
    using(async ({ hub, bank, bill }) => {
      const a = await bill(10_000n);
      hub.fail_next = 2;
      bank.payQr(a.payload);
      await bank.callbacks.idle();
      assert.deepEqual(
        bank.callbacks.log.map((x) => [x.attempt, x.status]),
        [
          [1, 503],
          [2, 503],
          [3, 200],
        ],
      );
      assert.deepEqual(hub.outcomes(), ['matched']);

      const b = await bill(20_000n);
      hub.fail_next = 100;
      const lost = bank.payQr(b.payload);
      await bank.callbacks.idle();
      const attempts = bank.callbacks.log.filter((x) => x.ref === lost.bank_ref);
      assert.equal(attempts.length, ATTEMPTS_MAX);
      assert.ok(attempts.every((x) => x.status === 503 && !x.acknowledged));
    }));

  it("writes the day's statement file (Vietnam day) that the client parses into the right rows", () =>
    using(async (w) => {
      const a = await w.bill(150_000n);
      const b = await w.bill(2_000_000n);
      w.now = new Date('2026-11-21T16:59:59Z'); // 23:59:59 on Nov 21 in Vietnam: not that day's file
      const before = w.bank.payQr(a.payload);
      w.now = new Date('2026-11-21T17:00:00Z'); // 00:00:00 on Nov 22 in Vietnam
      const first = w.bank.payQr(b.payload, { description_style: 'messy' });
      w.now = new Date('2026-11-22T16:59:59Z');
      const stray = w.bank.transfer({ amount: 5_000n, description: 'ung ho' });
      w.now = new Date('2026-11-22T17:00:00Z');
      w.bank.transfer({ amount: 7_000n, description: 'next day' });
      await w.bank.callbacks.idle();

      const file = w.bank.settlementFile('2026-11-22');
      const rows: SettlementRow[] = [];
      async function* stream() {
        yield file;
      }
      for await (const row of w.client.parseSettlementFile(stream())) rows.push(row);
      assert.deepEqual(
        rows.map((r) => [
          r.gateway_txn_id,
          r.merchant_ref,
          r.amount,
          r.fee,
          r.transacted_at.toISOString(),
          r.line,
        ]),
        [
          [first.bank_ref, b.reference, 2_000_000n, 0n, '2026-11-21T17:00:00.000Z', 2],
          [stray.bank_ref, '', 5_000n, 0n, '2026-11-22T16:59:59.000Z', 3],
        ],
      );
      assert.ok(!rows.some((r) => r.gateway_txn_id === before.bank_ref));
      assert.equal(w.bank.settlementFile(new Date('2026-11-21T16:59:59Z')).split('\n').length, 4);
    }));
});
