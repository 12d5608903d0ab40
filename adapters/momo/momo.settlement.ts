// MoMo's daily reconciliation file is agreed "per contract" and not published, so its format here is
// assumed (docs/adapters/momo.md): this parser turns it into contract rows and the writer produces it.
import { SettlementFileError, type PaymentStatus, type SettlementRow } from '../contract';
import { csvField, parseWholeAmount } from '../shared/csv';
import {
  readSettlementCsv,
  SETTLEMENT_TRAILER,
  writeSettlementCsv,
  type SettlementLine,
} from '../shared/settlement';

/** The header, exactly: MoMo's own field names where the API has them [assumed]. */
export const MOMO_SETTLEMENT_COLUMNS = [
  'partnerCode',
  'orderId',
  'transId',
  'type',
  'refundOrderId',
  'amount',
  'fee',
  'resultCode',
  'responseTime',
] as const;

/** First field of the last line: `TOTAL,<row count>,<sum of amount>,<sum of fee>`. */
export const MOMO_SETTLEMENT_TRAILER = SETTLEMENT_TRAILER;

/** momo.md's orderId pattern, with its 200-character limit (files may hold other systems' orders). */
const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const ORDER_ID_LENGTH_MAX = 200;
const PARTNER_CODE = /^[A-Za-z0-9]{1,50}$/;
const TRANS_ID = /^\d{1,19}$/;
/** responseTime is milliseconds since the epoch, as in the API (15 digits reach the year 33658). */
const EPOCH_MS = /^\d{1,15}$/;

/**
 * The result codes a settled row may carry: only final ones. A pending code (7000, 1000 ...) or one
 * this table does not know has no business in a settlement file, so it is a bad row, not a guess.
 */
const ROW_STATUS: ReadonlyMap<string, PaymentStatus> = new Map([
  ['0', 'succeeded'],
  ['1001', 'failed'],
  ['1002', 'failed'],
  ['1003', 'failed'],
  ['1004', 'failed'],
  ['1005', 'failed'],
  ['1006', 'failed'],
]);

/** One row as the file spells it; the writer's input. */
export interface MomoSettlementRecord {
  readonly partnerCode: string;
  /** The payment's orderId (the hub's merchant_ref), for payments and refunds alike. */
  readonly orderId: string;
  /** MoMo's id of this transaction: the payment's transId, or the refund's own transId. */
  readonly transId: string;
  readonly type: 'payment' | 'refund';
  /** The refund's orderId (the hub's refund_ref); empty for a payment. */
  readonly refundOrderId: string;
  /** Positive, whole VND, for both types. */
  readonly amount: bigint;
  /** MoMo's fee on this row, whole VND; the payout is amount - fee. */
  readonly fee: bigint;
  readonly resultCode: number;
  readonly responseTime: Date;
}

export interface MomoSettlementOptions {
  /**
   * The partner the file must be about; a row for another is a bad row. When absent the first row's
   * partnerCode is the file's, and every other row must match it.
   */
  readonly partner_code?: string;
}

function badRow(line: number, message: string): SettlementFileError {
  return new SettlementFileError('bad_row', line, message);
}

/** The writer refuses what the parser would refuse, so a generated file is always readable. */
function checkRecord(record: MomoSettlementRecord, index: number): void {
  const ok =
    PARTNER_CODE.test(record.partnerCode) &&
    ORDER_ID.test(record.orderId) &&
    TRANS_ID.test(record.transId) &&
    (record.type === 'payment'
      ? record.refundOrderId === ''
      : record.type === 'refund' && ORDER_ID.test(record.refundOrderId)) &&
    typeof record.amount === 'bigint' &&
    record.amount > 0n &&
    typeof record.fee === 'bigint' &&
    record.fee >= 0n &&
    record.fee <= record.amount &&
    ROW_STATUS.has(String(record.resultCode)) &&
    Number.isSafeInteger(record.responseTime.getTime()) &&
    record.responseTime.getTime() >= 0;
  if (!ok) throw new RangeError(`momo settlement record ${index} cannot be written in the file format`);
}

/**
 * The file's lines, each ending in `\n`: the header, one line per record, the trailer. A generator, so
 * a million rows stream without being held in memory.
 */
export function writeSettlementFile(records: Iterable<MomoSettlementRecord>): Generator<string> {
  return writeSettlementCsv(MOMO_SETTLEMENT_COLUMNS, records, formatRecord);
}

function formatRecord(record: MomoSettlementRecord, index: number): SettlementLine {
  checkRecord(record, index);
  const line =
    `${csvField(record.partnerCode)},${csvField(record.orderId)},${record.transId},${record.type},` +
    `${csvField(record.refundOrderId)},${record.amount},${record.fee},${record.resultCode},` +
    `${record.responseTime.getTime()}`;
  return { line, amount: record.amount, fee: record.fee };
}

/**
 * The rows of a MoMo settlement file, in file order. Throws SettlementFileError at the first fault
 * (readSettlementCsv lists them); a row for another partner is `bad_row`. Rows are yielded before the
 * trailer is checked, so an importer must refuse the whole file on an error.
 */
export function parseSettlementFile(
  stream: AsyncIterable<string | Buffer>,
  options: MomoSettlementOptions = {},
): AsyncGenerator<SettlementRow> {
  // The file's partner: configured, or else the first row's, which every later row must match.
  let partner = options.partner_code ?? null;
  function parseRow(fields: string[], line: number): SettlementRow {
    const [partnerCode, orderId, transId, type, refundOrderId, amountText, feeText, resultCode, time] =
      fields as [string, string, string, string, string, string, string, string, string];
    if (partner === null) {
      if (!PARTNER_CODE.test(partnerCode)) throw badRow(line, 'partnerCode is not a partner code');
      partner = partnerCode;
    } else if (partnerCode !== partner) {
      throw badRow(line, 'partnerCode is not the file partner');
    }
    if (orderId.length > ORDER_ID_LENGTH_MAX || !ORDER_ID.test(orderId)) {
      throw badRow(line, 'orderId is not a MoMo orderId');
    }
    if (!TRANS_ID.test(transId)) throw badRow(line, 'transId must be digits');
    let refund_ref: string | null;
    if (type === 'payment') {
      if (refundOrderId !== '') throw badRow(line, 'a payment row has no refundOrderId');
      refund_ref = null;
    } else if (type === 'refund') {
      if (refundOrderId.length > ORDER_ID_LENGTH_MAX || !ORDER_ID.test(refundOrderId)) {
        throw badRow(line, 'refundOrderId is not a MoMo orderId');
      }
      refund_ref = refundOrderId;
    } else {
      throw badRow(line, 'type must be payment or refund');
    }
    const amount = parseWholeAmount(amountText);
    if (amount === null || amount < 1n) throw badRow(line, 'amount must be a positive whole number');
    const fee = parseWholeAmount(feeText);
    if (fee === null || fee > amount) throw badRow(line, 'fee must be a whole number not above amount');
    const status = ROW_STATUS.get(resultCode);
    if (status === undefined) throw badRow(line, 'resultCode is not a final MoMo result');
    if (!EPOCH_MS.test(time)) throw badRow(line, 'responseTime must be milliseconds since the epoch');
    return {
      gateway: 'momo',
      kind: type,
      merchant_ref: orderId,
      gateway_txn_id: transId,
      refund_ref,
      amount,
      fee,
      currency: 'VND',
      status,
      transacted_at: new Date(Number(time)),
      line,
    };
  }
  return readSettlementCsv(stream, { header: MOMO_SETTLEMENT_COLUMNS, parseRow });
}
