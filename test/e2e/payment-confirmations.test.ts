// Confirmations applied in batches (src/payments/payment-confirmations.ts) over real HTTP: signed VNPay
// IPNs, built with the in-process simulator's key, sent many at once. 120 intents of 3 billers: every
// one paid once, each biller's receipts numbered 1..n, one posting and one event of each type per
// intent, webhooks delivered; a burst mixing duplicates, second payments and a wrong amount answers
// each item on its own; and an item whose ledger posting is refused fails alone.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PgLedger } from '../../ledger';
import { LEDGER } from '../../src/database/database.module';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { PaymentConfirmations } from '../../src/payments/payment-confirmations';
import { paymentAccounts } from '../../src/payments/payment-postings';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import {
  assertLedgerOk,
  countRows,
  EVENTS_NAMING_INTENT,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  sendVnpayIpn,
  signedVnpayIpn,
  until,
} from './support/gateway-payments';
import { bootHub } from './support/hub';

/** Answers 200 to every webhook and counts them by event id. */
class Receiver {
  readonly ids = new Set<string>();
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.ids.add((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
      response.writeHead(200).end('ok');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

describe('batched payment confirmations', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const receiver = new Receiver();
  let bills = 0;
  let txn = 70_000_000;

  const sim = () => hub.app.get(GatewaysService).simulators!.vnpay!;
  const bill = (biller: CreatedBiller, amount: number): Promise<string> =>
    createBill(
      hub,
      biller,
      feeBody(`BC-2026-${++bills}`, amount, {
        payer: { name: 'Phạm Thị Dung', id_number: '079123456780' },
      }),
    );
  const intent = (biller: CreatedBiller, bill_id: string): Promise<Intent> =>
    createIntent(hub, biller, bill_id, 'vnpay');
  const billAndIntent = async (biller: CreatedBiller, amount: number): Promise<Intent> =>
    intent(biller, await bill(biller, amount));
  /** A signed IPN as VNPay sends it, with the simulator's own key. */
  const signedIpn = (fields: { ref: string; amount: bigint; txn?: string }): string =>
    signedVnpayIpn(sim(), { ...fields, txn: fields.txn ?? String(++txn) });
  const ipn = async (query: string): Promise<string> => (await sendVnpayIpn(hub, query)).RspCode;
  const rows = async <R>(sql: string, values: unknown[] = []): Promise<R[]> =>
    (await db.pool.query(sql, values)).rows as R[];
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const status = async (id: string): Promise<string> =>
    (await rows<{ status: string }>('SELECT status FROM payment_intents WHERE id = $1', [id]))[0]!.status;
  const receiptNumbers = async (biller_id: string): Promise<number[]> =>
    (
      await rows<{ n: string }>(
        'SELECT number::text AS n FROM receipts WHERE biller_id = $1 ORDER BY receipts.number',
        [biller_id],
      )
    ).map((row) => Number(row.n));
  const ledgerOk = () => assertLedgerOk(hub);
  /** Until one batch waits for a lock (an account another connection holds). */
  const untilABatchWaitsForALock = () =>
    until(
      async () =>
        (await count(`pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) ===
        1,
      'a batch to wait for the held account',
    );
  const eventually = (what: string, check: () => Promise<boolean>) => until(check, what, 30_000);

  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db, { JOBS_POLLING_INTERVAL_MS: '500' });
  });
  after(async () => {
    await hub?.close();
    await receiver.close();
    await db?.drop();
  });

  it('applies 120 concurrent confirmations of 3 billers: each once, receipts gapless, events and webhooks', async () => {
    const base = await receiver.listen();
    const billers = [
      await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency', webhook_url: `${base}/tuphap` }),
      await createBiller(hub, { name: 'Sở Xây dựng', kind: 'agency' }),
      await createBiller(hub, { name: 'Sở Giao thông Vận tải', kind: 'agency' }),
    ];
    const intents = (
      await Promise.all(
        billers.map(async (biller, b) => {
          const own: Array<Intent & { biller: string }> = [];
          for (let i = 0; i < 40; i++)
            own.push({ ...(await billAndIntent(biller, 10_000 * (b + 1) + i)), biller: biller.id });
          return own;
        }),
      )
    ).flat();
    const ids = intents.map((paying) => paying.id);
    const stats = hub.app.get(PaymentConfirmations).stats;
    const applied = stats.applied;

    const answers = await Promise.all(
      intents.map((paying) => ipn(signedIpn({ ref: paying.reference, amount: BigInt(paying.amount) }))),
    );
    assert.deepEqual(answers, Array<string>(120).fill('00'));
    // They went through the batches, and at least one batch carried more than one of them.
    assert.equal(stats.applied - applied, 120);
    assert.ok(stats.largest > 1, `largest batch ${stats.largest}`);

    assert.equal(
      await count(`payment_intents WHERE id = ANY($1) AND status = 'succeeded' AND receipt_id IS NOT NULL`, [
        ids,
      ]),
      120,
    );
    assert.equal(
      await count(`bills WHERE id = ANY($1) AND status = 'paid'`, [intents.map((paying) => paying.bill)]),
      120,
    );
    for (const biller of billers) {
      assert.deepEqual(
        await receiptNumbers(biller.id),
        Array.from({ length: 40 }, (_, index) => index + 1),
      );
    }
    // Each intent's receipt is its own, for its amount, and verifies.
    const receipts = await rows<{ intent: string; receipt: string; amount: string; jws: string }>(
      `SELECT p.id AS intent, r.id AS receipt, r.amount::text AS amount, r.jws
         FROM payment_intents p JOIN receipts r ON r.id = p.receipt_id AND r.payment_intent_id = p.id
        WHERE p.id = ANY($1)`,
      [ids],
    );
    assert.equal(receipts.length, 120);
    const amounts = new Map(intents.map((paying) => [paying.id, String(paying.amount)]));
    for (const receipt of receipts) assert.equal(receipt.amount, amounts.get(receipt.intent));
    for (const receipt of receipts.slice(0, 3)) {
      const verified = await call<{ valid: boolean }>(hub, 'POST', '/v1/receipts/verify', {
        token: null,
        body: { jws: receipt.jws },
      });
      assert.equal(verified.body.valid, true, verified.text);
    }
    // One payment transfer per intent (and its fee), nothing else.
    assert.equal(
      await count(`ledger_transfers WHERE id = ANY(SELECT 'pay:' || unnest($1::text[]))`, [ids]),
      120,
    );
    assert.equal(
      await count(`ledger_transfers WHERE id = ANY(SELECT 'pay:' || unnest($1::text[]) || ':fee')`, [ids]),
      120,
    );
    for (const biller of billers) {
      const payable = await rows<{ credits: string }>(
        'SELECT credits_posted::text AS credits FROM ledger_accounts WHERE id = $1',
        [`payable:${biller.id}`],
      );
      const owed = intents
        .filter((paying) => paying.biller === biller.id)
        .reduce((sum, p) => sum + p.amount, 0);
      assert.deepEqual(payable, [{ credits: String(owed) }]);
    }
    // One event of each type per intent, with the intent as the API shows it and the receipt.
    const succeeded = await rows<{ id: string; n: number; status: string; receipt: string }>(
      `SELECT data->>'id' AS id, count(*)::int AS n, min(data->>'status') AS status,
              min(data->>'receipt') AS receipt
         FROM events WHERE type = 'payment_intent.succeeded' AND data->>'id' = ANY($1) GROUP BY 1`,
      [ids],
    );
    assert.equal(succeeded.length, 120);
    const receiptOf = new Map(receipts.map((receipt) => [receipt.intent, receipt.receipt]));
    for (const event of succeeded) {
      assert.deepEqual(
        { n: event.n, status: event.status, receipt: event.receipt },
        { n: 1, status: 'succeeded', receipt: receiptOf.get(event.id) },
      );
    }
    const issued = await rows<{ id: string; n: number }>(
      `SELECT r.payment_intent_id AS id, count(*)::int AS n
         FROM events e JOIN receipts r ON r.id = e.receipt_id
        WHERE e.type = 'receipt.issued' AND r.payment_intent_id = ANY($1) GROUP BY 1`,
      [ids],
    );
    assert.equal(issued.length, 120);
    assert.ok(issued.every((event) => event.n === 1));
    // The biller with a webhook_url gets all 80 of its events delivered; the others store no_endpoint.
    const pending = await rows<{ id: string }>(
      `SELECT id FROM events WHERE biller_id = $1 AND delivery_job_id IS NOT NULL`,
      [billers[0]!.id],
    );
    assert.equal(pending.length, 80);
    assert.equal(
      await count(`events WHERE biller_id = ANY($1) AND delivery_status = 'no_endpoint'`, [
        [billers[1]!.id, billers[2]!.id],
      ]),
      160,
    );
    await eventually(
      'the webhooks',
      async () =>
        (await count(`events WHERE biller_id = $1 AND delivery_status = 'delivered'`, [billers[0]!.id])) ===
        80,
    );
    assert.ok(pending.every((event) => receiver.ids.has(event.id)));
    await ledgerOk();
  });

  it('forms the next batch while one is in flight, and never holds a confirmation when none is', async () => {
    const confirmations = hub.app.get(PaymentConfirmations);
    const agency = await createBiller(hub, { name: 'Sở Tài nguyên và Môi trường', kind: 'agency' });
    const paying = await Promise.all(Array.from({ length: 6 }, (_, i) => billAndIntent(agency, 30_000 + i)));
    const pay = (intent: Intent) => ipn(signedIpn({ ref: intent.reference, amount: BigInt(intent.amount) }));
    const defaults = { ...confirmations.forming };
    // A wait far longer than this test may take: only the other rules can start a batch here.
    Object.assign(confirmations.forming, { min: 4, wait_ms: 600_000 });
    const holder = await db.pool.connect();
    try {
      // Nothing in flight: a lone confirmation is applied at once.
      assert.equal(await pay(paying[0]!), '00');
      // A batch held at the ledger's clearing account (as behind a long batch of another process).
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ledger_accounts WHERE id = 'clearing:vnpay' FOR UPDATE`);
      const batches = confirmations.stats.batches;
      const held = pay(paying[1]!);
      await untilABatchWaitsForALock();
      // Three more, one after another: they wait for a fourth while that batch is in flight...
      const rest: Array<Promise<string>> = [];
      for (const intent of paying.slice(2, 5)) {
        rest.push(pay(intent));
        await until(async () => confirmations.waiting === rest.length, `${rest.length} waiting`);
      }
      // ...which starts them together, behind the held one.
      rest.push(pay(paying[5]!));
      await until(async () => confirmations.waiting === 0, 'the second batch to start');
      await holder.query('COMMIT');
      assert.deepEqual(await Promise.all([held, ...rest]), Array<string>(5).fill('00'));
      assert.equal(confirmations.stats.batches - batches, 2, 'one batch of one, one of four');
      for (const intent of paying) assert.equal(await status(intent.id), 'succeeded');
      await ledgerOk();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
      Object.assign(confirmations.forming, defaults);
    }
  });

  it('writes a batch of receipts and events exactly as typed: quotes, backslashes and Vietnamese', async () => {
    const confirmations = hub.app.get(PaymentConfirmations);
    const agency = await createBiller(hub, { name: `Sở "Tư pháp" O'Neil \\ Huế`, kind: 'agency' });
    const typed = [
      { payer: `Lê Thị 'Hồng' O''Neil`, line: `Phí "cấp" bản sao \\n không xuống dòng` },
      { payer: `Trần \\ Văn \\\\ Bình`, line: `Lệ phí; DROP TABLE receipts; --` },
      { payer: `Đỗ $1 Thị $$ Hà`, line: `E'\\x41' và \\u0041` },
    ];
    const paying = await Promise.all(
      typed.map(async ({ payer, line }, i) =>
        intent(
          agency,
          await createBill(
            hub,
            agency,
            feeBody(`BC-TYPED-${i}`, 41_000 + i, { payer: { name: payer }, line }),
          ),
        ),
      ),
    );
    const first = await billAndIntent(agency, 40_000);
    const pay = (intent: Intent) => ipn(signedIpn({ ref: intent.reference, amount: BigInt(intent.amount) }));
    const defaults = { ...confirmations.forming };
    Object.assign(confirmations.forming, { min: typed.length, wait_ms: 600_000 });
    const holder = await db.pool.connect();
    try {
      // The three travel in one batch (one statement of receipts, one of events) behind a held one.
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ledger_accounts WHERE id = 'clearing:vnpay' FOR UPDATE`);
      const batches = confirmations.stats.batches;
      const held = pay(first);
      await untilABatchWaitsForALock();
      const answers: Array<Promise<string>> = [];
      for (const intent of paying) {
        answers.push(pay(intent));
        if (answers.length < paying.length)
          await until(async () => confirmations.waiting === answers.length, `${answers.length} waiting`);
      }
      await until(async () => confirmations.waiting === 0, 'the three to start together');
      await holder.query('COMMIT');
      assert.deepEqual(await Promise.all([held, ...answers]), Array<string>(4).fill('00'));
      assert.equal(confirmations.stats.batches - batches, 2, 'one batch of one, one of three');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
      Object.assign(confirmations.forming, defaults);
    }
    for (const [index, { payer, line }] of typed.entries()) {
      const read = await call<{ receipt: string }>(hub, 'GET', `/v1/payment_intents/${paying[index]!.id}`, {
        token: agency.api_key,
      });
      const receipt = await call<{
        payer: { name: string };
        lines: Array<{ fee_name: string }>;
        jws: string;
      }>(hub, 'GET', `/v1/receipts/${read.body.receipt}`, { token: agency.api_key });
      assert.equal(receipt.body.payer.name, payer);
      assert.deepEqual(
        receipt.body.lines.map((l) => l.fee_name),
        [line],
      );
      const verified = await call<{ valid: boolean }>(hub, 'POST', '/v1/receipts/verify', {
        token: null,
        body: { jws: receipt.body.jws },
      });
      assert.equal(verified.body.valid, true, verified.text);
      const signed = JSON.parse(
        Buffer.from(receipt.body.jws.split('.')[1]!, 'base64url').toString('utf8'),
      ) as {
        payer: { name: string };
      };
      assert.equal(signed.payer.name, payer);
      // The receipt.issued event shows the receipt as stored.
      const events = await call<{
        data: Array<{ type: string; data: { id: string; payer: { name: string } } }>;
      }>(hub, 'GET', '/v1/events?type=receipt.issued&limit=100', { token: agency.api_key });
      const issued = events.body.data.find((event) => event.data.id === read.body.receipt);
      assert.equal(issued?.data.payer.name, payer);
    }
    // The payment_intent.succeeded events' stored JSON parses back to the intents.
    const stored = await rows<{ id: string }>(
      `SELECT data->>'id' AS id FROM events WHERE type = 'payment_intent.succeeded' AND biller_id = $1`,
      [agency.id],
    );
    assert.deepEqual(stored.map((row) => row.id).sort(), [first, ...paying].map((p) => p.id).sort());
    await ledgerOk();
  });

  it('answers each item of a mixed burst on its own: duplicates, second payments, a wrong amount', async () => {
    const agency = await createBiller(hub, { name: 'Sở Tài nguyên và Môi trường', kind: 'agency' });
    // A bill paid before the burst, and a second attempt at it.
    const paidBill = await bill(agency, 60_000);
    const first = await intent(agency, paidBill);
    const second = await intent(agency, paidBill);
    assert.equal(await ipn(signedIpn({ ref: first.reference, amount: 60_000n })), '00');
    // A bill with two attempts paid in the same burst.
    const twiceBill = await bill(agency, 70_000);
    const twiceA = await intent(agency, twiceBill);
    const twiceB = await intent(agency, twiceBill);
    const duplicated = await billAndIntent(agency, 80_000);
    const wrongAmount = await billAndIntent(agency, 90_000);
    const fresh = await Promise.all(Array.from({ length: 6 }, (_, i) => billAndIntent(agency, 11_000 + i)));
    const suspense = await rows<{ credits: string }>(
      `SELECT credits_posted::text AS credits FROM ledger_accounts WHERE id = 'suspense:vnpay'`,
    );
    const suspenseBefore = BigInt(suspense[0]?.credits ?? '0');

    const copy = signedIpn({ ref: duplicated.reference, amount: 80_000n });
    const burst = [
      ...Array<string>(4).fill(copy),
      signedIpn({ ref: second.reference, amount: 60_000n }),
      signedIpn({ ref: twiceA.reference, amount: 70_000n }),
      signedIpn({ ref: twiceB.reference, amount: 70_000n }),
      signedIpn({ ref: wrongAmount.reference, amount: 9_000n }),
      ...fresh.map((paying) => signedIpn({ ref: paying.reference, amount: BigInt(paying.amount) })),
    ];
    const answers = await Promise.all(burst.map(ipn));
    assert.deepEqual(answers.slice(0, 4).sort(), ['00', '02', '02', '02']);
    assert.deepEqual(answers.slice(4), ['00', '00', '00', '04', ...Array<string>(6).fill('00')]);

    assert.equal(await status(duplicated.id), 'succeeded');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [duplicated.id]), 1);
    assert.equal(await count(`ledger_transfers WHERE id LIKE 'pay:' || $1 || '%'`, [duplicated.id]), 2);
    assert.equal(
      await count(`events WHERE type = 'payment_intent.succeeded' AND data->>'id' = $1`, [duplicated.id]),
      1,
    );
    // The second payment of the paid bill: held in suspense for review, no receipt.
    assert.equal(await status(second.id), 'processing');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [second.id]), 0);
    assert.equal(
      await count(`payment_reviews WHERE reference = $1 AND reason = 'duplicate_payment'`, [
        second.reference,
      ]),
      1,
    );
    // Two attempts at one bill in one burst: one pays it, the other is held.
    assert.deepEqual([await status(twiceA.id), await status(twiceB.id)].sort(), ['processing', 'succeeded']);
    assert.equal(await count('receipts WHERE bill_id = $1', [twiceBill]), 1);
    assert.equal(
      await count(`payment_reviews WHERE reference = ANY($1) AND reason = 'duplicate_payment'`, [
        [twiceA.reference, twiceB.reference],
      ]),
      1,
    );
    const suspenseAfter = await rows<{ credits: string }>(
      `SELECT credits_posted::text AS credits FROM ledger_accounts WHERE id = 'suspense:vnpay'`,
    );
    assert.equal(BigInt(suspenseAfter[0]!.credits) - suspenseBefore, 60_000n + 70_000n);
    // The wrong amount: kept for review, nothing paid.
    assert.equal(await status(wrongAmount.id), 'requires_action');
    assert.equal(
      await count(`payment_reviews WHERE reference = $1 AND reason = 'amount_mismatch'`, [
        wrongAmount.reference,
      ]),
      1,
    );
    for (const paying of fresh) assert.equal(await status(paying.id), 'succeeded');
    // first, duplicated, one of the two, six fresh: nine receipts, numbered 1..9.
    assert.deepEqual(await receiptNumbers(agency.id), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await ledgerOk();
  });

  it('fails only the item whose ledger posting is refused; the rest of its batch is applied', async () => {
    const agency = await createBiller(hub, { name: 'Sở Y tế', kind: 'agency' });
    const victim = await billAndIntent(agency, 50_000);
    const others = await Promise.all(Array.from({ length: 10 }, (_, i) => billAndIntent(agency, 21_000 + i)));
    // Another transfer already holds the id the victim's payment would post under, for another amount:
    // the ledger answers exists_with_different_amount for it, and refuses its linked group.
    const ledger = hub.app.get<PgLedger>(LEDGER);
    const accounts = await ledger.createAccounts(paymentAccounts('vnpay', agency.id));
    assert.ok(accounts.every((account) => account.result === 'created' || account.result === 'exists'));
    const [rogue] = await ledger.createTransfers([
      {
        id: `pay:${victim.id}`,
        debit_account_id: 'clearing:vnpay',
        credit_account_id: `payable:${agency.id}`,
        amount: 1n,
        currency: 'VND',
        code: 1,
      },
    ]);
    assert.equal(rogue!.result, 'created');
    const stats = hub.app.get(PaymentConfirmations).stats;
    const fallbacks = stats.fallbacks;

    const answers = await Promise.all([
      ipn(signedIpn({ ref: victim.reference, amount: 50_000n })),
      ...others.map((paying) => ipn(signedIpn({ ref: paying.reference, amount: BigInt(paying.amount) }))),
    ]);
    // 99: VNPay retries that one only.
    assert.deepEqual(answers, ['99', ...Array<string>(10).fill('00')]);
    assert.ok(stats.fallbacks > fallbacks);
    assert.equal(await status(victim.id), 'requires_action');
    assert.equal(await count(`bills WHERE id = $1 AND status = 'open'`, [victim.bill]), 1);
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [victim.id]), 0);
    assert.equal(await count(EVENTS_NAMING_INTENT, [victim.id]), 0);
    for (const paying of others) assert.equal(await status(paying.id), 'succeeded');
    // The failed batch gave its numbers back: the ten receipts are 1..10.
    assert.deepEqual(
      await receiptNumbers(agency.id),
      Array.from({ length: 10 }, (_, index) => index + 1),
    );
    await ledgerOk();
  });
});
