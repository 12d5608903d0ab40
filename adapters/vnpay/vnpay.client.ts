// The VNPay adapter: a Stripe-like SDK surface (payments.create, webhooks.verify, transactions.query,
// refunds.create) over pure functions that build signed requests and verify signed answers. Stateless;
// the hash secret lives in a private field and never reaches a message.
import { isIP } from 'node:net';
import {
  AdapterError,
  type CallbackOutcome,
  type CallbackReply,
  type CallbackRejection,
  type CallbackRequest,
  type CallbackResult,
  type CreatePaymentResult,
  type GatewayAdapter,
  type GatewayAnswer,
  type GatewayCapabilities,
  type OrderRejection,
  type PaymentMethod,
  type PaymentOrder,
  type PaymentQuery,
  type PaymentQueryResult,
  type RefundRequest,
  type RefundResult,
  type SettlementRow,
} from '../contract';
import { formatVietnamTime, parseVietnamTime14 } from '../shared/time';
import { SAFE_TEXT, toSafeText } from '../shared/text';
import {
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  canonicalQuery,
  hmacSha512Hex,
  pipeJoin,
  verifyQuery,
} from './vnpay.signature';
import { ipnAnswer, paymentStatus, queryStatus, refundStatus } from './vnpay.status';
import { parseSettlementFile } from './vnpay.settlement';
import {
  VNPAY_SANDBOX_API_URL,
  VNPAY_SANDBOX_PAY_URL,
  VNPAY_VERSION,
  type VnpayApiResponse,
  type VnpayConfig,
  type VnpayPayParams,
  type VnpayQueryDrRequest,
  type VnpayRefundRequest,
} from './vnpay.types';
import { safeEqualHex } from '../shared/crypto';
import { amountLimits, requireSecret } from '../shared/config';
import { amountRejection } from '../shared/order';
import { invalidFieldRejection, postForJson } from '../shared/http';

/** Assumed limits (VNPay's pay page refuses less than 5,000 VND and 1 billion VND or more [2nd]). */
export const VNPAY_AMOUNT_MIN = 5_000n;
export const VNPAY_AMOUNT_MAX = 999_999_999n;
const DEFAULT_EXPIRE_AFTER_MS = 15 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 30_000;
const WIRE_FACTOR = 100n;

/** Our references (vnp_TxnRef, vnp_RequestId): the characters every encoder leaves alone. */
const REFERENCE = /^[A-Za-z0-9_-]{1,100}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,50}$/;
const TMN_CODE = /^[A-Za-z0-9]{8}$/;
const DIGITS = /^\d{1,20}$/;
const TWO_DIGITS = /^\d{2}$/;
const HASH = /^[0-9a-fA-F]{128}$/;

const BANK_CODES: Partial<Record<PaymentMethod, string | null>> = {
  gateway_choice: null,
  card_domestic: 'VNBANK',
  card_international: 'INTCARD',
  qr: 'VNPAYQR',
};

function reject(code: OrderRejection['code'], param: string, message: string): CreatePaymentResult {
  return { ok: false, rejection: { code, param, message } };
}

function rejection(
  reason: CallbackRejection['reason'],
  detail: string,
): { ok: false; rejection: CallbackRejection } {
  return { ok: false, rejection: { reason, detail } };
}

function isValidDate(date: unknown): date is Date {
  return date instanceof Date && Number.isFinite(date.getTime());
}

/** VND to the wire (× 100) and back; the way back refuses a wire amount that is not whole dong. */
export function toWireAmount(amount: bigint): string {
  return (amount * WIRE_FACTOR).toString();
}

export function fromWireAmount(wire: string): bigint | null {
  if (!DIGITS.test(wire)) return null;
  const value = BigInt(wire);
  return value % WIRE_FACTOR === 0n ? value / WIRE_FACTOR : null;
}

/** Flattens a parsed query; a repeated parameter is malformed (which copy would VNPay have signed?). */
function flattenQuery(query: CallbackRequest['query']): Record<string, string> | string {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'string') flat[key] = value;
    else if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') flat[key] = value[0];
    else return key;
  }
  return flat;
}

/** Reads a JSON answer of querydr/refund into text fields; numbers are kept as their decimal text. */
function readApiResponse(json: unknown): VnpayApiResponse | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) out[key] = String(value);
    else if (value !== null && value !== undefined) return null;
  }
  return out as VnpayApiResponse;
}

/** Our order reference as VNPay's vnp_TxnRef accepts it. */
function checkReference(merchantRef: string): void {
  if (!REFERENCE.test(merchantRef)) {
    throw new AdapterError(
      'invalid_field',
      'merchant_ref must be 1 to 100 of A-Z a-z 0-9 _ -',
      'merchant_ref',
    );
  }
}

export class VnpayClient implements GatewayAdapter {
  readonly #secret: string;
  readonly tmn_code: string;
  readonly pay_url: string;
  readonly api_url: string;
  readonly order_type: string;
  readonly expire_after_ms: number;
  readonly timeout_ms: number;
  readonly #fetch: typeof fetch | undefined;
  readonly capabilities: GatewayCapabilities;

  constructor(config: VnpayConfig) {
    if (typeof config.tmn_code !== 'string' || !TMN_CODE.test(config.tmn_code)) {
      throw new AdapterError(
        'vnpay_config_invalid',
        'vnpay tmn_code must be 8 letters or digits',
        'tmn_code',
      );
    }
    this.#secret = requireSecret('vnpay', config.hash_secret, 'hash_secret');
    const { amount_min, amount_max } = amountLimits('vnpay', config, {
      min: VNPAY_AMOUNT_MIN,
      max: VNPAY_AMOUNT_MAX,
    });
    this.#fetch = config.fetch;
    this.tmn_code = config.tmn_code;
    this.pay_url = config.pay_url ?? VNPAY_SANDBOX_PAY_URL;
    this.api_url = config.api_url ?? VNPAY_SANDBOX_API_URL;
    this.order_type = config.order_type ?? 'other';
    this.expire_after_ms = config.expire_after_ms ?? DEFAULT_EXPIRE_AFTER_MS;
    this.timeout_ms = config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(this.order_type)) {
      throw new AdapterError('vnpay_config_invalid', 'vnpay order_type must be a plain code', 'order_type');
    }
    this.capabilities = {
      gateway: 'vnpay',
      methods: Object.keys(BANK_CODES) as PaymentMethod[],
      refunds: true,
      partial_refunds: true,
      query: true,
      refund_status: false,
      settlement_file: true,
      amount_min,
      amount_max,
    };
  }

  /** The Stripe-like surface. */
  readonly payments = {
    create: (order: PaymentOrder): Promise<CreatePaymentResult> => this.createPayment(order),
  };

  readonly webhooks = {
    /** Verifies an IPN or a return-URL query; the same fields and signature serve both. */
    verify: (request: Pick<CallbackRequest, 'query'>): CallbackResult =>
      this.verifyCallbackQuery(request.query),
    reply: (outcome: CallbackOutcome): CallbackReply => this.callbackReply(outcome),
  };

  readonly transactions = {
    build: (query: PaymentQuery, order_info?: string): VnpayQueryDrRequest =>
      this.buildQueryDr(query, order_info),
    verify: (json: unknown, merchant_ref: string): GatewayAnswer<PaymentQueryResult> =>
      this.verifyQueryDrResponse(json, merchant_ref),
    query: (query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> => this.queryPayment(query),
  };

  readonly refunds = {
    build: (request: RefundRequest): VnpayRefundRequest => this.buildRefund(request),
    verify: (json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> =>
      this.verifyRefundResponse(json, request),
    create: (request: RefundRequest): Promise<GatewayAnswer<RefundResult>> => this.refund(request),
  };

  /** The pay URL's parameters, checked against VNPay's limits and field rules; no call is made. */
  buildPayParams(
    order: PaymentOrder,
  ): { ok: true; params: VnpayPayParams } | { ok: false; rejection: OrderRejection } {
    const fail = (code: OrderRejection['code'], param: string, message: string) =>
      reject(code, param, message) as { ok: false; rejection: OrderRejection };
    const refused = amountRejection(order, 'VNPay', {
      min: this.capabilities.amount_min,
      max: this.capabilities.amount_max,
    });
    if (refused) return { ok: false, rejection: refused };
    if (!(order.method in BANK_CODES))
      return fail('method_not_supported', 'method', `VNPay has no ${order.method}`);
    if (typeof order.merchant_ref !== 'string' || !REFERENCE.test(order.merchant_ref)) {
      return fail('invalid_field', 'merchant_ref', 'merchant_ref must be 1 to 100 of A-Z a-z 0-9 _ -');
    }
    const info = toSafeText(order.description ?? '');
    if (info.length === 0) return fail('invalid_field', 'description', 'description has no printable text');
    let returnUrl: URL;
    try {
      returnUrl = new URL(order.return_url);
    } catch {
      return fail('invalid_field', 'return_url', 'return_url is not a URL');
    }
    // Encoders disagree on ! ' ( ) * ~: a return URL holding them could be signed differently by VNPay.
    if (!/^https?:$/.test(returnUrl.protocol) || /[!'()*~\s]/.test(order.return_url)) {
      return fail('invalid_field', 'return_url', "return_url must be http(s) without ! ' ( ) * ~ or spaces");
    }
    if (typeof order.payer_ip !== 'string' || isIP(order.payer_ip) === 0) {
      return fail('invalid_field', 'payer_ip', 'payer_ip must be an IPv4 or IPv6 address');
    }
    if (!isValidDate(order.created_at))
      return fail('invalid_field', 'created_at', 'created_at must be a valid date');
    const expires = order.expires_at ?? new Date(order.created_at.getTime() + this.expire_after_ms);
    if (!isValidDate(expires) || expires.getTime() <= order.created_at.getTime()) {
      return fail('invalid_field', 'expires_at', 'expires_at must be after created_at');
    }
    if (order.locale !== 'vi' && order.locale !== 'en')
      return fail('invalid_field', 'locale', 'locale is vi or en');
    const params: VnpayPayParams = {
      vnp_Version: VNPAY_VERSION,
      vnp_Command: 'pay',
      vnp_TmnCode: this.tmn_code,
      vnp_Amount: toWireAmount(order.amount),
      vnp_CurrCode: 'VND',
      vnp_TxnRef: order.merchant_ref,
      vnp_OrderInfo: info,
      vnp_OrderType: this.order_type,
      vnp_Locale: order.locale === 'vi' ? 'vn' : 'en',
      vnp_ReturnUrl: order.return_url,
      vnp_IpAddr: order.payer_ip,
      vnp_CreateDate: formatVietnamTime(order.created_at, 'yyyyMMddHHmmss'),
      vnp_ExpireDate: formatVietnamTime(expires, 'yyyyMMddHHmmss'),
    };
    const bankCode = BANK_CODES[order.method];
    if (bankCode) params.vnp_BankCode = bankCode;
    return { ok: true, params };
  }

  /** Signs parameters the way VNPay's demos build the pay URL: the canonical query, then the hash last. */
  signedPayUrl(params: Readonly<Record<string, string | undefined>>): string {
    const canonical = canonicalQuery(params);
    return `${this.pay_url}?${canonical}&vnp_SecureHash=${hmacSha512Hex(this.#secret, canonical)}`;
  }

  /** Async for the contract only: the URL is signed locally, so VNPay never gives `declined`. */
  async createPayment(order: PaymentOrder): Promise<CreatePaymentResult> {
    const built = this.buildPayParams(order);
    if (!built.ok) return built;
    return { ok: true, action: { type: 'redirect', url: this.signedPayUrl({ ...built.params }) } };
  }

  parseCallback(request: CallbackRequest): CallbackResult {
    if (request.method.toUpperCase() !== 'GET') return rejection('malformed', 'VNPay calls back with GET');
    return this.verifyCallbackQuery(request.query);
  }

  /** Structure, then signature, then terminal, then fields: a field is trusted only once signed. */
  verifyCallbackQuery(query: CallbackRequest['query']): CallbackResult {
    const flat = flattenQuery(query);
    if (typeof flat === 'string') return rejection('malformed', `${flat} is repeated`);
    const hash = flat.vnp_SecureHash;
    if (hash === undefined || hash === '') return rejection('malformed', 'vnp_SecureHash is missing');
    if (!HASH.test(hash) || !verifyQuery(flat, this.#secret)) {
      return rejection('bad_signature', 'vnp_SecureHash does not match');
    }
    if (flat.vnp_TmnCode !== this.tmn_code)
      return rejection('wrong_merchant', 'vnp_TmnCode is not this terminal');
    for (const field of ['vnp_TxnRef', 'vnp_TransactionNo', 'vnp_Amount'] as const) {
      if (!flat[field]) return rejection('malformed', `${field} is missing`);
    }
    for (const field of ['vnp_ResponseCode', 'vnp_TransactionStatus'] as const) {
      if (!TWO_DIGITS.test(flat[field] ?? '')) return rejection('malformed', `${field} must be two digits`);
    }
    const amount = fromWireAmount(flat.vnp_Amount as string);
    if (amount === null) return rejection('malformed', 'vnp_Amount must be whole dong x 100');
    let payDate: Date | null = null;
    if (flat.vnp_PayDate) {
      payDate = parseVietnamTime14(flat.vnp_PayDate);
      if (!payDate) return rejection('malformed', 'vnp_PayDate must be yyyyMMddHHmmss');
    }
    const status = paymentStatus(flat.vnp_ResponseCode, flat.vnp_TransactionStatus);
    return {
      ok: true,
      event: {
        gateway: 'vnpay',
        merchant_ref: flat.vnp_TxnRef as string,
        gateway_txn_id: flat.vnp_TransactionNo as string,
        amount,
        currency: 'VND',
        status,
        paid_at: status === 'succeeded' ? payDate : null,
        gateway_code: `${flat.vnp_ResponseCode}/${flat.vnp_TransactionStatus}`,
        raw: Object.freeze(
          Object.fromEntries(Object.entries(flat).filter(([key]) => key.startsWith('vnp_'))),
        ),
      },
    };
  }

  /** HTTP 200 with VNPay's RspCode JSON, whatever the outcome: VNPay reads the code, not the status. */
  callbackReply(outcome: CallbackOutcome): CallbackReply {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(ipnAnswer(outcome)),
    };
  }

  #requestBase(requestId: string, paymentCreatedAt: Date, requestedAt: Date, ip: string) {
    if (!REQUEST_ID.test(requestId)) {
      throw new AdapterError('invalid_field', 'request id must be 1 to 50 of A-Z a-z 0-9 _ -', 'request_id');
    }
    if (!isValidDate(paymentCreatedAt)) {
      throw new AdapterError(
        'invalid_field',
        'payment_created_at must be a valid date',
        'payment_created_at',
      );
    }
    if (!isValidDate(requestedAt)) {
      throw new AdapterError('invalid_field', 'requested_at must be a valid date', 'requested_at');
    }
    if (isIP(ip) === 0)
      throw new AdapterError('invalid_field', 'requester_ip must be an IP address', 'requester_ip');
    return {
      vnp_TransactionDate: formatVietnamTime(paymentCreatedAt, 'yyyyMMddHHmmss'),
      vnp_CreateDate: formatVietnamTime(requestedAt, 'yyyyMMddHHmmss'),
    };
  }

  #safeField(value: string, param: string, length_max = 255): string {
    const safe = toSafeText(value, length_max);
    if (safe.length === 0 || !SAFE_TEXT.test(safe)) {
      throw new AdapterError('invalid_field', `${param} has no printable text`, param);
    }
    return safe;
  }

  /** The signed querydr body (vnpay.md field order). Throws AdapterError on a field the caller got wrong. */
  buildQueryDr(query: PaymentQuery, order_info?: string): VnpayQueryDrRequest {
    checkReference(query.merchant_ref);
    const dates = this.#requestBase(
      query.request_id,
      query.payment_created_at,
      query.requested_at,
      query.requester_ip,
    );
    const body: Omit<VnpayQueryDrRequest, 'vnp_SecureHash'> = {
      vnp_RequestId: query.request_id,
      vnp_Version: VNPAY_VERSION,
      vnp_Command: 'querydr',
      vnp_TmnCode: this.tmn_code,
      vnp_TxnRef: query.merchant_ref,
      vnp_OrderInfo: this.#safeField(order_info ?? `Truy van giao dich ${query.merchant_ref}`, 'order_info'),
      vnp_TransactionDate: dates.vnp_TransactionDate,
      vnp_CreateDate: dates.vnp_CreateDate,
      vnp_IpAddr: query.requester_ip,
    };
    const signed = pipeJoin(QUERYDR_REQUEST_FIELDS.map((field) => body[field]));
    return { ...body, vnp_SecureHash: hmacSha512Hex(this.#secret, signed) };
  }

  /** The signed refund body: 02 when the whole payment is refunded, 03 when a part is. */
  buildRefund(request: RefundRequest): VnpayRefundRequest {
    checkReference(request.merchant_ref);
    if (typeof request.amount !== 'bigint' || request.amount < 1n) {
      throw new AdapterError('invalid_field', 'amount must be a positive bigint', 'amount');
    }
    if (typeof request.payment_amount !== 'bigint' || request.amount > request.payment_amount) {
      throw new AdapterError('invalid_field', 'amount must not exceed payment_amount', 'amount');
    }
    if (!DIGITS.test(request.gateway_txn_id)) {
      throw new AdapterError('invalid_field', 'gateway_txn_id must be VNPay digits', 'gateway_txn_id');
    }
    const dates = this.#requestBase(
      request.refund_ref,
      request.payment_created_at,
      request.requested_at,
      request.requester_ip,
    );
    const body: Omit<VnpayRefundRequest, 'vnp_SecureHash'> = {
      vnp_RequestId: request.refund_ref,
      vnp_Version: VNPAY_VERSION,
      vnp_Command: 'refund',
      vnp_TmnCode: this.tmn_code,
      vnp_TransactionType: request.amount === request.payment_amount ? '02' : '03',
      vnp_TxnRef: request.merchant_ref,
      vnp_Amount: toWireAmount(request.amount),
      vnp_OrderInfo: this.#safeField(request.reason, 'reason'),
      vnp_TransactionNo: request.gateway_txn_id,
      vnp_TransactionDate: dates.vnp_TransactionDate,
      vnp_CreateBy: this.#safeField(request.requested_by, 'requested_by', 100),
      vnp_CreateDate: dates.vnp_CreateDate,
      vnp_IpAddr: request.requester_ip,
    };
    const signed = pipeJoin(REFUND_REQUEST_FIELDS.map((field) => body[field]));
    return { ...body, vnp_SecureHash: hmacSha512Hex(this.#secret, signed) };
  }

  #verifyApiResponse(
    json: unknown,
    fields: readonly string[],
    command: 'querydr' | 'refund',
  ):
    | { ok: true; value: VnpayApiResponse; amount: bigint | null }
    | { ok: false; rejection: CallbackRejection } {
    const response = readApiResponse(json);
    if (!response) return rejection('malformed', 'the answer is not a flat JSON object');
    const hash = response.vnp_SecureHash;
    if (!hash) return rejection('malformed', 'vnp_SecureHash is missing');
    const expected = hmacSha512Hex(
      this.#secret,
      pipeJoin(fields.map((field) => (response as Record<string, string | undefined>)[field])),
    );
    if (!safeEqualHex(hash, expected)) return rejection('bad_signature', 'vnp_SecureHash does not match');
    if (response.vnp_TmnCode !== undefined && response.vnp_TmnCode !== this.tmn_code) {
      return rejection('wrong_merchant', 'vnp_TmnCode is not this terminal');
    }
    if (response.vnp_Command !== undefined && response.vnp_Command !== command) {
      return rejection('malformed', `vnp_Command is not ${command}`);
    }
    if (!TWO_DIGITS.test(response.vnp_ResponseCode ?? '')) {
      return rejection('malformed', 'vnp_ResponseCode must be two digits');
    }
    let amount: bigint | null = null;
    if (response.vnp_Amount) {
      amount = fromWireAmount(response.vnp_Amount);
      if (amount === null) return rejection('malformed', 'vnp_Amount must be whole dong x 100');
    }
    return { ok: true, value: response, amount };
  }

  /** Verifies a querydr answer; an answer about another payment is malformed. */
  verifyQueryDrResponse(json: unknown, merchant_ref: string): GatewayAnswer<PaymentQueryResult> {
    const checked = this.#verifyApiResponse(json, QUERYDR_RESPONSE_FIELDS, 'querydr');
    if (!checked.ok) return checked;
    const response = checked.value;
    if (response.vnp_TxnRef !== undefined && response.vnp_TxnRef !== merchant_ref) {
      return rejection('malformed', 'vnp_TxnRef is not the payment asked about');
    }
    const found = response.vnp_ResponseCode === '00';
    const status = found ? queryStatus(response.vnp_TransactionStatus) : 'pending';
    const paidAt = response.vnp_PayDate ? parseVietnamTime14(response.vnp_PayDate) : null;
    return {
      ok: true,
      value: {
        merchant_ref,
        gateway_txn_id: response.vnp_TransactionNo || null,
        amount: checked.amount,
        status,
        paid_at: status === 'succeeded' ? paidAt : null,
        gateway_code: `${response.vnp_ResponseCode}/${response.vnp_TransactionStatus ?? ''}`,
      },
    };
  }

  verifyRefundResponse(json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> {
    const checked = this.#verifyApiResponse(json, REFUND_RESPONSE_FIELDS, 'refund');
    if (!checked.ok) return checked;
    const response = checked.value;
    if (response.vnp_TxnRef !== undefined && response.vnp_TxnRef !== request.merchant_ref) {
      return rejection('malformed', 'vnp_TxnRef is not the payment refunded');
    }
    return {
      ok: true,
      value: {
        refund_ref: request.refund_ref,
        merchant_ref: request.merchant_ref,
        gateway_refund_id: response.vnp_TransactionNo || null,
        amount: checked.amount,
        status: refundStatus(response.vnp_ResponseCode, response.vnp_TransactionStatus),
        gateway_code: `${response.vnp_ResponseCode}/${response.vnp_TransactionStatus ?? ''}`,
      },
    };
  }

  async #post(body: object): Promise<unknown> {
    return postForJson(this.#fetch, this.api_url, {
      content_type: 'application/json',
      body: JSON.stringify(body),
      timeout_ms: this.timeout_ms,
    });
  }

  #asRejection(error: unknown): { ok: false; rejection: OrderRejection } {
    return invalidFieldRejection(error);
  }

  /**
   * The rows of this terminal's daily VNPay file (format assumed, see vnpay.settlement.ts); a row for
   * another terminal is a bad row.
   */
  parseSettlementFile(stream: AsyncIterable<string | Buffer>): AsyncIterable<SettlementRow> {
    return parseSettlementFile(stream, { tmn_code: this.tmn_code });
  }

  async queryPayment(query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> {
    let body: VnpayQueryDrRequest;
    try {
      body = this.buildQueryDr(query);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyQueryDrResponse(await this.#post(body), query.merchant_ref);
  }

  async refund(request: RefundRequest): Promise<GatewayAnswer<RefundResult>> {
    let body: VnpayRefundRequest;
    try {
      body = this.buildRefund(request);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyRefundResponse(await this.#post(body), request);
  }
}
