// The bank-transfer notification is how the hub learns of a VietQR payment (NAPAS sends no callback):
// this verifies its HMAC over the raw body, checks its JSON strictly and normalizes it, and does the same
// for the bank statement the hub reads to find transfers whose notification never arrived.
import { createHmac } from 'node:crypto';
import { AdapterError, type CallbackRejection, type CallbackRequest } from '../contract';
import { safeEqualHex } from '../shared/crypto';
import { formatVietnamTime, wallClockMs } from '../shared/time';

/** The header carrying hex HMAC-SHA256(notify secret, raw body) [inf]. */
export const VIETQR_SIGNATURE_HEADER = 'x-signature';

/** A verified, normalized bank-transfer notification: a credit to the collection account. */
export interface BankNotification {
  readonly account_no: string;
  /** VND, in dong. */
  readonly amount: bigint;
  /** The transfer message as the bank delivered it (the matcher finds the reference in it). */
  readonly description: string;
  /** The bank's own transaction reference: unique per transfer, the idempotency key. */
  readonly bank_ref: string;
  readonly transferred_at: Date;
}

export type BankNotificationResult =
  | {
      readonly ok: true;
      readonly notification: BankNotification;
      /** The five fields exactly as received (amount as its decimal text). */
      readonly raw: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly rejection: CallbackRejection };

export type BankStatementResult =
  | { readonly ok: true; readonly transactions: readonly BankNotification[] }
  | { readonly ok: false; readonly rejection: CallbackRejection };

export interface SignedRequest {
  readonly headers: CallbackRequest['headers'];
  readonly rawBody: CallbackRequest['rawBody'];
}

const HMAC_HEX_LENGTH = 64;
const ACCOUNT = /^[0-9A-Za-z]{1,19}$/;
/** Positive, no sign, no leading zero, no decimals; 19 digits keep it far from any real transfer. */
const AMOUNT_TEXT = /^[1-9]\d{0,18}$/;
/** Printable ASCII without spaces: a bank reference is an identifier, not text. */
const BANK_REF = /^[\x21-\x7e]{1,64}$/;
/** Longer descriptions are not bank transfer messages (NAPAS carries about 210 characters). */
const DESCRIPTION_LENGTH_MAX = 1_000;
/** Every statement read has a limit. */
export const STATEMENT_TRANSACTIONS_MAX = 10_000;
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Hex HMAC-SHA256 of the raw body: what the bank puts in X-Signature. */
export function signBankNotification(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * A notification's JSON body as the simulator (and the bank, as assumed) writes it: amount as a JSON
 * number when it is a safe integer, else as a digit string; the time in Vietnam time with `+07:00`.
 */
export function bankNotificationBody(notification: BankNotification): string {
  return JSON.stringify(bankNotificationJson(notification));
}

export function bankNotificationJson(notification: BankNotification): Record<string, string | number> {
  const amount = notification.amount;
  return {
    account_no: notification.account_no,
    amount: amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : amount.toString(),
    description: notification.description,
    bank_ref: notification.bank_ref,
    transferred_at: formatVietnamIso(notification.transferred_at),
  };
}

/** `yyyy-MM-ddTHH:mm:ss+07:00`: a bank's local time with its offset, to the second. */
export function formatVietnamIso(date: Date): string {
  return `${formatVietnamTime(date, 'yyyy-MM-ddTHH:mm:ss')}+07:00`;
}

/**
 * An ISO 8601 instant with a time zone (`Z` or `±HH:MM`), to the second or finer; null for anything
 * else, including a local time without offset and dates that do not exist (Feb 30, 24:00).
 */
export function parseIsoWithOffset(text: string): Date | null {
  const match = ISO_WITH_OFFSET.exec(text);
  if (!match) return null;
  const sign = match[7] === '-' ? -1 : 1;
  const offset_hours = Number(match[8] ?? 0);
  const offset_minutes = Number(match[9] ?? 0);
  if (offset_hours > 14 || offset_minutes > 59) return null;
  const wall = wallClockMs(match);
  if (wall === null) return null;
  const date = new Date(Date.parse(text));
  const offset_ms = sign * (offset_hours * 60 + offset_minutes) * 60_000;
  // Date.parse keeps the fraction; it must agree with the fields read above.
  if (Math.abs(date.getTime() - (wall - offset_ms)) >= 1_000) return null;
  return date;
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function rejection(
  reason: CallbackRejection['reason'],
  detail: string,
): { ok: false; rejection: CallbackRejection } {
  return { ok: false, rejection: { reason, detail } };
}

/**
 * The signature first, over the raw bytes exactly as received: nothing in the body is read before it
 * is verified. Returns the body's bytes, or a rejection.
 */
function verifiedBody(
  request: SignedRequest,
  secret: string,
): { ok: true; bytes: Buffer } | { ok: false; rejection: CallbackRejection } {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new AdapterError('vietqr_config_invalid', 'vietqr notify_secret is missing', 'notify_secret');
  }
  const signature = header(request.headers ?? {}, VIETQR_SIGNATURE_HEADER);
  if (signature === undefined || signature.length !== HMAC_HEX_LENGTH) {
    return rejection('bad_signature', 'X-Signature is missing or not 64 hex digits');
  }
  const raw = request.rawBody;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : '', 'utf8');
  if (!safeEqualHex(signBankNotification(bytes, secret), signature)) {
    return rejection('bad_signature', 'X-Signature does not match the body');
  }
  return { ok: true, bytes };
}

/** The verified body (verifiedBody) as strict UTF-8 JSON, or a rejection: notification and statement alike. */
function verifiedJson(
  request: SignedRequest,
  secret: string,
): { ok: true; value: unknown } | { ok: false; rejection: CallbackRejection } {
  const body = verifiedBody(request, secret);
  if (!body.ok) return body;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
  } catch {
    return rejection('malformed', 'body is not UTF-8');
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return rejection('malformed', 'body is not JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type TransactionResult =
  | { ok: true; notification: BankNotification; raw: Record<string, string> }
  | { ok: false; rejection: CallbackRejection };

/**
 * One transaction object, field by field (shape first, then the account, so `wrong_merchant` is only
 * said of an otherwise well-formed transfer). Fields other than the five are ignored: they are signed,
 * and a bank adding one must not stop every payment.
 */
function readTransaction(value: unknown, account_no: string, where: string): TransactionResult {
  if (!isObject(value))
    return rejection('malformed', `${where === '' ? 'body' : where.slice(0, -1)} is not a JSON object`);
  const { account_no: account, amount, description, bank_ref, transferred_at } = value;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    return rejection('malformed', `${where}account_no must be 1 to 19 letters and digits`);
  }
  let amount_text: string;
  if (typeof amount === 'number') {
    // A number beyond 2^53 may already have been rounded by the JSON reader: refuse it, ask for a string.
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return rejection('malformed', `${where}amount must be a positive safe integer or a digit string`);
    }
    amount_text = String(amount);
  } else if (typeof amount === 'string' && AMOUNT_TEXT.test(amount)) {
    amount_text = amount;
  } else {
    return rejection('malformed', `${where}amount must be a positive safe integer or a digit string`);
  }
  if (typeof description !== 'string' || description.length > DESCRIPTION_LENGTH_MAX) {
    return rejection(
      'malformed',
      `${where}description must be a string of at most ${DESCRIPTION_LENGTH_MAX}`,
    );
  }
  if (typeof bank_ref !== 'string' || !BANK_REF.test(bank_ref)) {
    return rejection('malformed', `${where}bank_ref must be 1 to 64 printable characters without spaces`);
  }
  const at = typeof transferred_at === 'string' ? parseIsoWithOffset(transferred_at) : null;
  if (at === null) {
    return rejection('malformed', `${where}transferred_at must be an ISO 8601 time with an offset`);
  }
  if (account !== account_no)
    return rejection('wrong_merchant', `${where}account_no is not the collection account`);
  return {
    ok: true,
    notification: {
      account_no: account,
      amount: BigInt(amount_text),
      description,
      bank_ref,
      transferred_at: at,
    },
    raw: {
      account_no: account,
      amount: amount_text,
      description,
      bank_ref,
      transferred_at: transferred_at as string,
    },
  };
}

/**
 * Verifies a bank-transfer notification: X-Signature (hex HMAC-SHA256 over the raw body, constant-time,
 * either case) -> `bad_signature`; UTF-8 JSON object with the five fields -> `malformed`; account_no
 * equal to the collection account -> `wrong_merchant`. Throws AdapterError only for a missing secret.
 */
export function verifyBankNotification(
  request: SignedRequest,
  secret: string,
  expected: { readonly account_no: string },
): BankNotificationResult {
  const json = verifiedJson(request, secret);
  if (!json.ok) return json;
  return readTransaction(json.value, expected.account_no, '');
}

/**
 * Verifies a statement answer (the assumed bank API, see docs/adapters/vietqr.md): the same signature
 * over the raw body, then `{ account_no, transactions: [notification ...] }`, every transaction checked
 * as a notification is. One bad transaction refuses the whole answer: a partial statement would hide
 * transfers.
 */
export function verifyBankStatement(
  request: SignedRequest,
  secret: string,
  expected: { readonly account_no: string },
): BankStatementResult {
  const json = verifiedJson(request, secret);
  if (!json.ok) return json;
  const value = json.value;
  if (!isObject(value) || !Array.isArray(value.transactions)) {
    return rejection('malformed', 'statement must be an object with a transactions array');
  }
  if (value.account_no !== expected.account_no) {
    return rejection('wrong_merchant', 'account_no is not the collection account');
  }
  if (value.transactions.length > STATEMENT_TRANSACTIONS_MAX) {
    return rejection(
      'malformed',
      `more than ${STATEMENT_TRANSACTIONS_MAX} transactions: ask for a shorter period`,
    );
  }
  const transactions: BankNotification[] = [];
  for (const [i, item] of value.transactions.entries()) {
    const read = readTransaction(item, expected.account_no, `transactions[${i}].`);
    if (!read.ok) return read;
    transactions.push(read.notification);
  }
  return { ok: true, transactions };
}
