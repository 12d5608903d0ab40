// The ZaloPay v2 adapter: a Stripe-like SDK surface (payments.create, webhooks.verify,
// transactions.query, refunds.create, refunds.retrieve) over functions that build requests signed with
// key1 and verify callbacks signed with key2. Stateless; both keys live in private fields and never
// reach a message.
import {
  AdapterError,
  type CallbackOutcome,
  type CallbackRejection,
  type CallbackReply,
  type CallbackRequest,
  type CallbackResult,
  type CreatePaymentResult,
  type GatewayAdapter,
  type GatewayAnswer,
  type GatewayCapabilities,
  type NextAction,
  type OrderRejection,
  type PaymentMethod,
  type PaymentOrder,
  type PaymentQuery,
  type PaymentQueryResult,
  type PaymentStatus,
  type RefundQuery,
  type RefundRequest,
  type RefundResult,
  type SettlementRow,
} from '../contract';
import { amountLimits, requireSecret } from '../shared/config';
import { amountRejection } from '../shared/order';
import { invalidFieldRejection, postForJson } from '../shared/http';
import { formatVietnamTime } from '../shared/time';
import { toSafeText } from '../shared/text';
import {
  createMac,
  type CreateMacFields,
  queryMac,
  queryRefundMac,
  REDIRECT_FIELDS,
  refundMac,
  verifyCallbackMac,
  verifyRedirectChecksum,
} from './zalopay.signature';
import { parseSettlementFile } from './zalopay.settlement';
import { callbackAnswer, createDeclineRetryable, queryStatus, refundStatus } from './zalopay.status';
import {
  ZALOPAY_SANDBOX_API_URL,
  type ZalopayApiResponse,
  type ZalopayConfig,
  type ZalopayCreateRequest,
  type ZalopayQueryRefundRequest,
  type ZalopayQueryRequest,
  type ZalopayRefundRequest,
} from './zalopay.types';

/** ZaloPay's browser redirect, verified: which order and what the payer was told (display only). */
export type ZalopayRedirectResult =
  | {
      readonly ok: true;
      readonly merchant_ref: string;
      readonly amount: bigint;
      readonly status: PaymentStatus;
    }
  | { readonly ok: false; readonly rejection: CallbackRejection };

/** Assumed limits: zalopay.md names none (see docs/adapters/zalopay.md). */
export const ZALOPAY_AMOUNT_MIN = 1_000n;
export const ZALOPAY_AMOUNT_MAX = 999_999_999n;
/** expire_duration_seconds bounds [doc]. */
export const ZALOPAY_EXPIRE_MIN_SECONDS = 300;
export const ZALOPAY_EXPIRE_MAX_SECONDS = 2_592_000;
const DEFAULT_EXPIRE_SECONDS = 15 * 60;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_APP_USER = 'payhub';
/** A callback body larger than this is not ZaloPay's (data is a few hundred bytes). */
const CALLBACK_BYTES_MAX = 65_536;

/** `yymmdd_` is 7 characters and app_trans_id is at most 40 [doc]: 33 are left for our reference. */
const MERCHANT_REF = /^[A-Za-z0-9_-]{1,33}$/;
const APP_TRANS_ID = /^(\d{6})_([A-Za-z0-9_-]{1,33})$/;
const REFUND_REF = /^[A-Za-z0-9_-]{1,32}$/;
/** A whole m_refund_id, `yymmdd_appid_refundref`, as refundStatus also accepts it. */
const M_REFUND_ID = /^\d{6}_(\d{1,12})_([A-Za-z0-9_-]{1,32})$/;
const APP_USER = /^[A-Za-z0-9_.@-]{1,50}$/;
const DIGITS = /^\d{1,20}$/;
const MAC = /^[0-9a-fA-F]{64}$/;

const BANK_CODES: Partial<Record<PaymentMethod, ZalopayCreateRequest['bank_code']>> = {
  gateway_choice: '',
  wallet: 'zalopayapp',
  qr: 'zalopayapp',
  card_international: 'CC',
};

/** What ZaloPay said when it refused to create an order: data, not an exception. */
export interface ZalopayCreateDecline {
  readonly return_code: number;
  readonly sub_return_code: number | null;
  /** True for rate limits, outages and system errors: worth another try with a new app_trans_id. */
  readonly retryable: boolean;
  readonly gateway_code: string;
  readonly message: string;
}

export interface ZalopayCreated {
  readonly action: NextAction;
  readonly app_trans_id: string;
  readonly gateway_code: string;
}

export type ZalopayCreateResult =
  | { readonly ok: true; readonly value: ZalopayCreated }
  | { readonly ok: false; readonly rejection: OrderRejection | CallbackRejection }
  | { readonly ok: false; readonly declined: ZalopayCreateDecline };

/** Options the contract's order does not carry. */
export interface ZalopayCreateOptions {
  /** app_user (<= 50); the configured default when absent. */
  readonly app_user?: string;
}

/** Asking about one refund (query_refund). */
export interface ZalopayRefundLookup {
  readonly refund_ref: string;
  readonly merchant_ref: string;
  /** When the refund was requested: its UTC+7 date is the m_refund_id prefix. */
  readonly refund_requested_at: Date;
  readonly requested_at: Date;
}

type Rejected = { ok: false; rejection: CallbackRejection };

function rejection(reason: CallbackRejection['reason'], detail: string): Rejected {
  return { ok: false, rejection: { reason, detail } };
}

function orderRejection(
  code: OrderRejection['code'],
  param: string,
  message: string,
): { ok: false; rejection: OrderRejection } {
  return { ok: false, rejection: { code, param, message } };
}

function isValidDate(date: unknown): date is Date {
  return date instanceof Date && Number.isFinite(date.getTime());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An integer from a JSON number or decimal text, exactly: a JSON number is accepted only as a safe
 * integer, so no rounded value (and no float) ever becomes money.
 */
function readInteger(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return null;
}

function readSmallInteger(value: unknown): number | null {
  const big = readInteger(value);
  return big !== null && big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : null;
}

/** The UTC+7 `yymmdd` that prefixes app_trans_id and m_refund_id. */
export function vietnamDatePrefix(date: Date): string {
  return formatVietnamTime(date, 'yyyyMMdd').slice(2);
}

/** Our merchant_ref as app_trans_id: the creation day in UTC+7, `_`, the reference. */
export function toAppTransId(merchantRef: string, createdAt: Date): string {
  return `${vietnamDatePrefix(createdAt)}_${merchantRef}`;
}

function isLoopbackHttp(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function checkReference(merchantRef: unknown): asserts merchantRef is string {
  if (typeof merchantRef !== 'string' || !MERCHANT_REF.test(merchantRef)) {
    throw new AdapterError(
      'invalid_field',
      'merchant_ref must be 1 to 33 of A-Z a-z 0-9 _ -',
      'merchant_ref',
    );
  }
}

function checkDate(date: unknown, param: string): asserts date is Date {
  if (!isValidDate(date)) throw new AdapterError('invalid_field', `${param} must be a valid date`, param);
}

function gatewayCode(response: ZalopayApiResponse): string {
  return `${response.return_code}/${response.sub_return_code ?? ''}`;
}

/** Reads a JSON answer's codes; anything else is kept for the caller to read field by field. */
function readApiResponse(
  json: unknown,
): { response: ZalopayApiResponse; fields: Record<string, unknown> } | null {
  if (!isObject(json)) return null;
  const returnCode = readSmallInteger(json.return_code);
  if (returnCode === null) return null;
  const response: ZalopayApiResponse = { return_code: returnCode };
  if (json.sub_return_code !== undefined && json.sub_return_code !== null) {
    const sub = readSmallInteger(json.sub_return_code);
    if (sub === null) return null;
    response.sub_return_code = sub;
  }
  if (typeof json.return_message === 'string') response.return_message = json.return_message.slice(0, 200);
  return { response, fields: json };
}

export class ZalopayClient implements GatewayAdapter {
  readonly #key1: string;
  readonly #key2: string;
  readonly #fetch: typeof fetch | undefined;
  readonly app_id: number;
  readonly api_url: string;
  readonly callback_url: string | undefined;
  readonly app_user: string;
  readonly expire_after_seconds: number;
  readonly timeout_ms: number;
  readonly capabilities: GatewayCapabilities;

  constructor(config: ZalopayConfig) {
    const invalid = (param: string, message: string) =>
      new AdapterError('zalopay_config_invalid', message, param);
    if (!Number.isSafeInteger(config.app_id) || config.app_id < 1) {
      throw invalid('app_id', 'zalopay app_id must be a positive integer');
    }
    this.#key1 = requireSecret('zalopay', config.key1, 'key1');
    this.#key2 = requireSecret('zalopay', config.key2, 'key2');
    const { amount_min, amount_max } = amountLimits('zalopay', config, {
      min: ZALOPAY_AMOUNT_MIN,
      max: ZALOPAY_AMOUNT_MAX,
    });
    this.expire_after_seconds = config.expire_after_seconds ?? DEFAULT_EXPIRE_SECONDS;
    if (
      !Number.isInteger(this.expire_after_seconds) ||
      this.expire_after_seconds < ZALOPAY_EXPIRE_MIN_SECONDS ||
      this.expire_after_seconds > ZALOPAY_EXPIRE_MAX_SECONDS
    ) {
      throw invalid('expire_after_seconds', 'zalopay expire_after_seconds must be 300 to 2592000');
    }
    this.app_user = config.app_user ?? DEFAULT_APP_USER;
    if (!APP_USER.test(this.app_user)) {
      throw invalid('app_user', 'zalopay app_user must be 1 to 50 of A-Z a-z 0-9 _ . @ -');
    }
    this.#fetch = config.fetch;
    this.app_id = config.app_id;
    this.api_url = (config.api_url ?? ZALOPAY_SANDBOX_API_URL).replace(/\/+$/, '');
    this.callback_url = config.callback_url;
    this.timeout_ms = config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    this.capabilities = {
      gateway: 'zalopay',
      methods: Object.keys(BANK_CODES) as PaymentMethod[],
      refunds: true,
      partial_refunds: true,
      query: true,
      refund_status: true,
      settlement_file: true,
      amount_min,
      amount_max,
    };
  }

  /** The Stripe-like surface. */
  readonly payments = {
    build: (order: PaymentOrder, options?: ZalopayCreateOptions) => this.buildCreate(order, options),
    verify: (json: unknown, app_trans_id: string): ZalopayCreateResult =>
      this.verifyCreateResponse(json, app_trans_id),
    /** ZaloPay's own view of the create call; `createPayment` is the contract's. */
    create: (order: PaymentOrder, options?: ZalopayCreateOptions): Promise<ZalopayCreateResult> =>
      this.#create(order, options),
  };

  readonly webhooks = {
    /** Verifies a callback body exactly as received. */
    verify: (request: Pick<CallbackRequest, 'rawBody'>): CallbackResult =>
      this.verifyCallbackBody(request.rawBody),
    /** Verifies the browser redirect's query (checksum with key2); display only. */
    verifyRedirect: (query: CallbackRequest['query']): ZalopayRedirectResult =>
      this.verifyRedirectQuery(query),
    reply: (outcome: CallbackOutcome): CallbackReply => this.callbackReply(outcome),
  };

  readonly transactions = {
    build: (query: PaymentQuery): ZalopayQueryRequest => this.buildQuery(query),
    verify: (json: unknown, query: PaymentQuery): GatewayAnswer<PaymentQueryResult> =>
      this.verifyQueryResponse(json, query),
    query: (query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> => this.queryPayment(query),
  };

  readonly refunds = {
    build: (request: RefundRequest): ZalopayRefundRequest => this.buildRefund(request),
    verify: (json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> =>
      this.verifyRefundResponse(json, request),
    create: (request: RefundRequest): Promise<GatewayAnswer<RefundResult>> => this.refund(request),
    buildRetrieve: (lookup: ZalopayRefundLookup): ZalopayQueryRefundRequest => this.buildQueryRefund(lookup),
    verifyRetrieve: (json: unknown, lookup: ZalopayRefundLookup): GatewayAnswer<RefundResult> =>
      this.verifyQueryRefundResponse(json, lookup),
    retrieve: (lookup: ZalopayRefundLookup): Promise<GatewayAnswer<RefundResult>> => this.queryRefund(lookup),
  };

  /** key1 mac over given create fields (the vectors' known answer goes through here). */
  signCreate(fields: CreateMacFields): string {
    return createMac(fields, this.#key1);
  }

  /** The signed create body, checked against ZaloPay's limits and field rules; no call is made. */
  buildCreate(
    order: PaymentOrder,
    options: ZalopayCreateOptions = {},
  ): { ok: true; body: ZalopayCreateRequest } | { ok: false; rejection: OrderRejection } {
    const fail = orderRejection;
    const refused = amountRejection(order, 'ZaloPay', {
      min: this.capabilities.amount_min,
      max: this.capabilities.amount_max,
    });
    if (refused) return { ok: false, rejection: refused };
    const bankCode = BANK_CODES[order.method];
    if (bankCode === undefined)
      return fail('method_not_supported', 'method', `ZaloPay has no ${order.method}`);
    if (typeof order.merchant_ref !== 'string' || !MERCHANT_REF.test(order.merchant_ref)) {
      return fail('invalid_field', 'merchant_ref', 'merchant_ref must be 1 to 33 of A-Z a-z 0-9 _ -');
    }
    const description = toSafeText(order.description ?? '', 256);
    if (description.length === 0)
      return fail('invalid_field', 'description', 'description has no printable text');
    let returnUrl: URL;
    try {
      returnUrl = new URL(order.return_url);
    } catch {
      return fail('invalid_field', 'return_url', 'return_url is not a URL');
    }
    if (!/^https?:$/.test(returnUrl.protocol))
      return fail('invalid_field', 'return_url', 'return_url must be http(s)');
    const embedData = JSON.stringify({ redirecturl: order.return_url });
    if (embedData.length > 1024)
      return fail('invalid_field', 'return_url', 'return_url is too long for embed_data');
    if (!isValidDate(order.created_at))
      return fail('invalid_field', 'created_at', 'created_at must be a valid date');
    let expireSeconds = this.expire_after_seconds;
    if (order.expires_at !== undefined) {
      if (!isValidDate(order.expires_at))
        return fail('invalid_field', 'expires_at', 'expires_at must be a valid date');
      expireSeconds = Math.floor((order.expires_at.getTime() - order.created_at.getTime()) / 1000);
      if (expireSeconds < ZALOPAY_EXPIRE_MIN_SECONDS || expireSeconds > ZALOPAY_EXPIRE_MAX_SECONDS) {
        return fail(
          'invalid_field',
          'expires_at',
          'expires_at must be 5 minutes to 30 days after created_at',
        );
      }
    }
    const appUser = options.app_user ?? this.app_user;
    if (!APP_USER.test(appUser)) {
      return fail('invalid_field', 'app_user', 'app_user must be 1 to 50 of A-Z a-z 0-9 _ . @ -');
    }
    const fields = {
      app_id: String(this.app_id),
      app_trans_id: toAppTransId(order.merchant_ref, order.created_at),
      app_user: appUser,
      amount: order.amount.toString(),
      app_time: String(order.created_at.getTime()),
      embed_data: embedData,
      item: '[]',
    };
    const body: ZalopayCreateRequest = {
      ...fields,
      expire_duration_seconds: String(expireSeconds),
      description,
      bank_code: bankCode,
      mac: createMac(fields, this.#key1),
    };
    if (this.callback_url !== undefined) body.callback_url = this.callback_url;
    return { ok: true, body };
  }

  /** Reads create's answer: 1 with an https order_url is a redirect; any other code is a decline. */
  verifyCreateResponse(json: unknown, app_trans_id: string): ZalopayCreateResult {
    const read = readApiResponse(json);
    if (!read) return rejection('malformed', 'the answer has no integer return_code');
    const { response, fields } = read;
    if (response.return_code === 1) {
      const url = fields.order_url;
      if (typeof url !== 'string' || !(url.startsWith('https://') || this.#acceptsLoopback(url))) {
        return rejection('malformed', 'order_url is missing or not https');
      }
      return {
        ok: true,
        value: { action: { type: 'redirect', url }, app_trans_id, gateway_code: gatewayCode(response) },
      };
    }
    return {
      ok: false,
      declined: {
        return_code: response.return_code as number,
        sub_return_code: response.sub_return_code ?? null,
        retryable: createDeclineRetryable(response.sub_return_code),
        gateway_code: gatewayCode(response),
        message: response.return_message ?? '',
      },
    };
  }

  /**
   * Plain http order_url is accepted only from a simulator: when api_url itself is http on a loopback
   * host and order_url points at a loopback host too. Against ZaloPay (https api_url) it never is.
   */
  #acceptsLoopback(url: string): boolean {
    return isLoopbackHttp(this.api_url) && isLoopbackHttp(url);
  }

  async #create(order: PaymentOrder, options?: ZalopayCreateOptions): Promise<ZalopayCreateResult> {
    const built = this.buildCreate(order, options);
    if (!built.ok) return built;
    return this.verifyCreateResponse(await this.#post('/create', built.body), built.body.app_trans_id);
  }

  /**
   * The contract's create: order_url as a redirect. A refusal by ZaloPay is `declined` with its
   * `return_code/sub_return_code`; an answer that fails our checks is `declined` as
   * gateway_answer_invalid and a call that did not complete as gateway_unreachable, both retryable.
   */
  async createPayment(order: PaymentOrder, options?: ZalopayCreateOptions): Promise<CreatePaymentResult> {
    const built = this.buildCreate(order, options);
    if (!built.ok) return built;
    let json: unknown;
    try {
      json = await this.#post('/create', built.body);
    } catch {
      return {
        ok: false,
        declined: { code: 'gateway_unreachable', message: 'ZaloPay did not answer', retryable: true },
      };
    }
    const answer = this.verifyCreateResponse(json, built.body.app_trans_id);
    if (answer.ok) return { ok: true, action: answer.value.action };
    if ('declined' in answer) {
      const { gateway_code, message, retryable } = answer.declined;
      return { ok: false, declined: { code: gateway_code, message, retryable } };
    }
    return {
      ok: false,
      declined: {
        code: 'gateway_answer_invalid',
        message: 'detail' in answer.rejection ? answer.rejection.detail : answer.rejection.message,
        retryable: true,
      },
    };
  }

  parseCallback(request: CallbackRequest): CallbackResult {
    if (request.method.toUpperCase() !== 'POST')
      return rejection('malformed', 'ZaloPay calls back with POST');
    return this.verifyCallbackBody(request.rawBody);
  }

  /**
   * The payer's browser back from ZaloPay: appid, apptransid, pmcid, bankcode, amount, discountamount,
   * status and their checksum. It carries no zp_trans_id, so it is not a PaymentEvent: only which order
   * and what the payer was told (status 1 is a success), for a page that moves no money.
   */
  verifyRedirectQuery(query: CallbackRequest['query']): ZalopayRedirectResult {
    const fields = {} as Record<(typeof REDIRECT_FIELDS)[number], string>;
    for (const name of REDIRECT_FIELDS) {
      const value = query[name];
      if (typeof value !== 'string') return rejection('malformed', `${name} is missing or repeated`);
      fields[name] = value;
    }
    const checksum = query.checksum;
    if (typeof checksum !== 'string' || !MAC.test(checksum))
      return rejection('malformed', 'checksum is missing');
    if (!verifyRedirectChecksum(fields, checksum, this.#key2))
      return rejection('bad_signature', 'checksum does not match');
    if (readInteger(fields.appid) !== BigInt(this.app_id))
      return rejection('wrong_merchant', 'appid is not this app');
    const appTransId = APP_TRANS_ID.exec(fields.apptransid);
    if (!appTransId) return rejection('malformed', 'apptransid must be yymmdd_ and a reference');
    const amount = readInteger(fields.amount);
    if (amount === null || amount < 1n) return rejection('malformed', 'amount must be a positive integer');
    return {
      ok: true,
      merchant_ref: appTransId[2] as string,
      amount,
      status: fields.status === '1' ? 'succeeded' : 'failed',
    };
  }

  /**
   * Structure, then the mac over `data` exactly as received, then app_id, then fields: `data` is parsed
   * only once its mac holds.
   */
  verifyCallbackBody(rawBody: string | Buffer): CallbackResult {
    const text =
      typeof rawBody === 'string' ? rawBody : Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : null;
    if (text === null || text.length === 0) return rejection('malformed', 'the body is empty');
    if (Buffer.byteLength(text, 'utf8') > CALLBACK_BYTES_MAX)
      return rejection('malformed', 'the body is too large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return rejection('malformed', 'the body is not JSON');
    }
    if (!isObject(body)) return rejection('malformed', 'the body is not a JSON object');
    if (typeof body.data !== 'string' || body.data.length === 0)
      return rejection('malformed', 'data is missing');
    if (typeof body.mac !== 'string' || body.mac.length === 0)
      return rejection('malformed', 'mac is missing');
    if (!MAC.test(body.mac) || !verifyCallbackMac(body.data, body.mac, this.#key2)) {
      return rejection('bad_signature', 'mac does not match');
    }
    // type is outside the mac: it may only narrow what is accepted, never widen it.
    if (body.type !== undefined && body.type !== 1) return rejection('malformed', 'type is not 1 (order)');
    let data: unknown;
    try {
      data = JSON.parse(body.data);
    } catch {
      return rejection('malformed', 'data is not JSON');
    }
    if (!isObject(data)) return rejection('malformed', 'data is not a JSON object');
    const appId = readInteger(data.app_id);
    if (appId === null) return rejection('malformed', 'app_id is missing');
    if (appId !== BigInt(this.app_id)) return rejection('wrong_merchant', 'app_id is not this app');
    const appTransId = typeof data.app_trans_id === 'string' ? APP_TRANS_ID.exec(data.app_trans_id) : null;
    if (!appTransId) return rejection('malformed', 'app_trans_id must be yymmdd_ and a reference');
    const amount = readInteger(data.amount);
    if (amount === null || amount < 1n) return rejection('malformed', 'amount must be a positive integer');
    const zpTransId = readInteger(data.zp_trans_id);
    if (zpTransId === null || zpTransId < 1n)
      return rejection('malformed', 'zp_trans_id must be a positive integer');
    let paidAt: Date | null = null;
    if (data.server_time !== undefined) {
      const serverTime = readSmallInteger(data.server_time);
      if (serverTime === null || serverTime < 0)
        return rejection('malformed', 'server_time must be ms since the epoch');
      paidAt = new Date(serverTime);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      raw[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return {
      ok: true,
      event: {
        gateway: 'zalopay',
        merchant_ref: appTransId[2] as string,
        gateway_txn_id: zpTransId.toString(),
        amount,
        currency: 'VND',
        // ZaloPay calls back for successful payments only [doc].
        status: 'succeeded',
        paid_at: paidAt,
        gateway_code: 'callback',
        raw: Object.freeze(raw),
      },
    };
  }

  /** HTTP 200 with ZaloPay's return_code JSON, whatever the outcome: ZaloPay reads the code. */
  callbackReply(outcome: CallbackOutcome): CallbackReply {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(callbackAnswer(outcome)),
    };
  }

  /** The signed query body. Throws AdapterError on a field the caller got wrong. */
  buildQuery(query: PaymentQuery): ZalopayQueryRequest {
    checkReference(query.merchant_ref);
    checkDate(query.payment_created_at, 'payment_created_at');
    const appTransId = toAppTransId(query.merchant_ref, query.payment_created_at);
    return {
      app_id: String(this.app_id),
      app_trans_id: appTransId,
      mac: queryMac(this.app_id, appTransId, this.#key1),
    };
  }

  /** Reads a query answer (ZaloPay does not sign it; see docs/adapters/zalopay.md). */
  verifyQueryResponse(json: unknown, query: PaymentQuery): GatewayAnswer<PaymentQueryResult> {
    const read = readApiResponse(json);
    if (!read) return rejection('malformed', 'the answer has no integer return_code');
    const { response, fields } = read;
    let amount: bigint | null = null;
    if (fields.amount !== undefined && fields.amount !== null) {
      amount = readInteger(fields.amount);
      if (amount === null || amount < 0n)
        return rejection('malformed', 'amount must be a whole number of VND');
    }
    let txnId: string | null = null;
    if (fields.zp_trans_id !== undefined && fields.zp_trans_id !== null) {
      const id = readInteger(fields.zp_trans_id);
      if (id === null || id < 0n) return rejection('malformed', 'zp_trans_id must be an integer');
      txnId = id === 0n ? null : id.toString();
    }
    const status = queryStatus(response.return_code, response.sub_return_code);
    let paidAt: Date | null = null;
    if (status === 'succeeded' && fields.server_time !== undefined) {
      const serverTime = readSmallInteger(fields.server_time);
      if (serverTime === null || serverTime < 0)
        return rejection('malformed', 'server_time must be ms since the epoch');
      paidAt = new Date(serverTime);
    }
    return {
      ok: true,
      value: {
        merchant_ref: query.merchant_ref,
        gateway_txn_id: txnId,
        amount: amount === 0n ? null : amount,
        status,
        paid_at: paidAt,
        gateway_code: gatewayCode(response),
      },
    };
  }

  /** The signed refund body; m_refund_id is `yymmdd_appid_refundref` with the request's UTC+7 day. */
  buildRefund(request: RefundRequest): ZalopayRefundRequest {
    checkReference(request.merchant_ref);
    if (typeof request.refund_ref !== 'string' || !REFUND_REF.test(request.refund_ref)) {
      throw new AdapterError('invalid_field', 'refund_ref must be 1 to 32 of A-Z a-z 0-9 _ -', 'refund_ref');
    }
    if (typeof request.amount !== 'bigint' || request.amount < 1n) {
      throw new AdapterError('invalid_field', 'amount must be a positive bigint', 'amount');
    }
    if (typeof request.payment_amount !== 'bigint' || request.amount > request.payment_amount) {
      throw new AdapterError('invalid_field', 'amount must not exceed payment_amount', 'amount');
    }
    if (typeof request.gateway_txn_id !== 'string' || !DIGITS.test(request.gateway_txn_id)) {
      throw new AdapterError('invalid_field', 'gateway_txn_id must be ZaloPay digits', 'gateway_txn_id');
    }
    checkDate(request.requested_at, 'requested_at');
    const description = toSafeText(request.reason ?? '', 256);
    if (description.length === 0)
      throw new AdapterError('invalid_field', 'reason has no printable text', 'reason');
    const fields = {
      app_id: String(this.app_id),
      zp_trans_id: request.gateway_txn_id,
      amount: request.amount.toString(),
      description,
      timestamp: String(request.requested_at.getTime()),
    };
    return {
      app_id: fields.app_id,
      m_refund_id: this.#refundId(request.refund_ref, request.requested_at),
      zp_trans_id: fields.zp_trans_id,
      amount: fields.amount,
      timestamp: fields.timestamp,
      description,
      mac: refundMac(fields, this.#key1),
    };
  }

  #refundId(refundRef: string, at: Date): string {
    return `${vietnamDatePrefix(at)}_${this.app_id}_${refundRef}`;
  }

  /** The m_refund_id a refund asked for at `refund_requested_at` carries; worth storing beside refund_ref. */
  refundId(refund_ref: string, refund_requested_at: Date): string {
    if (typeof refund_ref !== 'string' || !REFUND_REF.test(refund_ref)) {
      throw new AdapterError('invalid_field', 'refund_ref must be 1 to 32 of A-Z a-z 0-9 _ -', 'refund_ref');
    }
    checkDate(refund_requested_at, 'refund_requested_at');
    return this.#refundId(refund_ref, refund_requested_at);
  }

  #refundResult(json: unknown, refund_ref: string, merchant_ref: string): GatewayAnswer<RefundResult> {
    const read = readApiResponse(json);
    if (!read) return rejection('malformed', 'the answer has no integer return_code');
    const { response, fields } = read;
    let refundId: string | null = null;
    if (fields.refund_id !== undefined && fields.refund_id !== null) {
      const id = readInteger(fields.refund_id);
      if (id === null || id < 0n) return rejection('malformed', 'refund_id must be an integer');
      refundId = id === 0n ? null : id.toString();
    }
    return {
      ok: true,
      value: {
        refund_ref,
        merchant_ref,
        gateway_refund_id: refundId,
        amount: null,
        status: refundStatus(response.return_code, response.sub_return_code),
        gateway_code: gatewayCode(response),
      },
    };
  }

  verifyRefundResponse(json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> {
    return this.#refundResult(json, request.refund_ref, request.merchant_ref);
  }

  /** The signed query_refund body for a refund asked for at `refund_requested_at`. */
  buildQueryRefund(lookup: ZalopayRefundLookup): ZalopayQueryRefundRequest {
    if (typeof lookup.refund_ref !== 'string' || !REFUND_REF.test(lookup.refund_ref)) {
      throw new AdapterError('invalid_field', 'refund_ref must be 1 to 32 of A-Z a-z 0-9 _ -', 'refund_ref');
    }
    checkDate(lookup.refund_requested_at, 'refund_requested_at');
    checkDate(lookup.requested_at, 'requested_at');
    const mRefundId = this.#refundId(lookup.refund_ref, lookup.refund_requested_at);
    const timestamp = String(lookup.requested_at.getTime());
    return {
      app_id: String(this.app_id),
      m_refund_id: mRefundId,
      timestamp,
      mac: queryRefundMac(this.app_id, mRefundId, timestamp, this.#key1),
    };
  }

  verifyQueryRefundResponse(json: unknown, lookup: ZalopayRefundLookup): GatewayAnswer<RefundResult> {
    return this.#refundResult(json, lookup.refund_ref, lookup.merchant_ref);
  }

  /** POSTs a form-urlencoded body, as ZaloPay's official samples do, and parses the JSON answer. */
  async #post(path: string, body: object): Promise<unknown> {
    const form = new URLSearchParams(
      Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    return postForJson(this.#fetch, `${this.api_url}${path}`, {
      content_type: 'application/x-www-form-urlencoded',
      body: form.toString(),
      timeout_ms: this.timeout_ms,
    });
  }

  #asRejection(error: unknown): { ok: false; rejection: OrderRejection } {
    return invalidFieldRejection(error);
  }

  async queryPayment(query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> {
    let body: ZalopayQueryRequest;
    try {
      body = this.buildQuery(query);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyQueryResponse(await this.#post('/query', body), query);
  }

  async refund(request: RefundRequest): Promise<GatewayAnswer<RefundResult>> {
    let body: ZalopayRefundRequest;
    try {
      body = this.buildRefund(request);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyRefundResponse(await this.#post('/refund', body), request);
  }

  async queryRefund(lookup: ZalopayRefundLookup): Promise<GatewayAnswer<RefundResult>> {
    let body: ZalopayQueryRefundRequest;
    try {
      body = this.buildQueryRefund(lookup);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyQueryRefundResponse(await this.#post('/query_refund', body), lookup);
  }

  /**
   * The contract's refund status, over query_refund. `refund_ref` may be the whole m_refund_id
   * (`yymmdd_appid_ref`, from `refundId` or `refunds.build`), which names the refund exactly; a bare
   * refund_ref is taken to have been requested on the UTC+7 day of `requested_at`, because RefundQuery
   * carries no refund date (see docs/adapters/zalopay.md). The result echoes `refund_ref` as given.
   */
  async refundStatus(query: RefundQuery): Promise<GatewayAnswer<RefundResult>> {
    let body: ZalopayQueryRefundRequest;
    try {
      checkReference(query.merchant_ref);
      checkDate(query.requested_at, 'requested_at');
      // A whole m_refund_id names the refund as it is; a bare refund_ref gets the date it was asked on.
      const whole = typeof query.refund_ref === 'string' ? M_REFUND_ID.exec(query.refund_ref) : null;
      let mRefundId = query.refund_ref;
      if (!(whole && whole[1] === String(this.app_id))) {
        checkDate(query.refund_requested_at, 'refund_requested_at');
        mRefundId = this.refundId(query.refund_ref, query.refund_requested_at);
      }
      const timestamp = String(query.requested_at.getTime());
      body = {
        app_id: String(this.app_id),
        m_refund_id: mRefundId,
        timestamp,
        mac: queryRefundMac(this.app_id, mRefundId, timestamp, this.#key1),
      };
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.#refundResult(await this.#post('/query_refund', body), query.refund_ref, query.merchant_ref);
  }

  /** This app's daily settlement file as normalized rows; see zalopay.settlement.ts for the format. */
  parseSettlementFile(stream: AsyncIterable<string | Buffer>): AsyncIterable<SettlementRow> {
    return parseSettlementFile(stream, { app_id: this.app_id });
  }
}
