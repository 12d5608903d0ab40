// The batch file a payout hands to the treasury or the bank, as pure code: CSV (RFC 4180, UTF-8, CRLF),
// one line per agency, a totals line, and a checksum line with the SHA-256 of everything before it, so
// the receiver can tell a complete, unaltered file from a cut or edited one (docs/reports.md#payouts).
import { createHash } from 'node:crypto';
import { csvField } from '../../adapters/shared/csv';
import { formatVietnamTime } from '../../adapters/shared/time';

export const PAYOUT_FILE_COLUMNS = [
  'record',
  'payout',
  'line',
  'biller',
  'biller_name',
  'bank',
  'account_number',
  'account_name',
  'amount',
  'currency',
  'note',
] as const;

export interface PayoutFileItem {
  id: string;
  line: number;
  biller_id: string;
  biller_name: string;
  amount: bigint;
  bank: string | null;
  account_number: string | null;
  account_name: string | null;
}

export interface PayoutFileInput {
  id: string;
  created_at: Date;
  items: readonly PayoutFileItem[];
}

export interface PayoutFile {
  content: string;
  /** Hex SHA-256 of the content before the checksum line (its `C` record carries the same). */
  sha256: string;
}

const CRLF = '\r\n';

function record(fields: readonly (string | number | bigint | null)[]): string {
  return fields.map((field) => csvField(field === null ? '' : String(field))).join(',') + CRLF;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The whole file; items in line order. Deterministic: the same rows always give the same bytes. */
export function payoutFile(input: PayoutFileInput): PayoutFile {
  const items = [...input.items].sort((a, b) => a.line - b.line);
  let body = record(PAYOUT_FILE_COLUMNS);
  let total = 0n;
  for (const item of items) {
    total += item.amount;
    body += record([
      'D',
      input.id,
      item.line,
      item.biller_id,
      item.biller_name,
      item.bank,
      item.account_number,
      item.account_name,
      item.amount,
      'VND',
      // The transfer's description at the bank: ASCII only, and enough to find the item again.
      `PAYHUB ${item.id}`,
    ]);
  }
  body += record([
    'T',
    input.id,
    items.length,
    null,
    null,
    null,
    null,
    null,
    total,
    'VND',
    `created ${formatVietnamTime(input.created_at, 'yyyy-MM-dd HH:mm:ss')} +07:00`,
  ]);
  const sha256 = sha256Hex(body);
  const trailer = record(['C', input.id, null, null, null, null, null, null, null, null, `sha256:${sha256}`]);
  return { content: body + trailer, sha256 };
}

/**
 * Checks a received file: its last line is the checksum record and the SHA-256 of everything before it
 * matches. What a receiver does, written once so the tests and the documentation agree.
 */
export function checkPayoutFile(content: string): { ok: boolean; sha256: string | null } {
  const match = /(?:^|\r\n)(C,[^\r\n]*,sha256:([0-9a-f]{64}))\r\n$/.exec(content);
  if (!match) return { ok: false, sha256: null };
  const body = content.slice(0, content.length - match[1]!.length - CRLF.length);
  return { ok: sha256Hex(body) === match[2], sha256: match[2]! };
}
