// ZaloPay's daily settlement file (format "per contract", so assumed here; see docs/adapters/zalopay.md):
// one reader the client exposes and one writer the simulator and benchmarks use, so both sides agree.
import { SettlementFileError, type PaymentStatus, type SettlementRow } from '../contract';
import { csvField, parseWholeAmount } from '../shared/csv';
import { readSettlementCsv, writeSettlementCsv, type SettlementLine } from '../shared/settlement';

/** The header, in ZaloPay's own field names, in this order. */
export const ZALOPAY_SETTLEMENT_COLUMNS = [
  'app_id',
  'app_trans_id',
  'zp_trans_id',
  'type',
  'm_refund_id',
  'amount',
  'fee_amount',
  'status',
  'server_time',
] as const;

/** ZaloPay's transaction state as the file writes it: 1 done, 2 failed, 3 processing (as in query). */
export type ZalopaySettlementStatus = 1 | 2 | 3;

/** One data row, in wire terms. */
export interface ZalopaySettlementEntry {
  readonly app_id: number | string;
  readonly app_trans_id: string;
  /** The payment's zp_trans_id, on refund rows too: it ties the refund to the payment. */
  readonly zp_trans_id: string;
  readonly type: 'payment' | 'refund';
  /** `yymmdd_appid_refundref` on refund rows; empty on payment rows. */
  readonly m_refund_id: string;
  readonly amount: bigint;
  readonly fee_amount: bigint;
  readonly status: ZalopaySettlementStatus;
  /** Milliseconds since the epoch, as in ZaloPay's callbacks and queries. */
  readonly server_time: number;
}

const APP_ID = /^\d{1,12}$/;
const APP_TRANS_ID = /^\d{6}_([A-Za-z0-9_-]{1,33})$/;
const M_REFUND_ID = /^\d{6}_(\d{1,12})_([A-Za-z0-9_-]{1,32})$/;
const ZP_TRANS_ID = /^\d{1,20}$/;
const SERVER_TIME = /^\d{1,15}$/;
const STATUS: ReadonlyMap<string, PaymentStatus> = new Map([
  ['1', 'succeeded'],
  ['2', 'failed'],
  ['3', 'pending'],
]);

/**
 * The lines of a settlement file, header and `TOTAL,<rows>,<sum amount>,<sum fee>` trailer included,
 * each ending in `\n`. A generator, so a million rows never sit in memory at once.
 */
export function writeSettlementFile(rows: Iterable<ZalopaySettlementEntry>): Generator<string> {
  return writeSettlementCsv(ZALOPAY_SETTLEMENT_COLUMNS, rows, formatEntry);
}

function formatEntry(row: ZalopaySettlementEntry): SettlementLine {
  const line =
    `${row.app_id},${csvField(row.app_trans_id)},${row.zp_trans_id},${row.type},` +
    `${csvField(row.m_refund_id)},${row.amount},${row.fee_amount},${row.status},${row.server_time}`;
  return { line, amount: row.amount, fee: row.fee_amount };
}

export interface ZalopaySettlementOptions {
  /**
   * The app whose file this is: a row for another app_id is `bad_row`. When absent, every row must
   * carry the first data row's app_id.
   */
  readonly app_id?: number;
}

function bad(line: number, message: string): SettlementFileError {
  return new SettlementFileError('bad_row', line, message);
}

/**
 * Reads a settlement file as normalized rows. Throws SettlementFileError at the first fault
 * (readSettlementCsv lists them); a row for another app is `bad_row`. Rows are yielded as read; an
 * importer must discard them all if the file throws.
 */
export function parseSettlementFile(
  stream: AsyncIterable<string | Buffer>,
  options: ZalopaySettlementOptions = {},
): AsyncGenerator<SettlementRow> {
  let appId = options.app_id === undefined ? null : String(options.app_id);
  function parseRow(fields: string[], line: number): SettlementRow {
    const [rowAppId, appTransId, zpTransId, type, mRefundId, amountText, feeText, statusText, timeText] =
      fields as [string, string, string, string, string, string, string, string, string];
    // Cheap checks first and one regex per field at most: parsing must keep up with million-row files.
    if (rowAppId !== appId) {
      if (appId !== null || !APP_ID.test(rowAppId)) throw bad(line, 'app_id is not this app');
      appId = rowAppId;
    }
    if (!APP_TRANS_ID.test(appTransId)) throw bad(line, 'app_trans_id must be yymmdd_ and a reference');
    if (!ZP_TRANS_ID.test(zpTransId)) throw bad(line, 'zp_trans_id must be digits');
    let refundRef: string | null = null;
    if (type === 'refund') {
      const refund = M_REFUND_ID.exec(mRefundId);
      if (!refund || refund[1] !== appId) throw bad(line, 'm_refund_id must be yymmdd_appid_ref');
      refundRef = refund[2] as string;
    } else if (type !== 'payment') {
      throw bad(line, 'type must be payment or refund');
    } else if (mRefundId !== '') {
      throw bad(line, 'a payment row has no m_refund_id');
    }
    const amount = parseWholeAmount(amountText);
    if (amount === null || amount < 1n) throw bad(line, 'amount must be a positive whole number');
    const fee = parseWholeAmount(feeText);
    if (fee === null) throw bad(line, 'fee_amount must be a whole number');
    const status = STATUS.get(statusText);
    if (status === undefined) throw bad(line, 'status must be 1, 2 or 3');
    // Number() alone would take "1e12" or " 5"; the regex keeps it to digits.
    if (!SERVER_TIME.test(timeText)) throw bad(line, 'server_time must be ms since the epoch');
    const transactedAt = new Date(Number(timeText));
    if (Number.isNaN(transactedAt.getTime())) throw bad(line, 'server_time is out of range');
    return {
      gateway: 'zalopay',
      kind: refundRef === null ? 'payment' : 'refund',
      merchant_ref: appTransId.slice(7),
      gateway_txn_id: zpTransId,
      refund_ref: refundRef,
      amount,
      fee,
      currency: 'VND',
      status,
      transacted_at: transactedAt,
      line,
    };
  }
  return readSettlementCsv(stream, { header: ZALOPAY_SETTLEMENT_COLUMNS, parseRow });
}
