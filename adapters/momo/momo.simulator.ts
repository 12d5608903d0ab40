// A loopback MoMo AIO v2 for tests, end-to-end runs and `npm run sim`: the real wire protocol (create,
// pay page, signed IPN retried until HTTP 204, signed browser redirect, query, refund) and the day's file.
import { randomBytes } from 'node:crypto';
import {
  CallbackSender,
  html,
  payPage,
  redirect,
  refundedTotal,
  sequence,
  GatewaySimulator,
  jsonObject,
  systemClock,
  type Clock,
  type SimPayment,
  type SimRefund,
  type SimRequest,
  type SimResponse,
} from '../shared/simulator';
import { computeFee, validateFeeRule, type FeeRule } from '../fees';
import { formatVietnamTime } from '../shared/time';
import { MOMO_AMOUNT_LIMITS } from './momo.client';
import { writeSettlementFile, type MomoSettlementRecord } from './momo.settlement';
import { CREATE_FIELDS, IPN_FIELDS, QUERY_FIELDS, REFUND_FIELDS, sign, verify } from './momo.signature';
import type { MomoConfig, MomoRequestType } from './momo.types';

export interface MomoSimulatorOptions {
  /** The one merchant this MoMo knows; requests signed with anything else are refused with 13. */
  readonly partner_code: string;
  readonly access_key: string;
  readonly secret_key: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** Waits between IPN attempts (the last repeats); tests pass a few ms. */
  readonly retry_intervals_ms?: readonly number[];
  /** IPN attempts in all, the first included. */
  readonly callback_attempts_max?: number;
  /** How long one IPN attempt waits for the merchant (momo.md: answer within 15 s). */
  readonly callback_timeout_ms?: number;
  /**
   * The fee per payment in the settlement file, by the hub's own rule (adapters/fees.ts), so that
   * reconciliation can compare it with the configured fee; never above the amount. Refund rows carry
   * no fee [assumed].
   */
  readonly fee?: FeeRule;
}

/** MoMo documents no IPN retry schedule; these minutes-apart waits are assumed. */
export const MOMO_SIM_RETRY_INTERVALS_MS: readonly number[] = [60_000, 300_000, 900_000, 3_600_000];
export const MOMO_SIM_CALLBACK_ATTEMPTS_MAX = 5;
export const MOMO_SIM_DEFAULT_FEE: FeeRule = { percent: '1.5' };

/**
 * The result codes this MoMo answers with. momo.md lists 0, 13, 20, 40, 41, 1000, 1005, 1006; 22, 42,
 * 1080 and 1081 are from MoMo's public result-code table, which momo.md does not cover [inf].
 */
export const MOMO_SIM_RESULT = {
  success: 0,
  merchant_auth_failed: 13,
  bad_format: 20,
  amount_out_of_range: 22,
  duplicate_request_id: 40,
  duplicate_order_id: 41,
  order_not_found: 42,
  initiated: 1000,
  expired: 1005,
  user_denied: 1006,
  refund_failed: 1080,
  refund_rejected: 1081,
} as const;

const MESSAGES: Readonly<Record<number, string>> = {
  0: 'Successful.',
  13: 'Merchant authentication failed.',
  20: 'Bad format request.',
  22: 'Transaction amount is out of range.',
  40: 'Duplicated requestId.',
  41: 'Duplicated orderId.',
  42: 'Invalid orderId or orderId is not found.',
  1000: 'Transaction is initiated, waiting for user confirmation.',
  1005: 'Transaction failed because the url or QR code expired.',
  1006: 'Transaction failed because user has denied to confirm the payment.',
  1080: 'Refund attempt failed: the original transaction is not found or not paid.',
  1081: 'Refund rejected: the amount exceeds the refundable amount.',
};

/** What a payer can do on the pay page, and what each makes of the payment. */
type PayAction = 'approve' | 'decline' | 'timeout';
const OUTCOMES: Readonly<Record<PayAction, { status: SimPayment['status']; resultCode: number }>> = {
  approve: { status: 'succeeded', resultCode: MOMO_SIM_RESULT.success },
  decline: { status: 'failed', resultCode: MOMO_SIM_RESULT.user_denied },
  timeout: { status: 'expired', resultCode: MOMO_SIM_RESULT.expired },
};

/** payType in the IPN per flow [inf: the values MoMo's samples show]. */
const PAY_TYPES: Readonly<Record<MomoRequestType, string>> = {
  captureWallet: 'qr',
  payWithATM: 'napas',
  payWithCC: 'credit',
};

const API = '/v2/gateway/api';
const PAY = '/v2/gateway/pay';
const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const ORDER_ID_LENGTH_MAX = 200;
const REQUEST_ID_LENGTH_MAX = 50;
const ORDER_INFO_LENGTH_MAX = 255;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Body = Record<string, unknown>;
type Fields = Record<string, string>;

/**
 * JSON with bigint money written as its digits, nested too (refundTrans), never through a float; the
 * client's toWireJson covers only flat bodies.
 */
function wireJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(wireJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${wireJson(item)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The listed fields as text: strings as sent, whole JSON numbers as their digits (MoMo signs what it
 * received, so the digits are what the signature covers). Null when one is missing or mistyped.
 */
function readFields(body: Body, text: readonly string[], numeric: readonly string[]): Fields | null {
  const fields: Fields = {};
  for (const key of text) {
    const value = body[key];
    if (typeof value !== 'string') return null;
    fields[key] = value;
  }
  for (const key of numeric) {
    const value = body[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return null;
    fields[key] = String(value);
  }
  return fields;
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isOrderId(value: string): boolean {
  return value.length <= ORDER_ID_LENGTH_MAX && ORDER_ID.test(value);
}

function isRequestId(value: string): boolean {
  return value.length > 0 && value.length <= REQUEST_ID_LENGTH_MAX;
}

function isRequestType(value: string): value is MomoRequestType {
  return Object.hasOwn(MOMO_AMOUNT_LIMITS, value);
}

function checkOptions(options: MomoSimulatorOptions): void {
  for (const key of ['partner_code', 'access_key', 'secret_key'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new TypeError(`momo simulator ${key} is missing`);
    }
  }
  if (options.fee !== undefined) validateFeeRule(options.fee, 'fee');
  const attempts = options.callback_attempts_max;
  if (attempts !== undefined && (!Number.isSafeInteger(attempts) || attempts < 1)) {
    throw new RangeError('momo simulator callback_attempts_max must be a positive integer');
  }
}

export class MomoSimulator extends GatewaySimulator {
  readonly callbacks: CallbackSender;
  readonly partner_code: string;
  readonly fee: FeeRule;
  readonly #access_key: string;
  readonly #secret_key: string;
  readonly #clock: Clock;
  readonly #next_trans_id = sequence(4_088_878_000);
  /** Payments by orderId, in creation order. */
  readonly #payments = new Map<string, SimPayment>();
  readonly #by_token = new Map<string, SimPayment>();
  readonly #by_trans_id = new Map<string, SimPayment>();
  /** Refund orderIds, pointing at the payment they refund. */
  readonly #refund_orders = new Map<string, SimPayment>();
  /** Every requestId seen by create and refund: MoMo wants them unique per partner. */
  readonly #request_ids = new Set<string>();

  private constructor(options: MomoSimulatorOptions) {
    super();
    this.partner_code = options.partner_code;
    this.#access_key = options.access_key;
    this.#secret_key = options.secret_key;
    this.#clock = options.clock ?? systemClock;
    this.fee = options.fee ?? MOMO_SIM_DEFAULT_FEE;
    this.callbacks = new CallbackSender(
      {
        attempts_max: options.callback_attempts_max ?? MOMO_SIM_CALLBACK_ATTEMPTS_MAX,
        intervals_ms: options.retry_intervals_ms ?? MOMO_SIM_RETRY_INTERVALS_MS,
        // momo.md: the merchant answers HTTP 204; anything else is not an acknowledgement.
        acknowledged: (status) => status === 204,
      },
      options.callback_timeout_ms ?? 15_000,
    );
    this.server
      .route('POST', `${API}/create`, (request) => this.#create(request))
      .route('POST', `${API}/query`, (request) => this.#query(request))
      .route('POST', `${API}/refund`, (request) => this.#refund(request))
      .route('GET', PAY, (request) => this.#payPage(request.query.t ?? ''))
      .route('POST', `${PAY}/:token/:action`, (request) => this.#press(request));
  }

  static async start(options: MomoSimulatorOptions): Promise<MomoSimulator> {
    checkOptions(options);
    return new MomoSimulator(options).listen(options.port);
  }

  /** A MomoClient configuration for this simulator; the IPN goes wherever the caller listens. */
  clientConfig(ipn_url: string): MomoConfig {
    return {
      partner_code: this.partner_code,
      access_key: this.#access_key,
      secret_key: this.#secret_key,
      ipn_url,
      api_base_url: `${this.url}${API}`,
    };
  }

  payment(merchant_ref: string): SimPayment | undefined {
    return this.#payments.get(merchant_ref);
  }

  /** The approve button without the browser; returns where the browser would be redirected. */
  approve(merchant_ref: string): string {
    return this.#settle(this.#pending(merchant_ref), 'approve');
  }

  decline(merchant_ref: string): string {
    return this.#settle(this.#pending(merchant_ref), 'decline');
  }

  timeout(merchant_ref: string): string {
    return this.#settle(this.#pending(merchant_ref), 'timeout');
  }

  /**
   * The day's settlement file (`YYYY-MM-DD`, Vietnam time): every payment paid that day (with the
   * fee) and every refund made that day (fee 0), in time order. Declined and expired payments moved
   * no money and are left out [choice].
   */
  settlementFile(date: string): string {
    if (!DATE.test(date)) throw new RangeError('date must be YYYY-MM-DD');
    const onDay = (at: Date) => formatVietnamTime(at, 'yyyy-MM-dd') === date;
    const records: MomoSettlementRecord[] = [];
    for (const payment of this.#payments.values()) {
      if (payment.status === 'succeeded' && payment.paid_at && onDay(payment.paid_at)) {
        records.push(this.#paymentRecord(payment, payment.paid_at));
      }
      for (const refund of payment.refunds) {
        if (onDay(refund.at)) records.push(this.#refundRecord(payment, refund));
      }
    }
    // Array sort is stable, so rows at the same millisecond keep the order they happened in.
    records.sort((a, b) => a.responseTime.getTime() - b.responseTime.getTime());
    return [...writeSettlementFile(records)].join('');
  }

  /**
   * The hub's fee rule, then capped at the amount: the file refuses a fee above the amount (payout =
   * amount − fee). Unlike the rule's max, the cap follows the amount; only a fixed part can reach it.
   */
  #paymentFee(amount: bigint): bigint {
    const fee = computeFee(amount, this.fee);
    return fee > amount ? amount : fee;
  }

  #paymentRecord(payment: SimPayment, paid_at: Date): MomoSettlementRecord {
    return {
      partnerCode: this.partner_code,
      orderId: payment.merchant_ref,
      transId: payment.gateway_txn_id,
      type: 'payment',
      refundOrderId: '',
      amount: payment.amount,
      fee: this.#paymentFee(payment.amount),
      resultCode: MOMO_SIM_RESULT.success,
      responseTime: paid_at,
    };
  }

  #refundRecord(payment: SimPayment, refund: SimRefund): MomoSettlementRecord {
    return {
      partnerCode: this.partner_code,
      orderId: payment.merchant_ref,
      transId: refund.gateway_refund_id,
      type: 'refund',
      refundOrderId: refund.refund_ref,
      amount: refund.amount,
      fee: 0n,
      resultCode: MOMO_SIM_RESULT.success,
      responseTime: refund.at,
    };
  }

  #pending(merchant_ref: string): SimPayment {
    const payment = this.#payments.get(merchant_ref);
    if (!payment || payment.status !== 'pending') {
      throw new Error(`momo simulator has no pending payment ${merchant_ref}`);
    }
    return payment;
  }

  #signs(fields: readonly string[], values: Fields, signature: unknown): boolean {
    return (
      typeof signature === 'string' &&
      verify(fields, { ...values, accessKey: this.#access_key }, signature, this.#secret_key)
    );
  }

  /** An answer with MoMo's envelope: the request's ids echoed when it sent them. */
  #answer(body: Body | null, resultCode: number, extra: Record<string, unknown> = {}): SimResponse {
    const echo: Record<string, unknown> = {};
    for (const key of ['partnerCode', 'orderId', 'requestId'] as const) {
      if (typeof body?.[key] === 'string') echo[key] = body[key];
    }
    const answer = {
      ...echo,
      ...extra,
      resultCode,
      message: MESSAGES[resultCode] ?? '',
      responseTime: this.#clock().getTime(),
    };
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: wireJson(answer),
    };
  }

  /** The request-level checks every API call shares: structure, partner, signature. */
  #authenticate(
    request: SimRequest,
    fields: readonly string[],
    text: readonly string[],
    numeric: readonly string[],
  ): { ok: true; body: Body; fields: Fields } | { ok: false; answer: SimResponse } {
    const body = jsonObject(request.rawBody);
    const read = body && readFields(body, text, numeric);
    if (!body || !read) return { ok: false, answer: this.#answer(body, MOMO_SIM_RESULT.bad_format) };
    if (read.partnerCode !== this.partner_code || !this.#signs(fields, read, body.signature)) {
      return { ok: false, answer: this.#answer(body, MOMO_SIM_RESULT.merchant_auth_failed) };
    }
    return { ok: true, body, fields: read };
  }

  #create(request: SimRequest): SimResponse {
    const checked = this.#authenticate(
      request,
      CREATE_FIELDS,
      [
        'partnerCode',
        'requestId',
        'orderId',
        'orderInfo',
        'redirectUrl',
        'ipnUrl',
        'requestType',
        'extraData',
      ],
      ['amount'],
    );
    if (!checked.ok) return checked.answer;
    const { body, fields } = checked;
    const { orderId, requestId, requestType } = fields;
    const lang = body.lang ?? 'vi';
    if (
      !isOrderId(orderId) ||
      !isRequestId(requestId) ||
      fields.orderInfo.length > ORDER_INFO_LENGTH_MAX ||
      !isHttpUrl(fields.redirectUrl) ||
      !isHttpUrl(fields.ipnUrl) ||
      !isRequestType(requestType) ||
      (lang !== 'vi' && lang !== 'en')
    ) {
      return this.#answer(body, MOMO_SIM_RESULT.bad_format);
    }
    const amount = BigInt(fields.amount);
    const limits = MOMO_AMOUNT_LIMITS[requestType];
    if (amount < limits.min || amount > limits.max) {
      return this.#answer(body, MOMO_SIM_RESULT.amount_out_of_range, { amount });
    }
    if (this.#payments.has(orderId) || this.#refund_orders.has(orderId)) {
      return this.#answer(body, MOMO_SIM_RESULT.duplicate_order_id, { amount });
    }
    if (this.#request_ids.has(requestId)) {
      return this.#answer(body, MOMO_SIM_RESULT.duplicate_request_id, { amount });
    }
    this.#request_ids.add(requestId);
    const token = randomBytes(12).toString('base64url');
    const payment: SimPayment = {
      merchant_ref: orderId,
      amount,
      description: fields.orderInfo,
      created_at: this.#clock(),
      status: 'pending',
      gateway_txn_id: '',
      paid_at: null,
      refunds: [],
      extra: {
        requestId,
        orderInfo: fields.orderInfo,
        redirectUrl: fields.redirectUrl,
        ipnUrl: fields.ipnUrl,
        requestType,
        extraData: fields.extraData,
        lang: String(lang),
        token,
      },
    };
    this.#payments.set(orderId, payment);
    this.#by_token.set(token, payment);
    // Real deeplink and qrCodeUrl are momo:// links for the app; here all three open the pay page.
    const payUrl = `${this.url}${PAY}?t=${token}`;
    return this.#answer(body, MOMO_SIM_RESULT.success, {
      amount,
      payUrl,
      deeplink: `${payUrl}&s=app`,
      qrCodeUrl: `${payUrl}&s=qr`,
    });
  }

  #payPage(token: string): SimResponse {
    const payment = this.#by_token.get(token);
    if (!payment) return html(404, '<!doctype html><p>This payment link does not exist.</p>');
    return html(
      200,
      payPage({
        gateway: 'MoMo',
        merchant_ref: payment.merchant_ref,
        amount: payment.amount,
        description: payment.description,
        action_base: `${this.url}${PAY}/${token}`,
        status: payment.status,
      }),
    );
  }

  #press(request: SimRequest): SimResponse {
    const token = request.params.token ?? '';
    const payment = this.#by_token.get(token);
    const action = request.params.action as PayAction;
    if (!payment || !Object.hasOwn(OUTCOMES, action)) {
      return html(404, '<!doctype html><p>This payment link does not exist.</p>');
    }
    // A second press (another tab, a double click) changes nothing and sends nothing.
    if (payment.status !== 'pending') return { ...this.#payPage(token), status: 409 };
    return redirect(this.#settle(payment, action));
  }

  /** Marks the payment, sends the signed IPN through `callbacks` and returns the signed redirect. */
  #settle(payment: SimPayment, action: PayAction): string {
    const outcome = OUTCOMES[action];
    const now = this.#clock();
    payment.status = outcome.status;
    payment.gateway_txn_id = this.#next_trans_id();
    payment.paid_at = outcome.status === 'succeeded' ? now : null;
    this.#by_trans_id.set(payment.gateway_txn_id, payment);
    const extra = payment.extra;
    extra.resultCode = String(outcome.resultCode);
    extra.payType = PAY_TYPES[extra.requestType as MomoRequestType];
    extra.responseTime = String(now.getTime());
    const fields = this.#ipnFields(payment);
    const signature = sign(IPN_FIELDS, { ...fields, accessKey: this.#access_key }, this.#secret_key);
    this.callbacks.send({
      ref: payment.merchant_ref,
      url: extra.ipnUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: wireJson({
        partnerCode: fields.partnerCode,
        orderId: fields.orderId,
        requestId: fields.requestId,
        amount: payment.amount,
        orderInfo: fields.orderInfo,
        orderType: fields.orderType,
        transId: BigInt(fields.transId),
        resultCode: outcome.resultCode,
        message: fields.message,
        payType: fields.payType,
        responseTime: now.getTime(),
        extraData: fields.extraData,
        signature,
      }),
    });
    // The browser gets the same signed fields in the query of redirectUrl (display only).
    const url = new URL(extra.redirectUrl);
    for (const [key, value] of Object.entries(fields)) url.searchParams.set(key, value);
    url.searchParams.set('signature', signature);
    return url.toString();
  }

  /** The IPN's signed fields as text, which is also what the browser redirect carries. */
  #ipnFields(payment: SimPayment): Fields {
    const extra = payment.extra;
    const resultCode = Number(extra.resultCode);
    return {
      partnerCode: this.partner_code,
      orderId: payment.merchant_ref,
      requestId: extra.requestId ?? '',
      amount: payment.amount.toString(),
      orderInfo: extra.orderInfo ?? '',
      orderType: 'momo_wallet',
      transId: payment.gateway_txn_id,
      resultCode: String(resultCode),
      message: MESSAGES[resultCode] ?? '',
      payType: extra.payType ?? '',
      responseTime: extra.responseTime ?? '',
      extraData: extra.extraData ?? '',
    };
  }

  #query(request: SimRequest): SimResponse {
    const checked = this.#authenticate(request, QUERY_FIELDS, ['partnerCode', 'requestId', 'orderId'], []);
    if (!checked.ok) return checked.answer;
    const { body, fields } = checked;
    const payment = this.#payments.get(fields.orderId);
    if (payment) {
      const resultCode =
        payment.status === 'pending' ? MOMO_SIM_RESULT.initiated : Number(payment.extra.resultCode);
      return this.#answer(body, resultCode, {
        extraData: payment.extra.extraData,
        amount: payment.amount,
        transId: payment.gateway_txn_id === '' ? 0 : BigInt(payment.gateway_txn_id),
        payType: payment.extra.payType ?? '',
        refundTrans: payment.refunds.map((refund) => ({
          orderId: refund.refund_ref,
          amount: refund.amount,
          resultCode: MOMO_SIM_RESULT.success,
          transId: BigInt(refund.gateway_refund_id),
          createdTime: refund.at.getTime(),
        })),
      });
    }
    // A refund is an order of its own at MoMo, so its orderId can be queried too [inf].
    const refund = this.#refund_orders
      .get(fields.orderId)
      ?.refunds.find((item) => item.refund_ref === fields.orderId);
    if (refund) {
      return this.#answer(body, MOMO_SIM_RESULT.success, {
        amount: refund.amount,
        transId: BigInt(refund.gateway_refund_id),
        payType: '',
        refundTrans: [],
      });
    }
    return this.#answer(body, MOMO_SIM_RESULT.order_not_found);
  }

  #refund(request: SimRequest): SimResponse {
    const checked = this.#authenticate(
      request,
      REFUND_FIELDS,
      ['partnerCode', 'orderId', 'requestId', 'description'],
      ['amount', 'transId'],
    );
    if (!checked.ok) return checked.answer;
    const { body, fields } = checked;
    const { orderId, requestId } = fields;
    const amount = BigInt(fields.amount);
    if (!isOrderId(orderId) || !isRequestId(requestId) || amount < 1n) {
      return this.#answer(body, MOMO_SIM_RESULT.bad_format);
    }
    if (this.#payments.has(orderId) || this.#refund_orders.has(orderId)) {
      return this.#answer(body, MOMO_SIM_RESULT.duplicate_order_id);
    }
    if (this.#request_ids.has(requestId)) return this.#answer(body, MOMO_SIM_RESULT.duplicate_request_id);
    const payment = this.#by_trans_id.get(fields.transId);
    if (!payment || payment.status !== 'succeeded') {
      return this.#answer(body, MOMO_SIM_RESULT.refund_failed);
    }
    // Refunds accumulate and together never exceed the payment.
    if (amount > payment.amount - refundedTotal(payment)) {
      return this.#answer(body, MOMO_SIM_RESULT.refund_rejected);
    }
    this.#request_ids.add(requestId);
    const refund: SimRefund = {
      refund_ref: orderId,
      gateway_refund_id: this.#next_trans_id(),
      amount,
      at: this.#clock(),
    };
    payment.refunds.push(refund);
    this.#refund_orders.set(orderId, payment);
    return this.#answer(body, MOMO_SIM_RESULT.success, {
      amount,
      transId: BigInt(refund.gateway_refund_id),
    });
  }
}
