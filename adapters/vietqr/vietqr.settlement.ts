// VietQR has no settlement file of its own: the day's truth is the collection account's bank statement.
// This reads and writes that statement as CSV (an assumed format, docs/adapters/vietqr.md) so daily
// reconciliation can find every credit, including those whose notification never arrived.
import { SettlementFileError, type SettlementRow } from '../contract';
import { csvField, parseWholeAmount } from '../shared/csv';
import {
  readSettlementCsv,
  SETTLEMENT_TRAILER,
  writeSettlementCsv,
  type SettlementLine,
} from '../shared/settlement';
import {
  findInNormalized,
  normalizeDescription,
  VIETQR_REFERENCE_SHAPE,
  type VietQrReferenceShape,
} from './vietqr.matcher';
import { formatVietnamIso, parseIsoWithOffset } from './vietqr.notification';

/** The header row, exactly. */
export const VIETQR_STATEMENT_COLUMNS = [
  'bank_ref',
  'transferred_at',
  'amount',
  'fee',
  'description',
] as const;
/** The first field of the trailer row: `TOTAL,<rows>,<amount total>,<fee total>`. */
export const VIETQR_STATEMENT_TRAILER = SETTLEMENT_TRAILER;

/** One credit to the collection account, as the statement lists it. */
export interface VietQrStatementEntry {
  readonly bank_ref: string;
  readonly transferred_at: Date;
  readonly amount: bigint;
  /** What the bank charged on this credit; 0 when nothing. */
  readonly fee?: bigint;
  readonly description: string;
}

const BANK_REF = /^[\x21-\x7e]{1,64}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;
const ZERO = 48;

/** Two ASCII digits at `at` as a number (the caller has checked the text's shape). */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - ZERO) * 10 + (text.charCodeAt(at + 1) - ZERO);
}

/**
 * `yyyy-MM-ddTHH:mm:ss` + `Z` or `±HH:MM` as an instant. A statement's rows share a few days: the date
 * and offset are validated once (by parseIsoWithOffset) and cached, the time of day is arithmetic, so
 * the per-row cost stays small.
 */
class StatementTimes {
  readonly #midnights = new Map<string, number>();
  #last_text = '';
  #last_midnight_ms = 0;

  parse(text: string): Date | null {
    if (!TIME.test(text)) return null;
    const last = this.#last_text;
    // Consecutive rows mostly share the date and offset: compare with the last one before any lookup.
    const same =
      last.length === text.length && text.startsWith(last.slice(0, 10)) && text.endsWith(last.slice(19));
    const midnight_ms = same ? this.#last_midnight_ms : this.#midnight(text);
    if (midnight_ms === null) return null;
    this.#last_text = text;
    this.#last_midnight_ms = midnight_ms;
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    const second = twoDigits(text, 17);
    if (hour > 23 || minute > 59 || second > 59) return null;
    return new Date(midnight_ms + ((hour * 60 + minute) * 60 + second) * 1000);
  }

  #midnight(text: string): number | null {
    const key = text.slice(0, 10) + text.slice(19);
    let midnight_ms = this.#midnights.get(key);
    if (midnight_ms === undefined) {
      const midnight = parseIsoWithOffset(`${text.slice(0, 10)}T00:00:00${text.slice(19)}`);
      if (midnight === null) return null;
      // Every day of a statement period at most: the cache stays small, but has a limit all the same.
      if (this.#midnights.size >= 1_000) this.#midnights.clear();
      midnight_ms = midnight.getTime();
      this.#midnights.set(key, midnight_ms);
    }
    return midnight_ms;
  }
}

/** The statement as CSV: header, one row per entry, trailer with the count and totals; LF line ends. */
export function writeSettlementFile(entries: Iterable<VietQrStatementEntry>): string {
  return [...writeSettlementCsv(VIETQR_STATEMENT_COLUMNS, entries, formatEntry)].join('');
}

function formatEntry(entry: VietQrStatementEntry): SettlementLine {
  const fee = entry.fee ?? 0n;
  const line =
    `${csvField(entry.bank_ref)},${formatVietnamIso(entry.transferred_at)},${entry.amount},${fee},` +
    csvField(entry.description);
  return { line, amount: entry.amount, fee };
}

/**
 * Reads a statement CSV as settlement rows, streaming: merchant_ref is the payment reference found in
 * the description when exactly one is found (else ''), gateway_txn_id the bank_ref, status succeeded
 * (a statement lists only booked credits). Throws SettlementFileError at the first fault
 * (readSettlementCsv lists them).
 */
export function parseSettlementFile(
  stream: AsyncIterable<string | Buffer>,
  shape: VietQrReferenceShape = VIETQR_REFERENCE_SHAPE,
): AsyncGenerator<SettlementRow> {
  const times = new StatementTimes();
  function parseRow(fields: string[], line: number): SettlementRow {
    const [bank_ref, time_text, amount_text, fee_text, description] = fields as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!BANK_REF.test(bank_ref)) throw new SettlementFileError('bad_row', line, 'bad bank_ref');
    const transacted_at = times.parse(time_text);
    if (transacted_at === null) throw new SettlementFileError('bad_row', line, 'bad transferred_at');
    const amount = parseWholeAmount(amount_text);
    if (amount === null || amount === 0n) throw new SettlementFileError('bad_row', line, 'bad amount');
    const fee = parseWholeAmount(fee_text);
    if (fee === null || fee > amount) throw new SettlementFileError('bad_row', line, 'bad fee');
    const references = findInNormalized(normalizeDescription(description), shape, 2);
    return {
      gateway: 'vietqr',
      kind: 'payment',
      merchant_ref: references.length === 1 ? (references[0] as string) : '',
      gateway_txn_id: bank_ref,
      refund_ref: null,
      amount,
      fee,
      currency: 'VND',
      status: 'succeeded',
      transacted_at,
      line,
    };
  }
  return readSettlementCsv(stream, { header: VIETQR_STATEMENT_COLUMNS, parseRow });
}
