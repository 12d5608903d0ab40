// What the gateway callback suites share: a hub whose in-process simulators call it back over real HTTP
// (HUB_PUBLIC_URL is the hub's own address), bills of each kind, payment intents, VNPay IPNs signed
// with the simulator's key, the database counts, balances and waits the suites assert with, and the
// checks of a paid (or untouched) payment: intent, bill, ledger transfers, receipt, events, ledger verify.
import assert from 'node:assert/strict';
import type { GatewayId } from '../../../adapters/contract';
import { toWireAmount } from '../../../adapters/vnpay/vnpay.client';
import { canonicalQuery, signQuery } from '../../../adapters/vnpay/vnpay.signature';
import type { VnpaySimulator } from '../../../adapters/vnpay/vnpay.simulator';
import { GatewaysService } from '../../../src/gateways/gateways.service';
import type { LocalSimulators } from '../../../src/gateways/local-simulators';
import type { RunningHub } from '../../../src/main';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { call, createBiller, type CreatedBiller, type HubAddress } from './api';
import { bootHubOnFreePort } from './hub';

export interface Intent {
  id: string;
  bill: string;
  method: string;
  status: string;
  amount: number;
  reference: string;
  return_url: string;
  receipt: string | null;
  failure_code: string | null;
  next_action: { type: string; url?: string; payload?: string } | null;
}

export type BillKind = 'fee' | 'parking' | 'hospital';

/** A hub on a free port that is also its HUB_PUBLIC_URL, so its simulators call it back. */
export const bootCallbackHub = bootHubOnFreePort;

/** `SELECT count(*) FROM <sql>`: e.g. `receipts WHERE payment_intent_id = $1`. */
export async function countRows(db: TestDatabase, sql: string, values: unknown[] = []): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
}

/**
 * Events with the receipt each refers to (a receipt.issued event stores a reference, not a copy:
 * migrations/0017), for counting those that name an intent: `e`, `r`.
 */
export const EVENTS_NAMING_INTENT = `events e LEFT JOIN receipts r ON r.id = e.receipt_id
  WHERE (e.data::text LIKE '%' || $1 || '%' OR r.payment_intent_id = $1)`;

/** The events of one type that name the intent. */
export function countEvents(db: TestDatabase, type: string, intent_id: string): Promise<number> {
  return countRows(db, `${EVENTS_NAMING_INTENT} AND e.type = $2`, [intent_id, type]);
}

/** A ledger account's posted totals; zero for an account not opened yet. */
export async function balance(
  db: TestDatabase,
  account_id: string,
): Promise<{ debits: bigint; credits: bigint }> {
  const row = (
    await db.pool.query<{ debits: string; credits: string }>(
      'SELECT debits_posted::text AS debits, credits_posted::text AS credits FROM ledger_accounts WHERE id = $1',
      [account_id],
    )
  ).rows[0];
  return row ? { debits: BigInt(row.debits), credits: BigInt(row.credits) } : { debits: 0n, credits: 0n };
}

/** GET /v1/ledger/verify answers ok, or the assertion names the faults. */
export async function assertLedgerOk(hub: HubAddress): Promise<void> {
  const verify = await call<{ ok: boolean; faults: unknown[] }>(hub, 'GET', '/v1/ledger/verify');
  assert.equal(verify.status, 200, verify.text);
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body.faults));
}

/** Polls `check` until it holds; fails naming `what` after `timeout_ms`. */
export async function until(check: () => Promise<boolean>, what: string, timeout_ms = 10_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
}

/** A VNPay IPN's query as VNPay sends it, signed with the simulator's own key. */
export function signedVnpayIpn(
  sim: VnpaySimulator,
  fields: { ref: string; amount: bigint; txn: string; code?: string; order_info?: string },
): string {
  const params: Record<string, string> = {
    vnp_Amount: toWireAmount(fields.amount),
    vnp_BankCode: 'NCB',
    vnp_OrderInfo: fields.order_info ?? 'Thanh toan',
    vnp_PayDate: '20260115103000',
    vnp_ResponseCode: fields.code ?? '00',
    vnp_TmnCode: sim.tmn_code,
    vnp_TransactionNo: fields.txn,
    vnp_TransactionStatus: fields.code === undefined || fields.code === '00' ? '00' : '02',
    vnp_TxnRef: fields.ref,
  };
  return `${canonicalQuery(params)}&vnp_SecureHash=${signQuery(params, sim.clientConfig().hash_secret)}`;
}

/** Sends a VNPay IPN query to the hub's IPN route; VNPay's answers are always HTTP 200. */
export async function sendVnpayIpn(
  hub: HubAddress,
  query: string,
): Promise<{ RspCode: string; Message: string }> {
  const response = await fetch(`${hub.url}/v1/gateways/vnpay/ipn?${query}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { RspCode: string; Message: string };
}

/** POSTs a bill as the biller and answers its id (201 asserted). */
export async function createBill(
  hub: HubAddress,
  biller: CreatedBiller,
  body: Record<string, unknown>,
): Promise<string> {
  const created = await call<{ id: string; amount: number }>(hub, 'POST', '/v1/bills', {
    token: biller.api_key,
    body,
  });
  assert.equal(created.status, 201, created.text);
  return created.body.id;
}

/**
 * An intent for the bill (201 asserted). With `open_page`, its pay page is opened as the payer's
 * browser does: that is what makes VNPay's simulator know the order.
 */
export async function createIntent(
  hub: HubAddress,
  biller: CreatedBiller,
  bill_id: string,
  method: string,
  options: { open_page?: boolean } = {},
): Promise<Intent> {
  const created = await call<Intent>(hub, 'POST', '/v1/payment_intents', {
    token: biller.api_key,
    body: { bill_id, method },
  });
  assert.equal(created.status, 201, created.text);
  if (options.open_page)
    assert.equal((await fetch(created.body.next_action!.url!, { redirect: 'manual' })).status, 200);
  return created.body;
}

/** A stay that ended a minute ago and lasted 2 h 30 min: priced by the operator's own lines. */
function parkingBody(reference: string, amount: number): Record<string, unknown> {
  const exited_ms = Date.now() - 60_000;
  return {
    kind: 'parking',
    reference,
    payer: { name: 'Khách vãng lai' },
    lot: 'LOT-BENTHANH',
    plate: '51f-123.45',
    entered_at: new Date(exited_ms - 2.5 * 3_600_000).toISOString(),
    exited_at: new Date(exited_ms).toISOString(),
    lines: [{ name: 'Phí trông giữ xe 51F-123.45', amount }],
  };
}

function hospitalBody(reference: string, amount: number): Record<string, unknown> {
  return {
    kind: 'hospital',
    reference,
    payer: { name: 'Trần Thị Bình' },
    invoice_number: `HD-${reference}`,
    patient: { name: 'Trần Văn Cường', insurance_number: 'DN4010123456789' },
    stage: 'deposit',
    lines: [{ name: 'Tạm ứng viện phí', amount }],
  };
}

/** A fee bill of one line; `options` names the payer, the line and its legal basis, or an expiry. */
export function feeBody(
  reference: string,
  amount: number,
  options: {
    payer?: { name: string; id_number?: string };
    line?: string;
    legal_basis?: string;
    procedure_code?: string;
    expires_at?: string;
  } = {},
): Record<string, unknown> {
  return {
    kind: 'fee',
    reference,
    payer: options.payer ?? { name: 'Nguyễn Văn An', id_number: '079123456789' },
    procedure_code: options.procedure_code ?? '1.001234.000.00.00.H12',
    lines: [
      {
        name: options.line ?? 'Lệ phí hộ tịch',
        amount,
        legal_basis: options.legal_basis ?? 'Thông tư 85/2019/TT-BTC',
      },
    ],
    ...(options.expires_at === undefined ? {} : { expires_at: options.expires_at }),
  };
}

export class PaymentsHarness {
  #bills = 0;
  readonly billers = {} as Record<BillKind, CreatedBiller>;

  constructor(
    readonly hub: RunningHub,
    readonly db: TestDatabase,
  ) {}

  /** A test database, a callback hub on it (bootCallbackHub) and the billers: a suite's `before`. */
  static async start(): Promise<PaymentsHarness> {
    const db = await createTestDatabase();
    try {
      return await new PaymentsHarness(await bootCallbackHub(db), db).setUp();
    } catch (error) {
      await db.drop();
      throw error;
    }
  }

  /** Closes the hub and drops the database: a suite's `after`. */
  async close(): Promise<void> {
    await this.hub.close();
    await this.db.drop();
  }

  /** One biller of each kind: an agency (fees), a parking operator, a hospital. */
  async setUp(): Promise<this> {
    this.billers.fee = await createBiller(this.hub, { name: 'Sở Tư pháp', kind: 'agency' });
    this.billers.parking = await createBiller(this.hub, {
      name: 'Bãi đỗ xe Trung tâm',
      kind: 'parking_operator',
    });
    this.billers.hospital = await createBiller(this.hub, {
      name: 'Bệnh viện Đa khoa Tỉnh',
      kind: 'hospital',
    });
    return this;
  }

  get sims(): Partial<LocalSimulators> {
    return this.hub.app.get(GatewaysService).simulators!;
  }

  async bill(kind: BillKind, amount: number): Promise<string> {
    const reference = `T${process.pid}-${kind}-${++this.#bills}`;
    const body =
      kind === 'fee'
        ? feeBody(reference, amount)
        : kind === 'parking'
          ? parkingBody(reference, amount)
          : hospitalBody(reference, amount);
    const created = await call<{ id: string; amount: number }>(this.hub, 'POST', '/v1/bills', {
      token: this.billers[kind].api_key,
      body,
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.amount, amount);
    return created.body.id;
  }

  /** An intent for the bill, its pay page opened (VNPay's simulator learns the order from it). */
  async intent(kind: BillKind, bill_id: string, method: GatewayId): Promise<Intent> {
    const created = await createIntent(this.hub, this.billers[kind], bill_id, method, { open_page: true });
    assert.equal(created.status, 'requires_action');
    return created;
  }

  async read(kind: BillKind, id: string): Promise<Intent> {
    const answer = await call<Intent>(this.hub, 'GET', `/v1/payment_intents/${id}`, {
      token: this.billers[kind].api_key,
    });
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  }

  async billStatus(kind: BillKind, id: string): Promise<string> {
    const answer = await call<{ status: string }>(this.hub, 'GET', `/v1/bills/${id}`, {
      token: this.billers[kind].api_key,
    });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.status;
  }

  count(sql: string, values: unknown[] = []): Promise<number> {
    return countRows(this.db, sql, values);
  }

  events(type: string, intent_id: string): Promise<number> {
    return countEvents(this.db, type, intent_id);
  }

  /** The ledger transfers of a payment intent (the payment, its fee, any suspense), by id. */
  async transfers(
    intent_id: string,
  ): Promise<Array<{ id: string; debit: string; credit: string; amount: string }>> {
    return (
      await this.db.pool.query<{ id: string; debit: string; credit: string; amount: string }>(
        `SELECT id, debit_account_id AS debit, credit_account_id AS credit, amount::text AS amount
           FROM ledger_transfers WHERE id LIKE '%:' || $1 || '%' ORDER BY id`,
        [intent_id],
      )
    ).rows;
  }

  ledgerOk(): Promise<void> {
    return assertLedgerOk(this.hub);
  }

  until(check: () => Promise<boolean>, what: string): Promise<void> {
    return until(check, what);
  }

  /**
   * Everything a paid intent leaves behind: succeeded with a receipt, its bill paid, the payment
   * posted clearing:<gateway> -> payable:<biller> once, one event of each kind, the ledger sound.
   */
  async assertPaid(kind: BillKind, intent: Intent, gateway: GatewayId, amount: number): Promise<void> {
    const paid = await this.read(kind, intent.id);
    assert.equal(paid.status, 'succeeded');
    assert.ok(paid.receipt, 'the paid intent names its receipt');
    assert.equal(await this.billStatus(kind, intent.bill), 'paid');
    const receipt = await call<{ amount: string; payment_method: string }>(
      this.hub,
      'GET',
      `/v1/receipts/${paid.receipt}`,
      { token: this.billers[kind].api_key },
    );
    assert.equal(receipt.status, 200, receipt.text);
    assert.equal(receipt.body.amount, String(amount));
    assert.equal(await this.count('receipts WHERE payment_intent_id = $1', [intent.id]), 1);
    const payment = (await this.transfers(intent.id)).find((row) => row.id === `pay:${intent.id}`);
    assert.deepEqual(payment, {
      id: `pay:${intent.id}`,
      debit: `clearing:${gateway}`,
      credit: `payable:${this.billers[kind].id}`,
      amount: String(amount),
    });
    assert.equal(await this.events('payment_intent.succeeded', intent.id), 1);
    assert.equal(await this.events('receipt.issued', intent.id), 1);
    await this.ledgerOk();
  }

  /** Nothing happened to the intent: still waiting, no transfer, no receipt, no event. */
  async assertUntouched(kind: BillKind, intent: Intent): Promise<void> {
    assert.equal((await this.read(kind, intent.id)).status, 'requires_action');
    assert.equal(await this.billStatus(kind, intent.bill), 'open');
    assert.deepEqual(await this.transfers(intent.id), []);
    assert.equal(await this.count('receipts WHERE payment_intent_id = $1', [intent.id]), 0);
    assert.equal(await this.count(EVENTS_NAMING_INTENT, [intent.id]), 0);
  }
}
