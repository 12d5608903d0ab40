// VietQR over real HTTP: the hub's in-process bank simulator pays the intent's QR payload and POSTs its
// signed transfer notification to the hub (HUB_PUBLIC_URL is the hub's own address); notifications are
// also signed here with the simulator's secret to probe the rest: forged, replayed, wrong amount,
// unknown reference (suspense and a review, once per bank_ref however often it is sent).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  bankNotificationBody,
  signBankNotification,
  type BankNotification,
} from '../../adapters/vietqr/vietqr.notification';
import type { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
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
  until,
} from './support/gateway-payments';

interface Review {
  reason: string;
  reference: string;
  gateway: string;
  gateway_txn_id: string;
  payment_intent_id: string | null;
  amount: number;
  expected_amount: number | null;
  transfer_id: string | null;
}

describe('bank-transfer notifications (VietQR)', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;
  let refs = 0;

  const bank = (): VietQrBankSimulator => hub.app.get(GatewaysService).simulators!.vietqr!;
  const bill = (amount: number): Promise<string> =>
    createBill(
      hub,
      agency,
      feeBody(`HP-2026-${++bills}`, amount, {
        payer: { name: 'Lê Văn Cường' },
        line: 'Học phí học kỳ I',
        legal_basis: 'Nghị định 81/2021/NĐ-CP',
      }),
    );
  const intent = async (bill_id: string): Promise<Intent> => {
    const created = await createIntent(hub, agency, bill_id, 'vietqr');
    assert.equal(created.next_action?.type, 'vietqr');
    return created;
  };
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const billStatus = async (id: string) =>
    (await call<{ status: string }>(hub, 'GET', `/v1/bills/${id}`, { token: agency.api_key })).body.status;
  /** POSTs a notification as the bank does; `secret` other than the bank's forges it. */
  const notify = async (
    notification: BankNotification,
    options: { secret?: string; body?: (signed: string) => string; signature?: string | null } = {},
  ): Promise<{ status: number; body: { ok: boolean; outcome: string } }> => {
    const signed = bankNotificationBody(notification);
    const signature =
      options.signature === undefined
        ? signBankNotification(signed, options.secret ?? bank().clientConfig().notify_secret!)
        : options.signature;
    const response = await fetch(`${hub.url}/v1/gateways/bank-transfer/notify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'x-signature': signature }),
      },
      body: options.body ? options.body(signed) : signed,
    });
    return { status: response.status, body: (await response.json()) as { ok: boolean; outcome: string } };
  };
  const transfer = (amount: bigint, description: string): BankNotification => ({
    account_no: bank().clientConfig().account,
    amount,
    description,
    bank_ref: `FTTEST${String(++refs).padStart(8, '0')}`,
    transferred_at: new Date(Math.floor(Date.now() / 1000) * 1000),
  });
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const events = (type: string, intent_id: string) => countEvents(db, type, intent_id);
  const balance = (id: string) => balanceOf(db, id);
  const reviews = async (): Promise<Review[]> => {
    const listed = await call<{ data: Review[] }>(hub, 'GET', '/v1/payment_reviews');
    assert.equal(listed.status, 200, listed.text);
    return listed.body.data;
  };
  const ledgerOk = () => assertLedgerOk(hub);
  /** Pays the intent's QR at the simulated bank and waits until the hub acknowledged its notice. */
  const payAtBank = async (created: Intent, options: Parameters<VietQrBankSimulator['payQr']>[1] = {}) => {
    const sent = bank().payQr(created.next_action!.payload!, options);
    await until(
      async () => bank().callbacks.log.some((entry) => entry.ref === sent.bank_ref),
      'the bank notification',
    );
    return sent;
  };
  const answerTo = (bank_ref: string) => bank().callbacks.log.find((entry) => entry.ref === bank_ref);

  before(async () => {
    db = await createTestDatabase();
    // The simulated bank notifies HUB_PUBLIC_URL: the hub itself.
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Trường THPT Chu Văn An', kind: 'agency' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('pays the intent when the bank notifies an exact transfer: intent, bill, ledger, receipt, events', async () => {
    const bill_id = await bill(2_500_000);
    const created = await intent(bill_id);
    const payable = await balance(`payable:${agency.id}`);
    const sent = await payAtBank(created);
    assert.equal(sent.description, created.reference);
    assert.deepEqual(
      { status: answerTo(sent.bank_ref)?.status, acknowledged: answerTo(sent.bank_ref)?.acknowledged },
      { status: 200, acknowledged: true },
    );
    const paid = await read(created.id);
    assert.equal(paid.status, 'succeeded');
    assert.ok(paid.receipt);
    assert.equal(await billStatus(bill_id), 'paid');
    const receipt = await call<{ amount: string; gateway_transaction_id: string; payment_method: string }>(
      hub,
      'GET',
      `/v1/receipts/${paid.receipt}`,
      { token: agency.api_key },
    );
    assert.equal(receipt.status, 200, receipt.text);
    assert.deepEqual(
      {
        amount: receipt.body.amount,
        txn: receipt.body.gateway_transaction_id,
        method: receipt.body.payment_method,
      },
      { amount: '2500000', txn: sent.bank_ref, method: 'vietqr' },
    );
    assert.equal((await balance(`payable:${agency.id}`)).credits - payable.credits, 2_500_000n);
    assert.equal(await count(`ledger_transfers WHERE id = 'pay:' || $1`, [created.id]), 1);
    assert.equal(await events('payment_intent.succeeded', created.id), 1);
    assert.equal(await events('receipt.issued', created.id), 1);
    await ledgerOk();
  });

  it('finds the reference in descriptions the payer’s bank rewrote (case, punctuation, its own text)', async () => {
    // The simulator's three rewrites take turns: pay three intents so that each one is met.
    const seen = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const created = await intent(await bill(310_000 + i));
      const sent = await payAtBank(created, { description_style: 'messy' });
      assert.notEqual(sent.description, created.reference);
      assert.equal(sent.description.includes(created.reference), false, sent.description);
      seen.add(sent.description.replace(/[^A-Za-z]+/g, '').slice(0, 4));
      assert.equal(answerTo(sent.bank_ref)?.status, 200);
      const paid = await read(created.id);
      assert.equal(paid.status, 'succeeded', sent.description);
      assert.ok(paid.receipt);
      assert.equal(await billStatus(paid.bill), 'paid');
      assert.equal(await count(`ledger_transfers WHERE id = 'pay:' || $1`, [created.id]), 1);
      assert.equal(await events('payment_intent.succeeded', created.id), 1);
      assert.equal(await events('receipt.issued', created.id), 1);
    }
    assert.equal(seen.size, 3);
    // Noise that looks like a reference beside the real one: only a reference the hub knows counts.
    const noisy = await intent(await bill(320_000));
    const answer = await notify(transfer(320_000n, `PZ0000000000ZZ ${noisy.reference.toLowerCase()} PZ`));
    assert.deepEqual(answer.body, { ok: true, outcome: 'recorded' });
    assert.equal((await read(noisy.id)).status, 'succeeded');
    await ledgerOk();
  });

  it('refuses a forged or tampered notification with a 4xx and changes nothing', async () => {
    const bill_id = await bill(420_000);
    const created = await intent(bill_id);
    const genuine = transfer(420_000n, created.reference);
    const suspense = await balance('suspense:vietqr');
    const forged = await notify(genuine, { secret: 'not-the-bank-secret-0123456789abcdef' });
    assert.deepEqual(forged, { status: 401, body: { ok: false, outcome: 'bad_signature' } });
    const tampered = await notify(
      { ...genuine, amount: 1_000n },
      {
        signature: signBankNotification(bankNotificationBody(genuine), bank().clientConfig().notify_secret!),
      },
    );
    assert.equal(tampered.status, 401);
    const unsigned = await notify(genuine, { signature: null });
    assert.equal(unsigned.status, 401);
    // Extra bytes after the signed body: the signature covers the exact bytes.
    const padded = await notify(genuine, { body: (signed) => `${signed} ` });
    assert.equal(padded.status, 401);
    const elsewhere = await notify({ ...genuine, account_no: '999888777' });
    assert.deepEqual(elsewhere, { status: 403, body: { ok: false, outcome: 'wrong_merchant' } });

    assert.equal((await read(created.id)).status, 'requires_action');
    assert.equal(await billStatus(bill_id), 'open');
    assert.equal(await count('payment_reviews WHERE gateway_txn_id = $1', [genuine.bank_ref]), 0);
    assert.equal(
      await count(`ledger_transfers WHERE metadata::text LIKE '%' || $1 || '%'`, [genuine.bank_ref]),
      0,
    );
    assert.deepEqual(await balance('suspense:vietqr'), suspense);
    // The genuine notification still pays it afterwards.
    assert.deepEqual((await notify(genuine)).body, { ok: true, outcome: 'recorded' });
    assert.equal((await read(created.id)).status, 'succeeded');
  });

  it('posts once when the bank sends the same notification again, also concurrently', async () => {
    const created = await intent(await bill(660_000));
    const sent = await payAtBank(created);
    assert.equal((await read(created.id)).status, 'succeeded');
    const answers = await Promise.all(Array.from({ length: 10 }, () => notify(sent)));
    for (const answer of answers) {
      assert.deepEqual(answer, { status: 200, body: { ok: true, outcome: 'already_confirmed' } });
    }
    assert.equal(await count(`ledger_transfers WHERE id = 'pay:' || $1`, [created.id]), 1);
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 1);
    assert.equal(await events('payment_intent.succeeded', created.id), 1);
    assert.equal(await events('receipt.issued', created.id), 1);
    assert.equal(await count('payment_reviews WHERE gateway_txn_id = $1', [sent.bank_ref]), 0);
    await ledgerOk();
  });

  it('holds a transfer of another amount in suspense for review and leaves the bill unpaid', async () => {
    const bill_id = await bill(900_000);
    const created = await intent(bill_id);
    const suspense = await balance('suspense:vietqr');
    const sent = await payAtBank(created, { amount: 90_000n });
    // Booked (to suspense): the bank must not resend it.
    assert.equal(answerTo(sent.bank_ref)?.status, 200);
    assert.equal((await read(created.id)).status, 'requires_action');
    assert.equal(await billStatus(bill_id), 'open');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 0);
    assert.equal(await events('payment_intent.succeeded', created.id), 0);
    assert.equal((await balance('suspense:vietqr')).credits - suspense.credits, 90_000n);
    const review = (await reviews()).filter((row) => row.gateway_txn_id === sent.bank_ref);
    assert.deepEqual(
      review.map((row) => ({
        reason: row.reason,
        intent: row.payment_intent_id,
        amount: row.amount,
        expected: row.expected_amount,
        transfer: row.transfer_id,
      })),
      [
        {
          reason: 'amount_mismatch',
          intent: created.id,
          amount: 90_000,
          expected: 900_000,
          transfer: `suspense:${created.id}:${sent.bank_ref}`,
        },
      ],
    );
    assert.deepEqual((await notify(sent)).body, { ok: true, outcome: 'already_confirmed' });
    assert.equal((await balance('suspense:vietqr')).credits - suspense.credits, 90_000n);
    assert.equal(await count('payment_reviews WHERE gateway_txn_id = $1', [sent.bank_ref]), 1);
    // The right amount afterwards still pays the bill.
    const right = await payAtBank(created);
    assert.equal(answerTo(right.bank_ref)?.status, 200);
    assert.equal((await read(created.id)).status, 'succeeded');
    await ledgerOk();
  });

  it('holds a second transfer for a bill already paid in suspense, without a receipt, for review', async () => {
    const bill_id = await bill(540_000);
    const first = await intent(bill_id);
    const second = await intent(bill_id);
    await payAtBank(first);
    assert.equal((await read(first.id)).status, 'succeeded');
    const suspense = await balance('suspense:vietqr');
    const twice = await payAtBank(second);
    assert.equal(answerTo(twice.bank_ref)?.status, 200);
    assert.deepEqual((await notify(twice)).body, { ok: true, outcome: 'already_confirmed' });
    assert.equal((await balance('suspense:vietqr')).credits - suspense.credits, 540_000n);
    assert.equal((await read(first.id)).status, 'succeeded');
    assert.equal((await read(second.id)).status, 'processing');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [second.id]), 0);
    const held = (await reviews()).filter((row) => row.gateway_txn_id === twice.bank_ref);
    assert.deepEqual(
      held.map((row) => [row.reason, row.payment_intent_id, row.transfer_id]),
      [['duplicate_payment', second.id, `suspense:${second.id}:${twice.bank_ref}`]],
    );
    await ledgerOk();
  });

  it('books a transfer without a known reference to suspense with one review, however often it is sent', async () => {
    const suspense = await balance('suspense:vietqr');
    const cases = [
      transfer(150_000n, 'NGUYEN VAN A chuyen tien hoc phi'),
      // Well-formed, but no intent has it.
      transfer(75_000n, 'MBVCB.1.PZ0000000000ZZ.CT tu 0123456789'),
      // Two references: ambiguous, so a person decides.
      transfer(50_000n, 'PZ0000000000ZZ PZ1111111111ZZ'),
    ];
    for (const notification of cases) {
      const answers = await Promise.all([notify(notification), notify(notification), notify(notification)]);
      assert.deepEqual(answers.map((answer) => `${answer.status} ${answer.body.outcome}`).sort(), [
        '200 already_confirmed',
        '200 already_confirmed',
        '200 recorded',
      ]);
      assert.deepEqual((await notify(notification)).body, { ok: true, outcome: 'already_confirmed' });
      assert.equal(await count('payment_reviews WHERE gateway_txn_id = $1', [notification.bank_ref]), 1);
      assert.equal(
        await count('ledger_transfers WHERE id = $1', [`suspense:vietqr:${notification.bank_ref}`]),
        1,
      );
    }
    // One sent by the simulated bank itself (its notifier, its retries) lands the same way.
    const sent = bank().transfer({ amount: 20_000n, description: 'ung ho quy khuyen hoc' });
    await until(async () => answerTo(sent.bank_ref) !== undefined, 'the bank notification');
    assert.equal(answerTo(sent.bank_ref)?.status, 200);

    const held = (await reviews()).filter((row) =>
      [...cases.map((c) => c.bank_ref), sent.bank_ref].includes(row.gateway_txn_id),
    );
    assert.deepEqual(
      held.map((row) => [row.reason, row.reference, row.amount, row.payment_intent_id]),
      [
        ['unknown_reference', '', 150_000, null],
        ['unknown_reference', 'PZ0000000000ZZ', 75_000, null],
        ['unknown_reference', '', 50_000, null],
        ['unknown_reference', '', 20_000, null],
      ],
    );
    assert.equal((await balance('suspense:vietqr')).credits - suspense.credits, 295_000n);
    await ledgerOk();
  });
});
