// MoMo's signatures: lowercase hex HMAC-SHA256 over `k=v&...` in a fixed key order per message, values
// as text and NOT url-encoded. Byte-exact, because MoMo recomputes them.
import { createHmac } from 'node:crypto';
import { safeEqualHex } from '../shared/crypto';

/** Key orders from momo.md [doc]; accessKey comes from our configuration, never from a body. */
export const CREATE_FIELDS = [
  'accessKey',
  'amount',
  'extraData',
  'ipnUrl',
  'orderId',
  'orderInfo',
  'partnerCode',
  'redirectUrl',
  'requestId',
  'requestType',
] as const;

export const IPN_FIELDS = [
  'accessKey',
  'amount',
  'extraData',
  'message',
  'orderId',
  'orderInfo',
  'orderType',
  'partnerCode',
  'payType',
  'requestId',
  'responseTime',
  'resultCode',
  'transId',
] as const;

export const QUERY_FIELDS = ['accessKey', 'orderId', 'partnerCode', 'requestId'] as const;

export const REFUND_FIELDS = [
  'accessKey',
  'amount',
  'description',
  'orderId',
  'partnerCode',
  'requestId',
  'transId',
] as const;

/** A signed value as MoMo writes it: strings as they are, integers as decimal text. */
export type RawValue = string | number | bigint;

/** The raw string: `k=v` for every listed key, in the listed order, joined by `&`; absent is empty. */
export function rawString(
  fields: readonly string[],
  values: Readonly<Record<string, RawValue | undefined>>,
): string {
  return fields.map((key) => `${key}=${values[key] === undefined ? '' : String(values[key])}`).join('&');
}

/** hex(HMAC-SHA256(secret, utf8(raw))), lowercase. */
export function hmacSha256Hex(secret: string, raw: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(raw, 'utf8').digest('hex');
}

export function sign(
  fields: readonly string[],
  values: Readonly<Record<string, RawValue | undefined>>,
  secret: string,
): string {
  return hmacSha256Hex(secret, rawString(fields, values));
}

/** Constant-time, case-insensitive check of a given signature against the one we compute. */
export function verify(
  fields: readonly string[],
  values: Readonly<Record<string, RawValue | undefined>>,
  signature: string,
  secret: string,
): boolean {
  return safeEqualHex(signature, sign(fields, values, secret));
}
