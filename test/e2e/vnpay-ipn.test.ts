// VNPay's IPN over real HTTP: the hub's in-process VNPay simulator calls back the hub (HUB_PUBLIC_URL
// is the hub's own address), and signed IPNs are also built here with the simulator's key to probe
// every answer: paid (00), bad signature (97), unknown order (01), wrong amount (04), duplicate (02),
// twenty concurrent copies, and a bill paid twice (suspense, review, no receipt).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toWireAmount } from '../../adapters/vnpay/vnpay.client';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import {
  assertLedgerOk,
  balance as balanceOf,
  bootCallbackHub,
  countEvents,
  countRows,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  sendVnpayIpn,
  signedVnpayIpn,
  until,
} from './support/gateway-payments';

describe('VNPay IPN', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;
  let txn = 90_000_000;

  const sim = () => hub.app.get(GatewaysService).simulators!.vnpay!;
  const bill = (amount = 150_000): Promise<string> =>
    createBill(hub, agency, feeBody(`HT-2026-${++bills}`, amount, { payer: { name: 'Trần Thị Bình' } }));
  // Opening the pay page is what makes the simulator know the order.
  const intent = (bill_id: string): Promise<Intent> =>
    createIntent(hub, agency, bill_id, 'vnpay', { open_page: true });
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  /** A signed IPN as VNPay sends it, with the simulator's own key. */
  const signedIpn = (fields: { ref: string; amount: bigint; txn?: string; code?: string }): string =>
    signedVnpayIpn(sim(), { ...fields, txn: fields.txn ?? String(++txn) });
  const ipn = (query: string) => sendVnpayIpn(hub, query);
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const events = (type: string, intent_id: string) => countEvents(db, type, intent_id);
  const ledgerOk = () => assertLedgerOk(hub);
  const balance = (id: string) => balanceOf(db, id);

  before(async () => {
    db = await createTestDatabase();
    // The simulator's IPN goes to HUB_PUBLIC_URL: the hub itself.
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('pays the bill when the simulator approves: intent, bill, ledger, receipt and events', async () => {
    const bill_id = await bill(150_000);
    const created = await intent(bill_id);
    sim().approve(created.reference);
    await until(async () => (await read(created.id)).status === 'succeeded', 'the IPN');
    const paid = await read(created.id);
    assert.ok(paid.receipt);
    const billRead = await call<{ status: string }>(hub, 'GET', `/v1/bills/${bill_id}`, {
      token: agency.api_key,
    });
    assert.equal(billRead.body.status, 'paid');
    const receipt = await call<{ jws: string; amount: string }>(hub, 'GET', `/v1/receipts/${paid.receipt}`, {
      token: agency.api_key,
    });
    assert.equal(receipt.status, 200, receipt.text);
    assert.equal(receipt.body.amount, '150000');
    const verified = await call<{ valid: boolean }>(hub, 'POST', '/v1/receipts/verify', {
      token: null,
      body: { jws: receipt.body.jws },
    });
    assert.equal(verified.body.valid, true, verified.text);
    assert.deepEqual(await balance(`payable:${agency.id}`), { debits: 0n, credits: 150_000n });
    assert.equal((await balance('clearing:vnpay')).debits >= 150_000n, true);
    // The simulator's 1.1 % (GATEWAY_FEES unset), borne by the hub (FEE_BEARER=hub), in the same group.
    const fee = await db.pool.query<{ debit: string; credit: string; amount: string }>(
      'SELECT debit_account_id AS debit, credit_account_id AS credit, amount::text FROM ledger_transfers WHERE id = $1',
      [`pay:${created.id}:fee`],
    );
    assert.deepEqual(fee.rows, [{ debit: 'fees:vnpay', credit: 'clearing:vnpay', amount: '1650' }]);
    assert.equal(await events('payment_intent.succeeded', created.id), 1);
    assert.equal(await events('receipt.issued', created.id), 1);
    await ledgerOk();

    // The same IPN again (VNPay retries until it reads 00 or 02): already confirmed, nothing twice.
    const again = signedIpn({
      ref: created.reference,
      amount: 150_000n,
      txn: (
        await db.pool.query<{ t: string }>('SELECT gateway_txn_id AS t FROM payment_intents WHERE id = $1', [
          created.id,
        ])
      ).rows[0]!.t,
    });
    assert.equal((await ipn(again)).RspCode, '02');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 1);
    assert.equal(await count(`ledger_transfers WHERE id LIKE 'pay:' || $1 || '%'`, [created.id]), 2); // the payment and its fee
  });

  it('answers 97 to a tampered IPN and changes nothing', async () => {
    const created = await intent(await bill(120_000));
    const signed = signedIpn({ ref: created.reference, amount: 120_000n });
    const tampered = signed.replace(
      `vnp_Amount=${toWireAmount(120_000n)}`,
      `vnp_Amount=${toWireAmount(1_000n)}`,
    );
    assert.notEqual(tampered, signed);
    assert.equal((await ipn(tampered)).RspCode, '97');
    assert.equal((await ipn(signed.replace(/vnp_SecureHash=[0-9a-f]+$/i, ''))).RspCode, '99');
    assert.equal((await read(created.id)).status, 'requires_action');
    assert.equal(await count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });

  it('answers 01 to an unknown order and 04 to a wrong amount (kept for review, nothing paid)', async () => {
    assert.equal((await ipn(signedIpn({ ref: 'PZ0000000000ZZ', amount: 50_000n }))).RspCode, '01');
    const created = await intent(await bill(200_000));
    assert.equal((await ipn(signedIpn({ ref: created.reference, amount: 20_000n }))).RspCode, '04');
    assert.equal((await read(created.id)).status, 'requires_action');
    const reviews = await call<{ data: Array<{ reason: string; reference: string; amount: number }> }>(
      hub,
      'GET',
      '/v1/payment_reviews',
    );
    assert.equal(reviews.status, 200, reviews.text);
    const review = reviews.body.data.find((row) => row.reference === created.reference);
    assert.deepEqual(
      { reason: review?.reason, amount: review?.amount },
      { reason: 'amount_mismatch', amount: 20_000 },
    );
    await ledgerOk();
  });

  it('marks the intent failed on a declined payment', async () => {
    const created = await intent(await bill(80_000));
    sim().decline(created.reference);
    await until(async () => (await read(created.id)).status === 'failed', 'the failed IPN');
    assert.equal(await events('payment_intent.failed', created.id), 1);
  });

  it('posts once for twenty concurrent identical IPNs', async () => {
    const created = await intent(await bill(175_000));
    const query = signedIpn({ ref: created.reference, amount: 175_000n });
    const before = await balance(`payable:${agency.id}`);
    const answers = await Promise.all(Array.from({ length: 20 }, () => ipn(query)));
    const codes = answers.map((answer) => answer.RspCode).sort();
    assert.deepEqual(codes, ['00', ...Array<string>(19).fill('02')]);
    assert.equal((await read(created.id)).status, 'succeeded');
    assert.equal(await count(`ledger_transfers WHERE id LIKE 'pay:' || $1 || '%'`, [created.id]), 2);
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 1);
    assert.equal(await events('payment_intent.succeeded', created.id), 1);
    assert.equal(await events('receipt.issued', created.id), 1);
    const after_ = await balance(`payable:${agency.id}`);
    assert.equal(after_.credits - before.credits, 175_000n);
    await ledgerOk();
  });

  it('books a second payment of a paid bill to suspense, without a receipt, for review', async () => {
    const bill_id = await bill(90_000);
    const first = await intent(bill_id);
    const second = await intent(bill_id);
    assert.equal((await ipn(signedIpn({ ref: first.reference, amount: 90_000n }))).RspCode, '00');
    const suspense = await balance('suspense:vnpay');
    const twice = signedIpn({ ref: second.reference, amount: 90_000n });
    assert.equal((await ipn(twice)).RspCode, '00');
    assert.equal((await ipn(twice)).RspCode, '02');
    assert.equal((await balance('suspense:vnpay')).credits - suspense.credits, 90_000n);
    assert.equal((await read(first.id)).status, 'succeeded');
    assert.equal((await read(second.id)).status, 'processing');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [second.id]), 0);
    assert.equal(
      await count(`payment_reviews WHERE reference = $1 AND reason = 'duplicate_payment'`, [
        second.reference,
      ]),
      1,
    );
    await ledgerOk();
  });

  it('deducts the fee from what the agency is owed with FEE_BEARER=biller, at the GATEWAY_FEES rate', async () => {
    // A second hub on the same database, configured otherwise; the simulators' keys are shared.
    const billerBears = await bootCallbackHub(db, {
      FEE_BEARER: 'biller',
      GATEWAY_FEES: '{"vnpay":{"gateway_choice":{"percent":"1","min":"2500"}}}',
    });
    try {
      const other = await createBiller(billerBears, { name: 'Sở Xây dựng', kind: 'agency' });
      const bill_id = await createBill(
        billerBears,
        other,
        feeBody('XD-2026-1', 100_000, {
          payer: { name: 'Lê Văn Cường' },
          procedure_code: '1.009876.000.00.00.H12',
          line: 'Phí thẩm định',
          legal_basis: 'Thông tư 38/2022/TT-BTC',
        }),
      );
      const paying = await createIntent(billerBears, other, bill_id, 'vnpay');
      const answer = await sendVnpayIpn(billerBears, signedIpn({ ref: paying.reference, amount: 100_000n }));
      assert.equal(answer.RspCode, '00');
      // 1 % of 100,000 is 1,000, below the rule's minimum: 2,500, taken from the agency's payable.
      assert.deepEqual(await balance(`payable:${other.id}`), { debits: 2_500n, credits: 100_000n });
      const fee = await db.pool.query<{ debit: string; credit: string; amount: string }>(
        'SELECT debit_account_id AS debit, credit_account_id AS credit, amount::text FROM ledger_transfers WHERE id = $1',
        [`pay:${paying.id}:fee`],
      );
      assert.deepEqual(fee.rows, [
        { debit: `payable:${other.id}`, credit: 'clearing:vnpay', amount: '2500' },
      ]);
      await ledgerOk();
    } finally {
      await billerBears.close();
    }
  });
});
