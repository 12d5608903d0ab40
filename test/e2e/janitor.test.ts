// The janitor over real HTTP and Postgres with the hub's in-process VNPay simulator: a payment whose
// callback the simulator drops is found by querying VNPay and applied exactly once (twice run, one
// receipt, one posting); a declined one fails; an order VNPay does not know, or a VNPay that cannot be
// reached, leaves the intent processing and listed for operators; expired intents and bills are stored
// expired; a callback that comes after all that still loses no money. Times are moved in the database
// where the flow needs "15 minutes later" (never VNPay's order date, which its query needs).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Db } from '../../src/database/db';
import { GatewaysService } from '../../src/gateways/gateways.service';
import { JanitorRepository } from '../../src/janitor/janitor.repository';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import {
  assertLedgerOk,
  balance,
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

interface RunCounts {
  object: string;
  queried: number;
  succeeded: number;
  failed: number;
  unresolved: number;
  intents_expired: number;
  bills_expired: number;
}

interface Unresolved {
  id: string;
  status: string;
  reference: string;
  last_queried_at: number;
  query_attempts: number;
  last_query_result: string | null;
}

describe('janitor', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;
  let txn = 70_000_000;

  const sim = () => hub.app.get(GatewaysService).simulators!.vnpay!;
  const bill = (amount = 150_000, expires_in_ms = 24 * 3600 * 1000): Promise<string> =>
    createBill(
      hub,
      agency,
      feeBody(`JN-2026-${++bills}`, amount, {
        payer: { name: 'Nguyễn Văn An' },
        expires_at: new Date(Date.now() + expires_in_ms).toISOString(),
      }),
    );
  // Opening the pay page is what makes the simulator know the order.
  const intent = (bill_id: string, method = 'vnpay', open_page = true): Promise<Intent> =>
    createIntent(hub, agency, bill_id, method, { open_page });
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const readBill = async (id: string) =>
    (await call<{ status: string }>(hub, 'GET', `/v1/bills/${id}`, { token: agency.api_key })).body;
  const stored = async (table: 'bills' | 'payment_intents', id: string): Promise<string> =>
    (await db.pool.query<{ status: string }>(`SELECT status FROM ${table} WHERE id = $1`, [id])).rows[0]!
      .status;
  const runJanitor = async (): Promise<RunCounts> => {
    const answer = await call<RunCounts>(hub, 'POST', '/v1/janitor/run');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.object, 'janitor_run');
    return answer.body;
  };
  const unresolved = async (): Promise<Unresolved[]> => {
    const answer = await call<{ data: Unresolved[] }>(hub, 'GET', '/v1/janitor/unresolved?limit=100');
    assert.equal(answer.status, 200, answer.text);
    return answer.body.data;
  };
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const events = (type: string, intent_id: string) => countEvents(db, type, intent_id);
  const ledgerOk = () => assertLedgerOk(hub);
  const credits = async (id: string): Promise<bigint> => (await balance(db, id)).credits;
  /** "Later": the intent's window has passed (its order date at the gateway is then no longer its own). */
  const pastExpiry = async (table: 'bills' | 'payment_intents', id: string) => {
    await db.pool.query(
      `UPDATE ${table} SET created_at = created_at - interval '2 hours',
         expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`,
      [id],
    );
  };
  /** A signed IPN as VNPay sends it, with the simulator's own key; answers its RspCode. */
  const ipn = async (ref: string, amount: bigint): Promise<string> =>
    (await sendVnpayIpn(hub, signedVnpayIpn(sim(), { ref, amount, txn: String(++txn) }))).RspCode;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db, {
      // Every intent is due for a query at once; runs only when the tests ask.
      JANITOR_QUERY_AFTER_SECONDS: '0',
      JANITOR_INTERVAL_SECONDS: '0',
    });
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
  });
  afterEach(() => {
    sim().callbacks.faults = {};
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('finds a paid intent whose callback was dropped and applies it once, however often it runs', async () => {
    sim().callbacks.faults = { drop: true };
    const bill_id = await bill(150_000);
    const created = await intent(bill_id);
    sim().approve(created.reference);
    await sim().callbacks.idle();
    assert.equal((await read(created.id)).status, 'requires_action');
    const payable = await credits(`payable:${agency.id}`);

    const first = await runJanitor();
    assert.ok(first.queried >= 1 && first.succeeded >= 1, JSON.stringify(first));
    const paid = await read(created.id);
    assert.equal(paid.status, 'succeeded');
    assert.ok(paid.receipt);
    assert.equal((await readBill(bill_id)).status, 'paid');

    await runJanitor();
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 1);
    assert.equal(await count(`ledger_transfers WHERE id = 'pay:' || $1`, [created.id]), 1);
    assert.equal(await events('payment_intent.succeeded', created.id), 1);
    assert.equal(await events('receipt.issued', created.id), 1);
    assert.equal((await credits(`payable:${agency.id}`)) - payable, 150_000n);
    // The callback VNPay finally sends is already confirmed.
    sim().callbacks.faults = {};
    const gateway_txn_id = sim().payment(created.reference)!.gateway_txn_id;
    assert.equal(
      (
        await db.pool.query('SELECT 1 FROM payment_intents WHERE id = $1 AND gateway_txn_id = $2', [
          created.id,
          gateway_txn_id,
        ])
      ).rowCount,
      1,
    );
    await ledgerOk();
  });

  it('marks a declined intent failed, with its event, when the callback was dropped', async () => {
    sim().callbacks.faults = { drop: true };
    const created = await intent(await bill(80_000));
    sim().decline(created.reference);
    const counts = await runJanitor();
    assert.ok(counts.failed >= 1, JSON.stringify(counts));
    const failed = await read(created.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.failure_code ?? '', /^vnpay_/);
    await runJanitor();
    assert.equal(await events('payment_intent.failed', created.id), 1);
  });

  it('leaves an intent the gateway does not know processing, listed, and pays its bill on a late callback', async () => {
    const bill_id = await bill(95_000);
    // The payer never opened VNPay's page: VNPay has no such order.
    const created = await intent(bill_id, 'vnpay', false);
    // Still inside its window, the payer may be paying: asked, but left waiting for them.
    await runJanitor();
    assert.equal(await stored('payment_intents', created.id), 'requires_action');
    await pastExpiry('payment_intents', created.id);

    const counts = await runJanitor();
    assert.ok(counts.unresolved >= 1, JSON.stringify(counts));
    assert.equal((await read(created.id)).status, 'processing');
    const listed = (await unresolved()).find((row) => row.id === created.id);
    assert.ok(listed, 'listed for operators');
    assert.equal(listed.status, 'processing');
    assert.ok(listed.query_attempts >= 2);
    assert.ok(Math.abs(listed.last_queried_at - Date.now() / 1000) < 600);
    assert.match(listed.last_query_result ?? '', /^pending:91/);
    const biller_view = await call<{ data: Intent[] }>(hub, 'GET', '/v1/payment_intents?status=processing', {
      token: agency.api_key,
    });
    assert.ok(biller_view.body.data.some((row) => row.id === created.id));
    // Unknown is not "no payment": the bill stays open while the intent is unresolved.
    assert.equal(await stored('bills', bill_id), 'open');

    // The payment did happen after all: VNPay's late IPN pays the bill, once.
    assert.equal(await ipn(created.reference, 95_000n), '00');
    assert.equal((await read(created.id)).status, 'succeeded');
    assert.equal((await readBill(bill_id)).status, 'paid');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 1);
    assert.ok(!(await unresolved()).some((row) => row.id === created.id));
    await ledgerOk();
  });

  it('leaves an intent processing and listed when VNPay cannot be reached, and resolves it later', async () => {
    sim().callbacks.faults = { drop: true };
    // A bill due in two seconds: its intent expires with it, its order date at VNPay untouched.
    const bill_id = await bill(60_000, 2_000);
    const created = await intent(bill_id);
    sim().decline(created.reference);
    await until(async () => {
      const row = await db.pool.query('SELECT 1 FROM payment_intents WHERE id = $1 AND expires_at <= now()', [
        created.id,
      ]);
      return row.rowCount === 1;
    }, 'the intent to expire');
    const adapter = hub.app.get(GatewaysService).adapter('vnpay');
    const original = Object.getOwnPropertyDescriptor(adapter, 'queryPayment');
    Object.defineProperty(adapter, 'queryPayment', {
      configurable: true,
      value: () => Promise.reject(new TypeError('fetch failed')),
    });
    try {
      const counts = await runJanitor();
      assert.ok(counts.unresolved >= 1, JSON.stringify(counts));
    } finally {
      if (original) Object.defineProperty(adapter, 'queryPayment', original);
      else delete (adapter as unknown as Record<string, unknown>).queryPayment;
    }
    assert.equal((await read(created.id)).status, 'processing');
    const listed = (await unresolved()).find((row) => row.id === created.id);
    assert.equal(listed?.last_query_result, 'unreachable');

    // VNPay answers again: the decline it recorded fails the intent, which leaves the list.
    await runJanitor();
    assert.equal((await read(created.id)).status, 'failed');
    assert.equal(await events('payment_intent.failed', created.id), 1);
    assert.ok(!(await unresolved()).some((row) => row.id === created.id));
  });

  it('expires an unpaid bank-transfer intent and releases its bill for another attempt', async () => {
    const bill_id = await bill(40_000);
    const created = await intent(bill_id, 'vietqr', false);
    await pastExpiry('payment_intents', created.id);
    const counts = await runJanitor();
    assert.ok(counts.intents_expired >= 1, JSON.stringify(counts));
    assert.equal(await stored('payment_intents', created.id), 'expired');
    assert.equal(await stored('bills', bill_id), 'open');
    assert.equal((await readBill(bill_id)).status, 'open');
    const again = await intent(bill_id, 'vietqr', false);
    assert.equal(again.status, 'requires_action');
  });

  it('stores an open bill past its expiry as expired, and holds a payment that comes after', async () => {
    // A bill nobody tried to pay.
    const idle = await bill(30_000);
    await pastExpiry('bills', idle);
    // A bill whose one attempt VNPay declined (the callback lost): expired once the janitor has asked.
    sim().callbacks.faults = { drop: true };
    const bill_id = await bill(70_000);
    const created = await intent(bill_id);
    sim().decline(created.reference);
    await pastExpiry('bills', bill_id);
    const counts = await runJanitor();
    assert.ok(counts.bills_expired >= 2, JSON.stringify(counts));
    assert.equal(await stored('bills', idle), 'expired');
    assert.equal(await stored('bills', bill_id), 'expired');
    assert.equal((await read(created.id)).status, 'failed');

    // VNPay later says that attempt was paid after all: the money is held in suspense for a person,
    // never dropped, and no receipt pays an expired bill.
    const suspense = await credits('suspense:vnpay');
    assert.equal(await ipn(created.reference, 70_000n), '00');
    assert.equal((await credits('suspense:vnpay')) - suspense, 70_000n);
    assert.equal(
      await count(`payment_reviews WHERE reference = $1 AND reason = 'bill_not_open'`, [created.reference]),
      1,
    );
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [created.id]), 0);
    assert.equal(await stored('bills', bill_id), 'expired');
    await ledgerOk();
  });

  it('never lets two processes claim the same intent for a query', async () => {
    for (let i = 0; i < 4; i++) await intent(await bill(10_000 + i));
    const repository = hub.app.get(JanitorRepository);
    const started = await repository.now();
    const claim = () => repository.claimForQuery(['vnpay'], 0, new Date(Date.now() + 60_000), 2);
    // One process claims and holds its claim open (its transaction not yet committed) ...
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    let first: string[] | null = null;
    const holding = hub.app.get(Db).transaction(async () => {
      first = (await claim()).map((row) => row.id);
      await gate;
    });
    await until(async () => first !== null, 'the first claim');
    // ... while another claims on its own connection: it skips the rows claimed, never waits for them.
    const second = (await claim()).map((row) => row.id);
    release();
    await holding;
    assert.equal(first!.length, 2);
    assert.equal(second.length, 2);
    assert.deepEqual(
      first!.filter((id) => second.includes(id)),
      [],
    );
    // Once committed, the claims read as queried since the run started: the run takes neither set again.
    const third = (await repository.claimForQuery(['vnpay'], 0, started, 100)).map((row) => row.id);
    assert.deepEqual(
      third.filter((id) => first!.includes(id) || second.includes(id)),
      [],
    );
  });

  it('answers the run and the list to the admin only', async () => {
    const run = await call(hub, 'POST', '/v1/janitor/run', { token: agency.api_key });
    assert.equal(run.status, 401, run.text);
    const list = await call(hub, 'GET', '/v1/janitor/unresolved', { token: agency.api_key });
    assert.equal(list.status, 401, list.text);
    const bad = await call(hub, 'GET', '/v1/janitor/unresolved?status=processing');
    assert.equal(bad.status, 400, bad.text);
  });
});
