// Agency statements over real HTTP: intents paid end to end through the in-process VNPay and MoMo
// simulators, a partial refund, a cancelled bill, then GET /v1/reports/statements in JSON, CSV and XLSX
// (read back with exceljs): the receipts, the totals by fee and by method, the cashless share, and the
// statement's payable movement equal to the ledger's, also with FEE_BEARER=biller on a second hub.
// Biller isolation and every refused parameter too; the ledger verified after every test.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { readCsvLines } from '../../adapters/shared/csv';
import { formatVietnamTime } from '../../adapters/shared/time';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { ReportsService, STATEMENT_PAGE_ROWS } from '../../src/reports/reports.service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootCallbackHub } from './support/gateway-payments';
import { bootHubOnFreePort } from './support/hub';

interface Intent {
  id: string;
  status: string;
  reference: string;
  receipt: string | null;
  next_action: { url?: string } | null;
}

interface Statement {
  object: string;
  biller: string;
  biller_name: string;
  from: string;
  to: string;
  receipts: Array<{
    receipt: string;
    number: number;
    series: string;
    payer: string;
    lines: Array<{ fee_name: string; amount: number }>;
    amount: number;
    method: string;
    gateway_transaction_id: string | null;
    gateway_fee: number;
    booked_at: number;
  }>;
  refunds: Array<{
    refund: string;
    amount: number;
    method: string;
    receipt: string;
    refund_receipt: string;
    refund_receipt_number: number;
  }>;
  payouts: unknown[];
  totals: {
    payments: { count: number; amount: number };
    refunds: { count: number; amount: number };
    gateway_fees: { count: number; amount: number };
    net: number;
    payouts: { count: number; amount: number };
    payable_movement: number;
    by_fee: Array<{ fee_name: string; count: number; amount: number }>;
    by_method: Array<{
      method: string;
      payments: { count: number; amount: number };
      refunds: { count: number; amount: number };
      net: number;
      percent_of_count: string;
      percent_of_amount: string;
    }>;
  };
  cashless_share: { bills_paid_through_hub: number; bills_closed_otherwise: number; percent: string | null };
  ledger: { account: string; payable_credits: number; payable_debits: number; net: number };
  ties: boolean;
}

const today = () => formatVietnamTime(new Date(), 'yyyy-MM-dd');

function nextDay(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Pays bills through the simulators of one hub, for one agency. */
class Payer {
  #bills = 0;
  constructor(
    readonly hub: RunningHub,
    readonly agency: CreatedBiller,
  ) {}

  async bill(lines: Array<{ name: string; amount: number }>): Promise<string> {
    const created = await call<{ id: string }>(this.hub, 'POST', '/v1/bills', {
      token: this.agency.api_key,
      body: {
        kind: 'fee',
        reference: `ST-${this.agency.id.slice(-6)}-${++this.#bills}`,
        payer: { name: 'Nguyễn Thị Hoà', id_number: '079123456789' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: lines.map((line) => ({ ...line, legal_basis: 'Thông tư 85/2019/TT-BTC' })),
      },
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  }

  async read(id: string): Promise<Intent> {
    return (await call<Intent>(this.hub, 'GET', `/v1/payment_intents/${id}`, { token: this.agency.api_key }))
      .body;
  }

  async pay(bill_id: string, method: 'vnpay' | 'momo'): Promise<Intent> {
    const created = await call<Intent>(this.hub, 'POST', '/v1/payment_intents', {
      token: this.agency.api_key,
      body: { bill_id, method },
    });
    assert.equal(created.status, 201, created.text);
    const sims = this.hub.app.get(GatewaysService).simulators!;
    if (method === 'vnpay') {
      assert.equal((await fetch(created.body.next_action!.url!, { redirect: 'manual' })).status, 200);
      sims.vnpay!.approve(created.body.reference);
    } else {
      sims.momo!.approve(created.body.reference);
    }
    const deadline = Date.now() + 15_000;
    while ((await this.read(created.body.id)).status !== 'succeeded') {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${method} IPN`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
    return this.read(created.body.id);
  }
}

describe('Agency statements', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let other: CreatedBiller;
  let payer: Payer;
  /** The Vietnam day(s) the payments were booked in. */
  let from: string;
  let to: string;
  const paid: Intent[] = [];
  let refundId: string;

  const statement = (query: string, token: string | null = agency.api_key) =>
    call<Statement & ErrorBody>(hub, 'GET', `/v1/reports/statements?${query}`, { token });
  const raw = (query: string, token: string = agency.api_key) =>
    fetch(`${hub.url}/v1/reports/statements?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const payable = async (biller_id: string) => {
    const found = await db.pool.query<{ credits: string; debits: string; pending: string }>(
      `SELECT credits_posted::text AS credits, debits_posted::text AS debits, debits_pending::text AS pending
         FROM ledger_accounts WHERE id = $1`,
      [`payable:${biller_id}`],
    );
    return found.rows[0]!;
  };

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
    other = await createBiller(hub, { name: 'Sở Xây dựng', kind: 'agency' });
    payer = new Payer(hub, agency);
    from = today();
    paid.push(
      await payer.pay(
        await payer.bill([
          { name: 'Lệ phí hộ tịch', amount: 50_000 },
          { name: 'Phí cấp bản sao', amount: 20_000 },
        ]),
        'vnpay',
      ),
      await payer.pay(await payer.bill([{ name: 'Lệ phí hộ tịch', amount: 100_000 }]), 'momo'),
      await payer.pay(await payer.bill([{ name: 'Phí thẩm định', amount: 30_000 }]), 'vnpay'),
    );
    const refunded = await call<{ id: string; status: string }>(hub, 'POST', '/v1/refunds', {
      token: agency.api_key,
      body: { payment_intent: paid[0]!.id, amount: 20_000, reason: 'Thu thừa phí bản sao' },
    });
    assert.equal(refunded.status, 201, refunded.text);
    assert.equal(refunded.body.status, 'succeeded');
    refundId = refunded.body.id;
    // A bill closed without a payment through the hub (paid at the counter, say).
    const cancelled = await call(
      hub,
      'POST',
      `/v1/bills/${await payer.bill([{ name: 'Lệ phí', amount: 10_000 }])}/cancel`,
      {
        token: agency.api_key,
      },
    );
    assert.equal(cancelled.status, 200, cancelled.text);
    // A run across midnight (Vietnam time) asks for both days.
    to = today();
  });
  afterEach(async () => {
    if (!hub) return;
    const verified = await call<{ ok: boolean; faults: unknown[] }>(hub, 'GET', '/v1/ledger/verify');
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body.faults));
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('lists the day’s receipts with totals by fee and by method, and ties to the ledger', async () => {
    const answer = await statement(`from=${from}&to=${to}`);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    const body = answer.body;
    assert.equal(body.object, 'statement');
    assert.equal(body.biller, agency.id);
    assert.equal(body.biller_name, 'Sở Tư pháp');
    assert.deepEqual(
      body.receipts.map((receipt) => [receipt.amount, receipt.method]),
      [
        [70_000, 'vnpay'],
        [100_000, 'momo'],
        [30_000, 'vnpay'],
      ],
    );
    const first = body.receipts[0]!;
    assert.equal(first.receipt, paid[0]!.receipt);
    assert.equal(first.payer, 'Nguyễn Thị Hoà');
    assert.deepEqual(first.lines, [
      { fee_name: 'Lệ phí hộ tịch', amount: 50_000 },
      { fee_name: 'Phí cấp bản sao', amount: 20_000 },
    ]);
    assert.ok(first.gateway_transaction_id, 'the gateway transaction is listed');
    assert.equal(first.gateway_fee, 0, 'the hub bears the fee (FEE_BEARER=hub)');
    assert.deepEqual(
      body.receipts.map((receipt) => receipt.number).sort(),
      [1, 2, 3],
      'the receipts of the series, numbered gaplessly',
    );
    assert.deepEqual(
      body.refunds.map((refund) => [refund.refund, refund.amount, refund.method, refund.receipt]),
      [[refundId, 20_000, 'vnpay', paid[0]!.receipt]],
    );
    assert.ok(body.refunds[0]!.refund_receipt, 'a partial refund has a refund receipt');
    assert.equal(body.refunds[0]!.refund_receipt_number, 4, 'numbered after the three payments');
    assert.deepEqual(body.totals.payments, { count: 3, amount: 200_000 });
    assert.deepEqual(body.totals.refunds, { count: 1, amount: 20_000 });
    assert.deepEqual(body.totals.gateway_fees, { count: 0, amount: 0 });
    assert.equal(body.totals.net, 180_000);
    assert.deepEqual(body.totals.payouts, { count: 0, amount: 0 });
    assert.equal(body.totals.payable_movement, 180_000);
    assert.deepEqual(body.totals.by_fee, [
      { fee_name: 'Lệ phí hộ tịch', count: 2, amount: 150_000 },
      { fee_name: 'Phí cấp bản sao', count: 1, amount: 20_000 },
      { fee_name: 'Phí thẩm định', count: 1, amount: 30_000 },
    ]);
    assert.deepEqual(body.totals.by_method, [
      {
        method: 'momo',
        payments: { count: 1, amount: 100_000 },
        refunds: { count: 0, amount: 0 },
        net: 100_000,
        percent_of_count: '33.33',
        percent_of_amount: '50.00',
      },
      {
        method: 'vnpay',
        payments: { count: 2, amount: 100_000 },
        refunds: { count: 1, amount: 20_000 },
        net: 80_000,
        percent_of_count: '66.67',
        percent_of_amount: '50.00',
      },
    ]);
    assert.deepEqual(body.cashless_share, {
      bills_paid_through_hub: 3,
      bills_closed_otherwise: 1,
      percent: '75.00',
    });
    // The ledger's own figure, and the account's balance itself: all its history is in this period.
    const balances = await payable(agency.id);
    assert.deepEqual(body.ledger, {
      account: `payable:${agency.id}`,
      payable_credits: Number(balances.credits),
      payable_debits: Number(balances.debits),
      net: 180_000,
    });
    assert.equal(Number(balances.credits) - Number(balances.debits), body.totals.net);
    assert.equal(body.ties, true);
  });

  it('reads a statement page by page with the same result', async () => {
    const whole = await statement(`from=${from}&to=${to}`);
    const service = hub.app.get(ReportsService);
    service.page_rows = 2;
    try {
      const paged = await statement(`from=${from}&to=${to}`);
      assert.equal(paged.status, 200, paged.text);
      assert.equal(paged.body.receipts.length, 3);
      assert.deepEqual(paged.body, whole.body);
    } finally {
      service.page_rows = STATEMENT_PAGE_ROWS;
    }
  });

  it('writes the same statement as CSV (UTF-8 with a BOM, one row per receipt line, a totals block)', async () => {
    const response = await raw(`from=${from}&to=${to}&format=csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="statement-blr_/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines: string[][] = [];
    for await (const line of readCsvLines(Readable.from([bytes]))) lines.push(line.fields);
    const [header, ...rest] = lines;
    assert.deepEqual(header!.slice(0, 9), [
      'booked_at',
      'type',
      'receipt_number',
      'template',
      'series',
      'receipt',
      'payer',
      'fee_name',
      'amount',
    ]);
    const rows = rest.filter((fields) => fields[1] === 'payment' || fields[1] === 'refund');
    assert.equal(rows.length, 5, 'four receipt lines and one refund');
    const amount = header!.indexOf('amount');
    const sum = (type: string) =>
      rows
        .filter((fields) => fields[1] === type)
        .reduce((total, fields) => total + Number(fields[amount]), 0);
    assert.equal(sum('payment'), 200_000);
    assert.equal(sum('refund'), 20_000);
    assert.ok(rows.some((fields) => fields.includes('Phí cấp bản sao') && fields.includes('Nguyễn Thị Hoà')));
    const refundRow = rows.find((fields) => fields[1] === 'refund')!;
    assert.deepEqual([refundRow[2], refundRow[11], refundRow[13]], ['4', 'refund_receipt', refundId]);
    const totals = new Map(
      rest.filter((fields) => fields.length === 4).map((fields) => [`${fields[0]}/${fields[1]}`, fields]),
    );
    assert.deepEqual(totals.get('payments/'), ['payments', '', '3', '200000']);
    assert.deepEqual(totals.get('by_fee/Lệ phí hộ tịch'), ['by_fee', 'Lệ phí hộ tịch', '2', '150000']);
    assert.deepEqual(totals.get('by_method/momo'), ['by_method', 'momo', '1', '100000']);
    assert.deepEqual(totals.get('ledger/net'), ['ledger', 'net', '', '180000']);
    assert.deepEqual(totals.get('ledger/ties'), ['ledger', 'ties', '', 'true']);
    assert.deepEqual(totals.get('cashless_share/percent'), ['cashless_share', 'percent', '', '75.00']);
  });

  it('writes the same statement as XLSX (read back with exceljs)', async () => {
    const response = await raw(`from=${from}&to=${to}&format=xlsx`);
    assert.equal(response.status, 200);
    assert.equal(
      response.headers.get('content-type'),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.getWorksheet('Statement')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    assert.equal(header[1], 'type');
    const amount = header.indexOf('amount') + 1;
    const rows: ExcelJS.Row[] = [];
    sheet.eachRow((row, number) => number > 1 && rows.push(row));
    assert.equal(rows.length, 5);
    const payments = rows.filter((row) => row.getCell(2).value === 'payment');
    assert.equal(
      payments.reduce((total, row) => total + (row.getCell(amount).value as number), 0),
      200_000,
    );
    assert.ok(payments.some((row) => row.getCell(7).value === 'Nguyễn Thị Hoà'));
    const totals = new Map<string, unknown[]>();
    workbook.getWorksheet('Totals')!.eachRow((row) => {
      const values = (row.values as unknown[]).slice(1);
      totals.set(`${String(values[0])}/${String(values[1] ?? '')}`, values);
    });
    assert.equal(totals.get('payments/')![3], 200_000);
    assert.equal(totals.get('refunds/')![3], 20_000);
    assert.equal(totals.get('by_fee/Phí thẩm định')![3], 30_000);
    assert.equal(totals.get('ledger/net')![3], 180_000);
    assert.equal(totals.get('ledger/ties')![3], 'true');
  });

  it('shows a biller only its own statement; the admin names the biller', async () => {
    const foreign = await statement(`biller=${agency.id}&from=${from}`, other.api_key);
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.error.code, 'biller_not_found');
    const own = await statement(`biller=${other.id}&from=${from}&to=${to}`, other.api_key);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.body.receipts, []);
    assert.deepEqual(own.body.totals.payments, { count: 0, amount: 0 });
    assert.equal(own.body.ties, true);
    const admin = await statement(`biller=${agency.id}&from=${from}&to=${to}`, 'admin');
    assert.equal(admin.status, 200, admin.text);
    assert.equal(admin.body.totals.net, 180_000);
    const unnamed = await statement(`from=${from}`, 'admin');
    assert.equal(unnamed.status, 400);
    assert.deepEqual([unnamed.body.error.code, unnamed.body.error.param], ['parameter_missing', 'biller']);
    const nobody = await statement(`biller=blr_00000000000000000000000000&from=${from}`, 'admin');
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.error.code, 'biller_not_found');
    const anonymous = await statement(`from=${from}`, null);
    assert.equal(anonymous.status, 401);
  });

  it('places entries by the day the ledger booked them: another day is empty', async () => {
    const later = nextDay(to);
    const answer = await statement(`from=${later}`);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body.receipts, []);
    assert.deepEqual(answer.body.refunds, []);
    assert.deepEqual(answer.body.ledger, {
      account: `payable:${agency.id}`,
      payable_credits: 0,
      payable_debits: 0,
      net: 0,
    });
    assert.equal(answer.body.cashless_share.percent, null);
    assert.equal(answer.body.ties, true);
  });

  it('refuses bad parameters with a 400 naming each', async () => {
    const cases: Array<[string, string, string]> = [
      ['to=2026-12-01', 'parameter_missing', 'from'],
      ['from=2026-02-30', 'parameter_invalid', 'from'],
      ['from=01-12-2026', 'parameter_invalid', 'from'],
      ['from=2026-12-02&to=2026-12-01', 'parameter_invalid', 'to'],
      ['from=2025-01-01&to=2026-12-31', 'parameter_invalid', 'to'],
      ['from=2026-12-01&format=pdf', 'parameter_invalid', 'format'],
      ['from=2026-12-01&biller=nobody', 'parameter_invalid', 'biller'],
      ['from=2026-12-01&page=2', 'parameter_unknown', 'page'],
    ];
    for (const [query, code, param] of cases) {
      const answer = await statement(query);
      assert.equal(answer.status, 400, `${query}: ${answer.text}`);
      assert.deepEqual([answer.body.error.code, answer.body.error.param], [code, param], query);
    }
  });

  it('deducts the fees the agency bears (FEE_BEARER=biller on a second hub) and still ties', async () => {
    // A second hub on the same database, configured otherwise (as in vnpay-ipn.test.ts).
    const billerBears = await bootHubOnFreePort(db, {
      FEE_BEARER: 'biller',
      GATEWAY_FEES:
        '{"vnpay":{"gateway_choice":{"percent":"1","min":"2500"}},"momo":{"wallet":{"percent":"2"}}}',
    });
    try {
      const bearer = await createBiller(billerBears, { name: 'Sở Tài nguyên và Môi trường', kind: 'agency' });
      const second = new Payer(billerBears, bearer);
      const start = today();
      const a = await second.pay(await second.bill([{ name: 'Phí thẩm định', amount: 100_000 }]), 'vnpay');
      await second.pay(await second.bill([{ name: 'Lệ phí cấp phép', amount: 300_000 }]), 'momo');
      const refunded = await call<{ status: string }>(billerBears, 'POST', '/v1/refunds', {
        token: bearer.api_key,
        body: { payment_intent: a.id, amount: 40_000, reason: 'Hoàn một phần' },
      });
      assert.equal(refunded.status, 201, refunded.text);
      assert.equal(refunded.body.status, 'succeeded');
      const answer = await call<Statement>(
        billerBears,
        'GET',
        `/v1/reports/statements?from=${start}&to=${today()}`,
        { token: bearer.api_key },
      );
      assert.equal(answer.status, 200, answer.text);
      const body = answer.body;
      // VNPay: 1 % of 100,000 is below the 2,500 minimum; MoMo: 2 % of 300,000 is 6,000.
      assert.deepEqual(
        body.receipts.map((receipt) => [receipt.method, receipt.gateway_fee]),
        [
          ['vnpay', 2_500],
          ['momo', 6_000],
        ],
      );
      assert.deepEqual(body.totals.gateway_fees, { count: 2, amount: 8_500 });
      assert.deepEqual(body.totals.refunds, { count: 1, amount: 40_000 });
      assert.equal(body.totals.net, 400_000 - 40_000 - 8_500);
      const balances = await payable(bearer.id);
      assert.equal(Number(balances.credits) - Number(balances.debits), body.totals.net);
      assert.equal(body.ledger.net, body.totals.net);
      assert.equal(body.ties, true);
    } finally {
      await billerBears.close();
    }
  });
});
