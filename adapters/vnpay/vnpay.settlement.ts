// VNPay's daily transaction file is agreed "per contract" and not published, so this format is assumed
// (docs/adapters/vnpay.md): the parser turns it into contract rows; the writer feeds simulator and benches.
import { SettlementFileError, type PaymentStatus, type SettlementRow } from '../contract';
import { csvField, parseWholeAmount } from '../shared/csv';
import {
  readSettlementCsv,
  SETTLEMENT_TRAILER,
  writeSettlementCsv,
  type SettlementLine,
} from '../shared/settlement';

/** The header, exactly: VNPay's own field names without the `vnp_` prefix [assumed]. */
export const VNPAY_SETTLEMENT_COLUMNS = [
  'TmnCode',
  'TxnRef',
  'TransactionNo',
  'TransactionType',
  'RefundRequestId',
  'Amount',
  'Fee',
  'PayDate',
  'ResponseCode',
  'TransactionStatus',
] as const;

/** First field of the last line: `TOTAL,<row count>,<sum of Amount>,<sum of Fee>`. */
export const VNPAY_SETTLEMENT_TRAILER = SETTLEMENT_TRAILER;

const TMN_CODE = /^[A-Za-z0-9]{8}$/;
/** vnp_TxnRef and vnp_RequestId as the client sends them (and as other systems on the terminal may). */
const REFERENCE = /^[A-Za-z0-9_-]{1,100}$/;
const TRANSACTION_NO = /^\d{1,20}$/;
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** vnp_ResponseCode values that name a decline (vnpay.md [2nd]); with TransactionStatus 02 a failed row. */
const DECLINE_CODES = ['09', '10', '11', '12', '13', '24', '51', '65', '75', '79'];

/**
 * Final states a row may carry, keyed `<ResponseCode>|<TransactionStatus>`. Anything else (01 not
 * completed, 05 refund processing, 07 suspected fraud, unknown codes) is not settled and has no
 * business in the file, so it is a bad row rather than a guess.
 */
const PAYMENT_STATUS: ReadonlyMap<string, PaymentStatus> = new Map<string, PaymentStatus>([
  ['00|00', 'succeeded'],
  ...DECLINE_CODES.map((code): [string, PaymentStatus] => [`${code}|02`, 'failed']),
]);
const REFUND_STATUS: ReadonlyMap<string, PaymentStatus> = new Map<string, PaymentStatus>([
  ['00|06', 'succeeded'],
  ['00|09', 'failed'],
]);

/** One row as the file spells it; the writer's input. */
export interface VnpaySettlementRecord {
  readonly TmnCode: string;
  /** The payment's vnp_TxnRef (the hub's merchant_ref), for payments and refunds alike. */
  readonly TxnRef: string;
  /** VNPay's number of this transaction: the payment's, or the refund's own. */
  readonly TransactionNo: string;
  /** VNPay's transaction types: 01 payment, 02 full refund, 03 partial refund. */
  readonly TransactionType: '01' | '02' | '03';
  /** The refund's vnp_RequestId (the hub's refund_ref); empty for a payment. */
  readonly RefundRequestId: string;
  /** Whole VND, positive for both kinds; NOT the wire's × 100. */
  readonly Amount: bigint;
  /** VNPay's fee on this row, whole VND; the payout is Amount - Fee. */
  readonly Fee: bigint;
  /** When the payment or the refund happened; written as yyyyMMddHHmmss Vietnam time. */
  readonly PayDate: Date;
  readonly ResponseCode: string;
  readonly TransactionStatus: string;
}

export interface VnpaySettlementOptions {
  /**
   * The terminal the file must be about; a row for another is a bad row. When absent the first row's
   * TmnCode is the file's, and every other row must match it.
   */
  readonly tmn_code?: string;
}

function badRow(line: number, message: string): SettlementFileError {
  return new SettlementFileError('bad_row', line, message);
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** yyyyMMddHHmmss in Vietnam time; local because shared/time's pattern formatter is slow per row. */
export function formatPayDate(date: Date): string {
  const shifted = new Date(date.getTime() + VIETNAM_OFFSET_MS);
  return (
    String(shifted.getUTCFullYear()).padStart(4, '0') +
    pad2(shifted.getUTCMonth() + 1) +
    pad2(shifted.getUTCDate()) +
    pad2(shifted.getUTCHours()) +
    pad2(shifted.getUTCMinutes()) +
    pad2(shifted.getUTCSeconds())
  );
}

/** Two digits at `at`, or -1; char codes rather than a regex because this runs on every row. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses yyyyMMddHHmmss Vietnam time; null unless it names a real instant (no 31 November, no 24:00). */
export function parsePayDate(text: string): Date | null {
  if (text.length !== 14) return null;
  const century = twoDigits(text, 0);
  const yearLow = twoDigits(text, 2);
  const month = twoDigits(text, 4);
  const day = twoDigits(text, 6);
  const hour = twoDigits(text, 8);
  const minute = twoDigits(text, 10);
  const second = twoDigits(text, 12);
  if (century < 0 || yearLow < 0 || month < 1 || month > 12 || day < 1) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const year = century * 100 + yearLow;
  // Date.UTC reads years below 100 as 19xx; no VNPay transaction predates the epoch anyway.
  if (year < 1970) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days_max = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  // Checked here because Date.UTC would roll 31 November over to 1 December without a word.
  if (day > days_max) return null;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - VIETNAM_OFFSET_MS);
}

/** Years a PayDate can be written in (four digits, and parsePayDate's lower bound). */
const PAY_DATE_MS_MIN = Date.UTC(1970, 0, 1) - VIETNAM_OFFSET_MS;
const PAY_DATE_MS_MAX = Date.UTC(10000, 0, 1) - VIETNAM_OFFSET_MS;

/** The writer refuses what the parser would refuse, so a generated file is always readable. */
function checkRecord(record: VnpaySettlementRecord, index: number): void {
  const isPayment = record.TransactionType === '01';
  const statuses = isPayment ? PAYMENT_STATUS : REFUND_STATUS;
  const ok =
    TMN_CODE.test(record.TmnCode) &&
    REFERENCE.test(record.TxnRef) &&
    TRANSACTION_NO.test(record.TransactionNo) &&
    (isPayment
      ? record.RefundRequestId === ''
      : (record.TransactionType === '02' || record.TransactionType === '03') &&
        REFERENCE.test(record.RefundRequestId)) &&
    typeof record.Amount === 'bigint' &&
    record.Amount > 0n &&
    typeof record.Fee === 'bigint' &&
    record.Fee >= 0n &&
    record.Fee <= record.Amount &&
    statuses.has(`${record.ResponseCode}|${record.TransactionStatus}`) &&
    record.PayDate instanceof Date &&
    record.PayDate.getTime() >= PAY_DATE_MS_MIN &&
    record.PayDate.getTime() < PAY_DATE_MS_MAX;
  if (!ok) throw new RangeError(`vnpay settlement record ${index} cannot be written in the file format`);
}

/**
 * The file's lines, each ending in `\n`: the header, one line per record, the trailer. A generator, so
 * a million rows stream without being held in memory.
 */
export function writeSettlementFile(records: Iterable<VnpaySettlementRecord>): Generator<string> {
  return writeSettlementCsv(VNPAY_SETTLEMENT_COLUMNS, records, formatRecord);
}

function formatRecord(record: VnpaySettlementRecord, index: number): SettlementLine {
  checkRecord(record, index);
  // References are [A-Za-z0-9_-] (checked above), so only csvField's cheap test runs on them.
  const line =
    `${record.TmnCode},${csvField(record.TxnRef)},${record.TransactionNo},${record.TransactionType},` +
    `${csvField(record.RefundRequestId)},${record.Amount},${record.Fee},${formatPayDate(record.PayDate)},` +
    `${record.ResponseCode},${record.TransactionStatus}`;
  return { line, amount: record.Amount, fee: record.Fee };
}

/**
 * The rows of a VNPay settlement file, in file order. Throws SettlementFileError at the first fault
 * (readSettlementCsv lists them); a row for another terminal is `bad_row`. Rows are yielded before the
 * trailer is checked, so an importer must refuse the whole file on an error.
 */
export function parseSettlementFile(
  stream: AsyncIterable<string | Buffer>,
  options: VnpaySettlementOptions = {},
): AsyncGenerator<SettlementRow> {
  // The file's terminal: configured, or else the first row's, which every later row must match.
  let terminal = options.tmn_code ?? null;
  function parseRow(fields: string[], line: number): SettlementRow {
    const [tmnCode, txnRef, transactionNo, type, refundRequestId, amountText, feeText, payDate, rc, ts] =
      fields as [string, string, string, string, string, string, string, string, string, string];
    if (terminal === null) {
      if (!TMN_CODE.test(tmnCode)) throw badRow(line, 'TmnCode is not a terminal code');
      terminal = tmnCode;
    } else if (tmnCode !== terminal) {
      throw badRow(line, 'TmnCode is not the file terminal');
    }
    if (!REFERENCE.test(txnRef)) throw badRow(line, 'TxnRef is not a reference');
    if (!TRANSACTION_NO.test(transactionNo)) throw badRow(line, 'TransactionNo must be digits');
    let kind: SettlementRow['kind'];
    let refund_ref: string | null;
    let statuses: ReadonlyMap<string, PaymentStatus>;
    if (type === '01') {
      if (refundRequestId !== '') throw badRow(line, 'a payment row has no RefundRequestId');
      kind = 'payment';
      refund_ref = null;
      statuses = PAYMENT_STATUS;
    } else if (type === '02' || type === '03') {
      if (!REFERENCE.test(refundRequestId)) throw badRow(line, 'RefundRequestId is not a reference');
      kind = 'refund';
      refund_ref = refundRequestId;
      statuses = REFUND_STATUS;
    } else {
      throw badRow(line, 'TransactionType must be 01, 02 or 03');
    }
    const amount = parseWholeAmount(amountText);
    if (amount === null || amount < 1n) throw badRow(line, 'Amount must be a positive whole number of VND');
    const fee = parseWholeAmount(feeText);
    if (fee === null || fee > amount) throw badRow(line, 'Fee must be a whole number not above Amount');
    const transacted_at = parsePayDate(payDate);
    if (transacted_at === null) throw badRow(line, 'PayDate must be yyyyMMddHHmmss');
    const status = statuses.get(`${rc}|${ts}`);
    if (status === undefined) throw badRow(line, 'ResponseCode/TransactionStatus is not a final state');
    return {
      gateway: 'vnpay',
      kind,
      merchant_ref: txnRef,
      gateway_txn_id: transactionNo,
      refund_ref,
      amount,
      fee,
      currency: 'VND',
      status,
      transacted_at,
      line,
    };
  }
  return readSettlementCsv(stream, { header: VNPAY_SETTLEMENT_COLUMNS, parseRow });
}
