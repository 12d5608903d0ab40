// ZaloPay's macs: hex HMAC-SHA256 over pipe-joined fields, key1 for what we send and key2 for the
// callbacks ZaloPay sends. Byte-exact, because ZaloPay recomputes them.
import { createHmac } from 'node:crypto';
import { safeEqualHex } from '../shared/crypto';

/** hex(HMAC-SHA256(key, utf8(data))), lowercase. */
export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(data, 'utf8').digest('hex');
}

export interface CreateMacFields {
  readonly app_id: string | number;
  readonly app_trans_id: string;
  readonly app_user: string;
  readonly amount: string | number | bigint;
  readonly app_time: string | number;
  readonly embed_data: string;
  readonly item: string;
}

/** `app_id|app_trans_id|app_user|amount|app_time|embed_data|item` (zalopay.md, create). */
export function createMacInput(fields: CreateMacFields): string {
  return [
    fields.app_id,
    fields.app_trans_id,
    fields.app_user,
    fields.amount,
    fields.app_time,
    fields.embed_data,
    fields.item,
  ].join('|');
}

export function createMac(fields: CreateMacFields, key1: string): string {
  return hmacSha256Hex(key1, createMacInput(fields));
}

/** query: `app_id|app_trans_id|key1`. The input holds the key, so it is built here and never returned. */
export function queryMac(app_id: string | number, app_trans_id: string, key1: string): string {
  return hmacSha256Hex(key1, `${app_id}|${app_trans_id}|${key1}`);
}

export interface RefundMacFields {
  readonly app_id: string | number;
  readonly zp_trans_id: string;
  readonly amount: string;
  readonly refund_fee_amount?: string;
  readonly description: string;
  readonly timestamp: string;
}

/** `app_id|zp_trans_id|amount|description|timestamp`, with `|refund_fee_amount` after amount when set. */
export function refundMacInput(fields: RefundMacFields): string {
  const fee = fields.refund_fee_amount === undefined ? [] : [fields.refund_fee_amount];
  return [
    fields.app_id,
    fields.zp_trans_id,
    fields.amount,
    ...fee,
    fields.description,
    fields.timestamp,
  ].join('|');
}

export function refundMac(fields: RefundMacFields, key1: string): string {
  return hmacSha256Hex(key1, refundMacInput(fields));
}

/** query_refund: `app_id|m_refund_id|timestamp`. */
export function queryRefundMac(
  app_id: string | number,
  m_refund_id: string,
  timestamp: string,
  key1: string,
): string {
  return hmacSha256Hex(key1, `${app_id}|${m_refund_id}|${timestamp}`);
}

/** The callback's mac: key2 over the `data` string exactly as received, compared in constant time. */
export function verifyCallbackMac(data: string, mac: string, key2: string): boolean {
  return safeEqualHex(mac, hmacSha256Hex(key2, data));
}

/** The fields of ZaloPay's browser redirect, in the order its checksum joins them [2nd]. */
export const REDIRECT_FIELDS = [
  'appid',
  'apptransid',
  'pmcid',
  'bankcode',
  'amount',
  'discountamount',
  'status',
] as const;

/** The redirect's checksum: key2 over the seven fields joined with `|`, compared in constant time. */
export function verifyRedirectChecksum(
  fields: Readonly<Record<(typeof REDIRECT_FIELDS)[number], string>>,
  checksum: string,
  key2: string,
): boolean {
  return safeEqualHex(checksum, hmacSha256Hex(key2, REDIRECT_FIELDS.map((name) => fields[name]).join('|')));
}
