// A statement written out as it streams: JSON (amounts as integers, times as Unix seconds, like the rest
// of the API), CSV (UTF-8 with a BOM so that Excel reads Vietnamese, a header, one row per receipt line,
// refund and payout, then a totals block) and XLSX (exceljs' streaming writer: entries on one sheet,
// totals on another). Formats are described in docs/reports.md.
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvField } from '../../adapters/shared/csv';
import { formatVietnamTime } from '../../adapters/shared/time';
import { dong } from '../common/money';
import type { OpenStatement, StatementSummary } from './reports.service';
import type { AdjustmentEntry, PaymentEntry, PayoutEntry, RefundEntry, StatementEntry } from './statement';

export const STATEMENT_COLUMNS = [
  'booked_at',
  'type',
  'receipt_number',
  'template',
  'series',
  'receipt',
  'payer',
  'fee_name',
  'amount',
  'method',
  'gateway_transaction_id',
  'status',
  'gateway_fee',
  'reference',
] as const;

type Cell = string | number | null;

const unix = (date: Date) => Math.floor(date.getTime() / 1000);
const local = (date: Date) => formatVietnamTime(date, 'yyyy-MM-dd HH:mm:ss');
const num = (value: bigint | null) => (value === null ? null : dong(value));

/** The rows an entry becomes in CSV and XLSX: one per receipt line for a payment. */
export function entryRows(entry: StatementEntry): Cell[][] {
  if (entry.type === 'payment')
    return entry.lines.map((line, index) => [
      local(entry.booked_at),
      'payment',
      dong(entry.number),
      entry.template_symbol,
      entry.series_symbol,
      entry.receipt_id,
      entry.payer_name,
      line.fee_name,
      dong(line.amount),
      entry.method,
      entry.gateway_transaction_id,
      entry.status,
      // The payment's fee once, on its first line, so that the column adds up.
      index === 0 ? dong(entry.fee) : 0,
      entry.payment_intent_id,
    ]);
  if (entry.type === 'refund')
    return [
      [
        local(entry.booked_at),
        'refund',
        // The refund receipt when one was issued, else the payment's (cancelled) receipt.
        ...(entry.refund_receipt_id !== null
          ? [num(entry.refund_receipt_number), entry.refund_receipt_template, entry.refund_receipt_series]
          : [num(entry.receipt_number), entry.template_symbol, entry.series_symbol]),
        entry.refund_receipt_id ?? entry.receipt_id,
        entry.payer_name,
        null,
        dong(entry.amount),
        entry.method,
        entry.gateway_refund_id,
        entry.receipt_action,
        0,
        entry.refund_id,
      ],
    ];
  if (entry.type === 'adjustment')
    return [
      [
        local(entry.booked_at),
        'adjustment',
        null,
        null,
        null,
        null,
        null,
        null,
        // Signed: what the resolution added to (or took from) what the agency is owed.
        signed(entry.amount),
        null,
        null,
        entry.action,
        0,
        entry.exception_id,
      ],
    ];
  return [
    [
      local(entry.booked_at),
      'payout',
      null,
      null,
      null,
      null,
      null,
      null,
      dong(entry.amount),
      null,
      null,
      'confirmed',
      0,
      entry.item_id,
    ],
  ];
}

/** The totals block: section, key, count, amount. */
export function summaryRows(summary: StatementSummary): Cell[][] {
  const { totals, cashless_share, ledger } = summary;
  const rows: Cell[][] = [
    ['payments', null, totals.payments.count, dong(totals.payments.amount)],
    ['refunds', null, totals.refunds.count, dong(totals.refunds.amount)],
    ['gateway_fees', null, totals.fees.count, dong(totals.fees.amount)],
    ['adjustments', null, totals.adjustments.count, signed(totals.adjustments.amount)],
    ['net', null, null, signed(totals.net)],
    ['payouts', null, totals.payouts.count, dong(totals.payouts.amount)],
    ['payable_movement', null, null, signed(totals.payable_movement)],
  ];
  for (const fee of totals.by_fee) rows.push(['by_fee', fee.fee_name, fee.count, dong(fee.amount)]);
  for (const method of totals.by_method) {
    rows.push(['by_method', method.method, method.payments.count, dong(method.payments.amount)]);
    rows.push(['by_method_refunds', method.method, method.refunds.count, dong(method.refunds.amount)]);
    rows.push(['by_method_percent_of_count', method.method, null, method.percent_of_count]);
    rows.push(['by_method_percent_of_amount', method.method, null, method.percent_of_amount]);
  }
  rows.push(
    ['cashless_share', 'bills_paid_through_hub', cashless_share.bills_paid_through_hub, null],
    ['cashless_share', 'bills_closed_otherwise', cashless_share.bills_closed_otherwise, null],
    ['cashless_share', 'percent', null, cashless_share.percent],
    ['ledger', 'payable_credits', null, dong(ledger.payable_credits)],
    ['ledger', 'payable_debits', null, dong(ledger.payable_debits)],
    ['ledger', 'net', null, signed(ledger.net)],
    ['ledger', 'ties', null, summary.ties ? 'true' : 'false'],
  );
  return rows;
}

/** A net can be negative (more refunded or paid out than collected in the period). */
function signed(value: bigint): number {
  return value < 0n ? -dong(-value) : dong(value);
}

/**
 * A text cell that a spreadsheet would read as a formula (=, +, -, @, or a control character first) is
 * written with a leading apostrophe: a payer's name must never run in the agency's Excel.
 */
function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

async function* csvChunks(statement: OpenStatement): AsyncGenerator<string> {
  yield '\uFEFF' + csvLine(STATEMENT_COLUMNS as unknown as Cell[]);
  for await (const entry of statement.entries()) yield entryRows(entry).map(csvLine).join('');
  yield '\r\n' + csvLine(['section', 'key', 'count', 'amount']);
  yield summaryRows(statement.summary()).map(csvLine).join('');
}

function paymentJson(entry: PaymentEntry) {
  return {
    receipt: entry.receipt_id,
    number: dong(entry.number),
    template: entry.template_symbol,
    series: entry.series_symbol,
    status: entry.status,
    payer: entry.payer_name,
    lines: entry.lines.map((line) => ({ fee_name: line.fee_name, amount: dong(line.amount) })),
    amount: dong(entry.amount),
    method: entry.method,
    gateway_transaction_id: entry.gateway_transaction_id,
    payment_intent: entry.payment_intent_id,
    gateway_fee: dong(entry.fee),
    paid_at: unix(entry.paid_at),
    booked_at: unix(entry.booked_at),
  };
}

function refundJson(entry: RefundEntry) {
  return {
    refund: entry.refund_id,
    payment_intent: entry.payment_intent_id,
    amount: dong(entry.amount),
    method: entry.method,
    gateway_refund_id: entry.gateway_refund_id,
    receipt: entry.receipt_id,
    receipt_number: num(entry.receipt_number),
    template: entry.template_symbol,
    series: entry.series_symbol,
    payer: entry.payer_name,
    receipt_action: entry.receipt_action,
    refund_receipt: entry.refund_receipt_id,
    refund_receipt_number: num(entry.refund_receipt_number),
    refund_receipt_template: entry.refund_receipt_template,
    refund_receipt_series: entry.refund_receipt_series,
    booked_at: unix(entry.booked_at),
  };
}

function adjustmentJson(entry: AdjustmentEntry) {
  return {
    transfer: entry.transfer_id,
    reconciliation_exception: entry.exception_id,
    action: entry.action,
    payment_intent: entry.payment_intent_id,
    amount: signed(entry.amount),
    booked_at: unix(entry.booked_at),
  };
}

function payoutJson(entry: PayoutEntry) {
  return {
    payout: entry.payout_id,
    payout_item: entry.item_id,
    amount: dong(entry.amount),
    booked_at: unix(entry.booked_at),
  };
}

export function summaryJson(summary: StatementSummary) {
  const { totals, cashless_share, ledger } = summary;
  const pair = (value: { count: number; amount: bigint }) => ({
    count: value.count,
    amount: dong(value.amount),
  });
  return {
    totals: {
      payments: pair(totals.payments),
      refunds: pair(totals.refunds),
      gateway_fees: pair(totals.fees),
      adjustments: { count: totals.adjustments.count, amount: signed(totals.adjustments.amount) },
      net: signed(totals.net),
      payouts: pair(totals.payouts),
      payable_movement: signed(totals.payable_movement),
      by_fee: totals.by_fee.map((fee) => ({
        fee_name: fee.fee_name,
        count: fee.count,
        amount: dong(fee.amount),
      })),
      by_method: totals.by_method.map((method) => ({
        method: method.method,
        payments: pair(method.payments),
        refunds: pair(method.refunds),
        net: signed(method.net),
        percent_of_count: method.percent_of_count,
        percent_of_amount: method.percent_of_amount,
      })),
    },
    cashless_share,
    ledger: {
      account: ledger.account,
      payable_credits: dong(ledger.payable_credits),
      payable_debits: dong(ledger.payable_debits),
      net: signed(ledger.net),
    },
    ties: summary.ties,
  };
}

const SECTIONS = [
  { type: 'payment', key: 'receipts' },
  { type: 'refund', key: 'refunds' },
  { type: 'payout', key: 'payouts' },
  { type: 'adjustment', key: 'adjustments' },
] as const;

async function* jsonChunks(statement: OpenStatement): AsyncGenerator<string> {
  const head = {
    object: 'statement',
    biller: statement.biller_id,
    biller_name: statement.biller_name,
    from: statement.period.from,
    to: statement.period.to,
    timezone: '+07:00',
    start: unix(statement.period.start),
    end: unix(statement.period.end),
  };
  const text = JSON.stringify(head);
  // The head's closing brace is left off: the lists and the summary follow inside the same object.
  let section = -1;
  let first = true;
  yield text.slice(0, -1);
  const openUntil = function* (index: number): Generator<string> {
    while (section < index) {
      if (section >= 0) yield ']';
      section += 1;
      yield `,${JSON.stringify(SECTIONS[section]!.key)}:[`;
      first = true;
    }
  };
  for await (const entry of statement.entries()) {
    yield* openUntil(SECTIONS.findIndex((candidate) => candidate.type === entry.type));
    const body =
      entry.type === 'payment'
        ? paymentJson(entry)
        : entry.type === 'refund'
          ? refundJson(entry)
          : entry.type === 'payout'
            ? payoutJson(entry)
            : adjustmentJson(entry);
    yield (first ? '' : ',') + JSON.stringify(body);
    first = false;
  }
  yield* openUntil(SECTIONS.length - 1);
  yield `],${JSON.stringify(summaryJson(statement.summary())).slice(1)}`;
}

const AMOUNT_FORMAT = '#,##0';

/** XLSX through exceljs' streaming WorkbookWriter: rows are committed (written out) as they come. */
function xlsxStream(statement: OpenStatement): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const write = async () => {
    const entries = workbook.addWorksheet('Statement');
    entries.columns = STATEMENT_COLUMNS.map((key) => ({
      header: key,
      key,
      width: key === 'payer' || key === 'fee_name' ? 32 : 18,
      style: key === 'amount' || key === 'gateway_fee' ? { numFmt: AMOUNT_FORMAT } : {},
    }));
    entries.getRow(1).font = { bold: true };
    entries.getRow(1).commit();
    for await (const entry of statement.entries()) {
      // The client went away: stop reading (leaving the loop closes the database snapshot).
      if (out.destroyed) return;
      for (const row of entryRows(entry)) entries.addRow(row).commit();
    }
    entries.commit();
    const totals = workbook.addWorksheet('Totals');
    totals.columns = [
      { header: 'section', key: 'section', width: 30 },
      { header: 'key', key: 'key', width: 32 },
      { header: 'count', key: 'count', width: 10 },
      { header: 'amount', key: 'amount', width: 18, style: { numFmt: AMOUNT_FORMAT } },
    ];
    totals.getRow(1).font = { bold: true };
    totals.getRow(1).commit();
    for (const row of summaryRows(statement.summary())) totals.addRow(row).commit();
    totals.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

/** The statement's bytes in its format, produced as the client reads them. */
export function statementStream(statement: OpenStatement): Readable {
  if (statement.format === 'xlsx') return xlsxStream(statement);
  return Readable.from(statement.format === 'csv' ? csvChunks(statement) : jsonChunks(statement), {
    objectMode: false,
  });
}

export const STATEMENT_CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
