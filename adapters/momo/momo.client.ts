// The MoMo AIO v2 adapter: a Stripe-like SDK surface (payments.create, webhooks.verify,
// transactions.query, refunds.create) over pure functions that build signed requests and check answers.
// Stateless; the access and secret keys live in private fields and never reach a message.
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
  type RefundRequest,
  type RefundResult,
  type SettlementRow,
} from '../contract';
import { requireSecret } from '../shared/config';
import { fetchText } from '../shared/http';
import { amountRejection } from '../shared/order';
import { toSafeText } from '../shared/text';
import { CREATE_FIELDS, IPN_FIELDS, QUERY_FIELDS, REFUND_FIELDS, sign, verify } from './momo.signature';
import { parseSettlementFile as parseMomoSettlementFile } from './momo.settlement';
import { createDeclineRetryable, createStatus, ipnReply, paymentStatus, refundStatus } from './momo.status';
import {
  MOMO_SANDBOX_API_BASE_URL,
  type MomoConfig,
  type MomoCreateRequest,
  type MomoQueryRequest,
  type MomoRefundRequest,
  type MomoRequestType,
} from './momo.types';

/** Inclusive amount limits per flow, in VND (momo.md). */
export const MOMO_AMOUNT_LIMITS: Readonly<Record<MomoRequestType, { min: bigint; max: bigint }>> = {
  captureWallet: { min: 1_000n, max: 50_000_000n },
  payWithATM: { min: 10_000n, max: 50_000_000n },
  payWithCC: { min: 1_000n, max: 10_000_000n },
};

/** Which flow serves which contract method [choice]. */
export const MOMO_REQUEST_TYPES: Readonly<Partial<Record<PaymentMethod, MomoRequestType>>> = {
  wallet: 'captureWallet',
  card_domestic: 'payWithATM',
  card_international: 'payWithCC',
};

const DEFAULT_TIMEOUT_MS = 30_000;
/** orderId's documented pattern; our ids also serve as requestId, so they are capped at 50. */
const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const ORDER_ID_LENGTH_MAX = 50;
const PARTNER_CODE = /^[A-Za-z0-9]{1,50}$/;
const DIGITS = /^\d{1,19}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const IPN_NUMERIC = new Set(['amount', 'transId', 'resultCode', 'responseTime']);
const IPN_BODY_FIELDS = IPN_FIELDS.filter((field) => field !== 'accessKey');

/** What a create call produced: where to send the payer, or MoMo's refusal as data. */
export interface MomoCreateResult {
  readonly merchant_ref: string;
  /** `pending` while the payer has a page to pay on; `failed` when MoMo refused the request. */
  readonly status: 'pending' | 'failed';
  readonly action: NextAction | null;
  readonly deeplink: string | null;
  readonly qr_code_url: string | null;
  readonly gateway_code: string;
  /** MoMo's message, at most 200 characters; empty when it sent none. */
  readonly message: string;
}

type Rejected = { ok: false; rejection: CallbackRejection };
type Refused = { ok: false; rejection: OrderRejection };

function rejection(reason: CallbackRejection['reason'], detail: string): Rejected {
  return { ok: false, rejection: { reason, detail } };
}

function refuse(code: OrderRejection['code'], param: string, message: string): Refused {
  return { ok: false, rejection: { code, param, message } };
}

function isOrderId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= ORDER_ID_LENGTH_MAX && ORDER_ID.test(value);
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** An integer as MoMo sends it (a JSON number, or digits in a redirect query), as exact text. */
function integerText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value === 'string') return DIGITS.test(value) ? value : null;
  return null;
}

/** The wire is JSON with integer money; bigint is written as its digits, never through a float. */
export function toWireJson(body: object): string {
  const members = Object.entries(body as Record<string, unknown>).map(
    ([key, value]) =>
      `${JSON.stringify(key)}:${typeof value === 'bigint' ? value.toString() : JSON.stringify(value)}`,
  );
  return `{${members.join(',')}}`;
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function asObject(json: unknown): Record<string, unknown> | null {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : null;
}

export class MomoClient implements GatewayAdapter {
  readonly #access_key: string;
  readonly #secret_key: string;
  readonly #fetch: typeof fetch | undefined;
  readonly partner_code: string;
  readonly ipn_url: string;
  readonly api_base_url: string;
  readonly timeout_ms: number;
  readonly capabilities: GatewayCapabilities;

  constructor(config: MomoConfig) {
    if (typeof config.partner_code !== 'string' || !PARTNER_CODE.test(config.partner_code)) {
      throw new AdapterError(
        'momo_config_invalid',
        'momo partner_code must be letters or digits',
        'partner_code',
      );
    }
    this.#access_key = requireSecret('momo', config.access_key, 'access_key');
    this.#secret_key = requireSecret('momo', config.secret_key, 'secret_key');
    if (!isHttpUrl(config.ipn_url)) {
      throw new AdapterError('momo_config_invalid', 'momo ipn_url must be an http(s) URL', 'ipn_url');
    }
    const timeout_ms = config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeout_ms) || timeout_ms < 1) {
      throw new AdapterError(
        'momo_config_invalid',
        'momo timeout_ms must be a positive integer',
        'timeout_ms',
      );
    }
    this.#fetch = config.fetch;
    this.partner_code = config.partner_code;
    this.ipn_url = config.ipn_url;
    this.api_base_url = (config.api_base_url ?? MOMO_SANDBOX_API_BASE_URL).replace(/\/+$/, '');
    this.timeout_ms = timeout_ms;
    this.capabilities = {
      gateway: 'momo',
      methods: Object.keys(MOMO_REQUEST_TYPES) as PaymentMethod[],
      refunds: true,
      partial_refunds: true,
      query: true,
      refund_status: false,
      settlement_file: true,
      amount_min: 1_000n,
      amount_max: 50_000_000n,
    };
  }

  /** The Stripe-like surface. */
  readonly payments = {
    build: (order: PaymentOrder) => this.buildCreate(order),
    verify: (json: unknown, body: MomoCreateRequest) => this.verifyCreateResponse(json, body),
    /** MoMo's own view of the create call; `createPayment` is the contract's. */
    create: (order: PaymentOrder): Promise<GatewayAnswer<MomoCreateResult>> => this.#create(order),
  };

  readonly webhooks = {
    /** Verifies an IPN body exactly as received. */
    verify: (rawBody: string | Buffer): CallbackResult => this.verifyIpnBody(rawBody),
    /** Verifies the browser redirect's query: the same fields and signature; display only. */
    verifyRedirect: (query: CallbackRequest['query']): CallbackResult => this.verifyRedirectQuery(query),
    reply: (outcome: CallbackOutcome): CallbackReply => this.callbackReply(outcome),
  };

  readonly transactions = {
    build: (query: PaymentQuery): MomoQueryRequest => this.buildQuery(query),
    verify: (json: unknown, body: MomoQueryRequest): GatewayAnswer<PaymentQueryResult> =>
      this.verifyQueryResponse(json, body),
    query: (query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> => this.queryPayment(query),
  };

  readonly refunds = {
    build: (request: RefundRequest): MomoRefundRequest => this.buildRefund(request),
    verify: (json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> =>
      this.verifyRefundResponse(json, request),
    create: (request: RefundRequest): Promise<GatewayAnswer<RefundResult>> => this.refund(request),
  };

  /** The signed create body, checked against the flow's limits and MoMo's field rules; no call is made. */
  buildCreate(order: PaymentOrder): { ok: true; body: MomoCreateRequest } | Refused {
    const requestType = MOMO_REQUEST_TYPES[order.method];
    if (!requestType) return refuse('method_not_supported', 'method', `MoMo has no ${order.method}`);
    const refused = amountRejection(order, requestType, MOMO_AMOUNT_LIMITS[requestType]);
    if (refused) return { ok: false, rejection: refused };
    if (!isOrderId(order.merchant_ref)) {
      return refuse(
        'invalid_field',
        'merchant_ref',
        'merchant_ref must be a MoMo orderId of at most 50 characters',
      );
    }
    const orderInfo = toSafeText(order.description ?? '', 255);
    if (orderInfo.length === 0)
      return refuse('invalid_field', 'description', 'description has no printable text');
    if (!isHttpUrl(order.return_url))
      return refuse('invalid_field', 'return_url', 'return_url must be http(s)');
    if (order.locale !== 'vi' && order.locale !== 'en')
      return refuse('invalid_field', 'locale', 'locale is vi or en');
    const unsigned = {
      partnerCode: this.partner_code,
      requestId: order.merchant_ref,
      amount: order.amount,
      orderId: order.merchant_ref,
      orderInfo,
      redirectUrl: order.return_url,
      ipnUrl: this.ipn_url,
      requestType,
      extraData: '',
      lang: order.locale,
    };
    const signature = sign(CREATE_FIELDS, { ...unsigned, accessKey: this.#access_key }, this.#secret_key);
    return { ok: true, body: { ...unsigned, signature } };
  }

  /**
   * Checks a create answer. momo.md documents no signature on it, so it is checked for echoing our
   * request (partnerCode, orderId, requestId, amount) and for a usable payUrl when it says 0.
   */
  verifyCreateResponse(json: unknown, body: MomoCreateRequest): GatewayAnswer<MomoCreateResult> {
    const answer = asObject(json);
    if (!answer) return rejection('malformed', 'the answer is not a JSON object');
    const echo = this.#checkEcho(answer, body.orderId, body.requestId);
    if (echo) return echo;
    const resultCode = answer.resultCode;
    if (typeof resultCode !== 'number' || !Number.isSafeInteger(resultCode)) {
      return rejection('malformed', 'resultCode must be an integer');
    }
    if (answer.amount !== undefined && integerText(answer.amount) !== body.amount.toString()) {
      return rejection('malformed', 'amount is not the amount asked for');
    }
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    const payUrl = text(answer.payUrl);
    const status = createStatus(resultCode);
    if (resultCode === 0 && !isHttpUrl(payUrl)) return rejection('malformed', 'payUrl is missing');
    return {
      ok: true,
      value: {
        merchant_ref: body.orderId,
        status: resultCode === 0 ? 'pending' : status,
        action: resultCode === 0 && payUrl ? { type: 'redirect', url: payUrl } : null,
        deeplink: text(answer.deeplink),
        qr_code_url: text(answer.qrCodeUrl),
        gateway_code: String(resultCode),
        message: typeof answer.message === 'string' ? answer.message.slice(0, 200) : '',
      },
    };
  }

  async #create(order: PaymentOrder): Promise<GatewayAnswer<MomoCreateResult>> {
    const built = this.buildCreate(order);
    if (!built.ok) return built;
    return this.verifyCreateResponse(await this.#post('create', built.body), built.body);
  }

  /**
   * The contract's create: payUrl as a redirect (the order carries no wish for MoMo's app deeplink, so
   * the payUrl page, which offers the app itself, serves every flow). A refusal by MoMo is `declined`
   * with its resultCode; an answer that fails our checks is `declined` as gateway_answer_invalid and a
   * call that did not complete as gateway_unreachable, both retryable.
   */
  async createPayment(order: PaymentOrder): Promise<CreatePaymentResult> {
    const built = this.buildCreate(order);
    if (!built.ok) return built;
    let json: unknown;
    try {
      json = await this.#post('create', built.body);
    } catch {
      return {
        ok: false,
        declined: { code: 'gateway_unreachable', message: 'MoMo did not answer', retryable: true },
      };
    }
    const answer = this.verifyCreateResponse(json, built.body);
    if (!answer.ok) {
      return {
        ok: false,
        declined: {
          code: 'gateway_answer_invalid',
          message: 'detail' in answer.rejection ? answer.rejection.detail : answer.rejection.message,
          retryable: true,
        },
      };
    }
    const created = answer.value;
    if (created.action) return { ok: true, action: created.action };
    return {
      ok: false,
      declined: {
        code: created.gateway_code,
        message: created.message,
        retryable: createDeclineRetryable(Number(created.gateway_code)),
      },
    };
  }

  parseCallback(request: CallbackRequest): CallbackResult {
    if (request.method.toUpperCase() !== 'POST')
      return rejection('malformed', 'MoMo sends the IPN with POST');
    return this.verifyIpnBody(request.rawBody);
  }

  verifyIpnBody(rawBody: string | Buffer): CallbackResult {
    const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
    const body = parseJsonObject(text);
    if (!body) return rejection('malformed', 'the body is not a JSON object');
    return this.#verifyFields(body);
  }

  verifyRedirectQuery(query: CallbackRequest['query']): CallbackResult {
    const flat: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (typeof value === 'string') flat[key] = value;
      else if (Array.isArray(value) && value.length === 1) flat[key] = value[0];
      else return rejection('malformed', `${key} is repeated`);
    }
    return this.#verifyFields(flat);
  }

  /** Structure, then signature, then partner, then values: a field is trusted only once signed. */
  #verifyFields(body: Record<string, unknown>): CallbackResult {
    const signature = body.signature;
    if (typeof signature !== 'string' || signature === '')
      return rejection('malformed', 'signature is missing');
    const signed: Record<string, string> = {};
    for (const field of IPN_BODY_FIELDS) {
      const value = body[field];
      if (value === undefined) return rejection('malformed', `${field} is missing`);
      const text = IPN_NUMERIC.has(field) ? integerText(value) : typeof value === 'string' ? value : null;
      if (text === null) {
        return rejection(
          'malformed',
          `${field} must be ${IPN_NUMERIC.has(field) ? 'a whole number' : 'text'}`,
        );
      }
      signed[field] = text;
    }
    if (
      !SIGNATURE.test(signature) ||
      !verify(IPN_FIELDS, { ...signed, accessKey: this.#access_key }, signature, this.#secret_key)
    ) {
      return rejection('bad_signature', 'signature does not match');
    }
    if (signed.partnerCode !== this.partner_code)
      return rejection('wrong_merchant', 'partnerCode is not ours');
    if (!ORDER_ID.test(signed.orderId as string))
      return rejection('malformed', 'orderId is not a MoMo orderId');
    const amount = BigInt(signed.amount as string);
    if (amount < 1n) return rejection('malformed', 'amount must be positive');
    const resultCode = Number(signed.resultCode);
    const status = paymentStatus(resultCode);
    return {
      ok: true,
      event: {
        gateway: 'momo',
        merchant_ref: signed.orderId as string,
        gateway_txn_id: signed.transId as string,
        amount,
        currency: 'VND',
        status,
        paid_at: status === 'succeeded' ? new Date(Number(signed.responseTime)) : null,
        gateway_code: signed.resultCode as string,
        raw: Object.freeze({ ...signed, signature }),
      },
    };
  }

  /** HTTP 204 No Content for what the hub settled (momo.md); see ipnReply for the rest. */
  callbackReply(outcome: CallbackOutcome): CallbackReply {
    return ipnReply(outcome);
  }

  /** The signed query body. Throws AdapterError on a field the caller got wrong. */
  buildQuery(query: PaymentQuery): MomoQueryRequest {
    this.#checkId(query.request_id, 'request_id');
    this.#checkId(query.merchant_ref, 'merchant_ref');
    const unsigned = {
      partnerCode: this.partner_code,
      requestId: query.request_id,
      orderId: query.merchant_ref,
      lang: 'vi' as const,
    };
    const signature = sign(QUERY_FIELDS, { ...unsigned, accessKey: this.#access_key }, this.#secret_key);
    return { ...unsigned, signature };
  }

  verifyQueryResponse(json: unknown, body: MomoQueryRequest): GatewayAnswer<PaymentQueryResult> {
    const answer = asObject(json);
    if (!answer) return rejection('malformed', 'the answer is not a JSON object');
    const echo = this.#checkEcho(answer, body.orderId, body.requestId);
    if (echo) return echo;
    const fields = this.#readResult(answer);
    if (!fields.ok) return fields;
    const status = paymentStatus(fields.resultCode);
    return {
      ok: true,
      value: {
        merchant_ref: body.orderId,
        gateway_txn_id: fields.transId,
        amount: fields.amount,
        status,
        // The answer's responseTime is when MoMo answered, not when the payer paid.
        paid_at: null,
        gateway_code: String(fields.resultCode),
      },
    };
  }

  async queryPayment(query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>> {
    let body: MomoQueryRequest;
    try {
      body = this.buildQuery(query);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyQueryResponse(await this.#post('query', body), body);
  }

  /** The signed refund body: a new orderId and requestId (the refund_ref) naming the payment's transId. */
  buildRefund(request: RefundRequest): MomoRefundRequest {
    this.#checkId(request.refund_ref, 'refund_ref');
    if (typeof request.amount !== 'bigint' || request.amount < 1n) {
      throw new AdapterError('invalid_field', 'amount must be a positive bigint', 'amount');
    }
    if (typeof request.payment_amount !== 'bigint' || request.amount > request.payment_amount) {
      throw new AdapterError('invalid_field', 'amount must not exceed payment_amount', 'amount');
    }
    if (typeof request.gateway_txn_id !== 'string' || !DIGITS.test(request.gateway_txn_id)) {
      throw new AdapterError('invalid_field', 'gateway_txn_id must be MoMo digits', 'gateway_txn_id');
    }
    const description = toSafeText(request.reason ?? '', 255);
    if (description.length === 0)
      throw new AdapterError('invalid_field', 'reason has no printable text', 'reason');
    const unsigned = {
      partnerCode: this.partner_code,
      orderId: request.refund_ref,
      requestId: request.refund_ref,
      amount: request.amount,
      transId: BigInt(request.gateway_txn_id),
      lang: 'vi' as const,
      description,
    };
    const signature = sign(REFUND_FIELDS, { ...unsigned, accessKey: this.#access_key }, this.#secret_key);
    return { ...unsigned, signature };
  }

  verifyRefundResponse(json: unknown, request: RefundRequest): GatewayAnswer<RefundResult> {
    const answer = asObject(json);
    if (!answer) return rejection('malformed', 'the answer is not a JSON object');
    const echo = this.#checkEcho(answer, request.refund_ref, request.refund_ref);
    if (echo) return echo;
    const fields = this.#readResult(answer);
    if (!fields.ok) return fields;
    return {
      ok: true,
      value: {
        refund_ref: request.refund_ref,
        merchant_ref: request.merchant_ref,
        gateway_refund_id: fields.transId,
        amount: fields.amount,
        status: refundStatus(fields.resultCode),
        gateway_code: String(fields.resultCode),
      },
    };
  }

  async refund(request: RefundRequest): Promise<GatewayAnswer<RefundResult>> {
    let body: MomoRefundRequest;
    try {
      body = this.buildRefund(request);
    } catch (error) {
      return this.#asRejection(error);
    }
    return this.verifyRefundResponse(await this.#post('refund', body), request);
  }

  /**
   * The rows of MoMo's daily settlement file (format assumed, see momo.settlement.ts); a row for
   * another partner than ours is a bad row.
   */
  parseSettlementFile(stream: AsyncIterable<string | Buffer>): AsyncIterable<SettlementRow> {
    return parseMomoSettlementFile(stream, { partner_code: this.partner_code });
  }

  #checkId(value: unknown, param: string): void {
    if (!isOrderId(value)) {
      throw new AdapterError(
        'invalid_field',
        `${param} must be a MoMo orderId of at most 50 characters`,
        param,
      );
    }
  }

  /** An answer about another partner or another request is refused; absent echo fields are tolerated. */
  #checkEcho(answer: Record<string, unknown>, orderId: string, requestId: string): Rejected | null {
    if (answer.partnerCode !== undefined && answer.partnerCode !== this.partner_code) {
      return rejection('wrong_merchant', 'partnerCode is not ours');
    }
    if (answer.orderId !== undefined && answer.orderId !== orderId) {
      return rejection('malformed', 'orderId is not the one asked about');
    }
    if (answer.requestId !== undefined && answer.requestId !== requestId) {
      return rejection('malformed', 'requestId is not the one sent');
    }
    return null;
  }

  #readResult(
    answer: Record<string, unknown>,
  ): { ok: true; resultCode: number; amount: bigint | null; transId: string | null } | Rejected {
    const resultCode = answer.resultCode;
    if (typeof resultCode !== 'number' || !Number.isSafeInteger(resultCode)) {
      return rejection('malformed', 'resultCode must be an integer');
    }
    let amount: bigint | null = null;
    if (answer.amount !== undefined && answer.amount !== null) {
      const text = integerText(answer.amount);
      if (text === null) return rejection('malformed', 'amount must be a whole number');
      amount = BigInt(text);
    }
    let transId: string | null = null;
    if (answer.transId !== undefined && answer.transId !== null && answer.transId !== 0) {
      transId = integerText(answer.transId);
      if (transId === null) return rejection('malformed', 'transId must be a whole number');
    }
    return { ok: true, resultCode, amount, transId };
  }

  async #post(endpoint: 'create' | 'query' | 'refund', body: object): Promise<unknown> {
    const { text } = await fetchText(
      this.#fetch,
      `${this.api_base_url}/${endpoint}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: toWireJson(body),
      },
      this.timeout_ms,
    );
    return parseJsonObject(text);
  }

  #asRejection(error: unknown): Refused {
    if (error instanceof AdapterError && error.code === 'invalid_field') {
      return refuse('invalid_field', error.param ?? '', error.message);
    }
    throw error;
  }
}
