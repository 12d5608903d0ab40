// VNPay's signatures: HMAC-SHA512 over the sorted, form-urlencoded vnp_ query (pay URL, return URL,
// IPN) and over pipe-joined fields (querydr, refund). Byte-exact, because VNPay recomputes them.
import { createHmac } from 'node:crypto';
import { safeEqualHex } from '../shared/crypto';

/** Characters on which encoders disagree (encodeURIComponent leaves them, PHP urlencode escapes them). */
const DISPUTED = /[!'()*~]/;

/**
 * Form-urlencodes one value as vnpay.md says (and as PHP's urlencode does): space becomes `+`, every
 * byte other than A-Z a-z 0-9 - _ . becomes %XX with uppercase hex.
 */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** The encoding of VNPay's Node demo (encodeURIComponent, then space as `+`). */
function formEncodeNodeDemo(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/**
 * The string VNPay signs: vnp_ fields only, without empty values and without vnp_SecureHash /
 * vnp_SecureHashType, sorted by key in ASCII order, `k=v` joined by `&`.
 */
export function canonicalQuery(
  params: Readonly<Record<string, string | undefined>>,
  encode: (value: string) => string = formEncode,
): string {
  return Object.keys(params)
    .filter((key) => key.startsWith('vnp_') && key !== 'vnp_SecureHash' && key !== 'vnp_SecureHashType')
    .filter((key) => params[key] !== undefined && params[key] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${encode(key)}=${encode(params[key] as string)}`)
    .join('&');
}

/** hex(HMAC-SHA512(secret, utf8(data))), lowercase. */
export function hmacSha512Hex(secret: string, data: string): string {
  return createHmac('sha512', Buffer.from(secret, 'utf8')).update(data, 'utf8').digest('hex');
}

export function signQuery(params: Readonly<Record<string, string | undefined>>, secret: string): string {
  return hmacSha512Hex(secret, canonicalQuery(params));
}

/**
 * Verifies vnp_SecureHash over decoded query values, in constant time. When a value holds a character
 * the encoders disagree on, the Node demo's encoding is accepted as well: both are HMACs under our key
 * of the same values, so accepting either admits no forgery.
 */
export function verifyQuery(params: Readonly<Record<string, string | undefined>>, secret: string): boolean {
  const given = params.vnp_SecureHash ?? '';
  let ok = safeEqualHex(given, signQuery(params, secret));
  const disputed = Object.entries(params).some(([k, v]) => k.startsWith('vnp_') && v && DISPUTED.test(v));
  if (disputed)
    ok = safeEqualHex(given, hmacSha512Hex(secret, canonicalQuery(params, formEncodeNodeDemo))) || ok;
  return ok;
}

/** Pipe-joined data for querydr/refund requests and responses; absent fields count as empty. */
export function pipeJoin(values: readonly (string | undefined)[]): string {
  return values.map((value) => value ?? '').join('|');
}

/** Field order of the signed strings, from vnpay.md (requests [doc], responses [2nd]). */
export const QUERYDR_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_TransactionDate',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const REFUND_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TransactionType',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_TransactionNo',
  'vnp_TransactionDate',
  'vnp_CreateBy',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const QUERYDR_RESPONSE_FIELDS = [
  'vnp_ResponseId',
  'vnp_Command',
  'vnp_ResponseCode',
  'vnp_Message',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_PayDate',
  'vnp_TransactionNo',
  'vnp_TransactionType',
  'vnp_TransactionStatus',
  'vnp_OrderInfo',
  'vnp_PromotionCode',
  'vnp_PromotionAmount',
] as const;

export const REFUND_RESPONSE_FIELDS = QUERYDR_RESPONSE_FIELDS.slice(0, -2);

/** Signs a querydr/refund body (or checks a response) by its field list. */
export function signFields(
  body: Readonly<Record<string, string | undefined>>,
  fields: readonly string[],
  secret: string,
): string {
  return hmacSha512Hex(secret, pipeJoin(fields.map((field) => body[field])));
}
