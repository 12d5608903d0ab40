// A ZaloPay v2 gateway on loopback, speaking the wire protocol the client speaks (key1 macs checked,
// key2-signed callbacks sent), so the hub's flows, faults and settlement can be exercised without ZaloPay.
import type { ZalopayConfig } from './zalopay.types';
import { computeFee, validateFeeRule, type FeeRule } from '../fees';
import { safeEqualHex } from '../shared/crypto';
import {
  CallbackSender,
  type Clock,
  html,
  payPage,
  redirect,
  refundedTotal,
  sequence,
  type SimPayment,
  type SimRequest,
  type SimResponse,
  GatewaySimulator,
  jsonObject,
  systemClock,
} from '../shared/simulator';
import { formatVietnamTime } from '../shared/time';
import { createMac, hmacSha256Hex, queryMac, queryRefundMac, refundMac } from './zalopay.signature';
import { writeSettlementFile, type ZalopaySettlementEntry } from './zalopay.settlement';

export interface ZalopaySimulatorOptions {
  readonly app_id: number;
  readonly key1: string;
  readonly key2: string;
  /** Where callbacks go when an order carries no callback_url (ZaloPay's registered URL). */
  readonly callback_url?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** Waits between callback attempts; the last repeats. Defaults to 60 s, 3 min, 5 min (assumed). */
  readonly retry_intervals_ms?: readonly number[];
  /**
   * Settlement fee on payment rows, by the hub's own rule (adapters/fees.ts), so that reconciliation can
   * compare it with the configured fee; 1 % and no fixed part by default. Refund rows carry no fee.
   */
  readonly fee?: FeeRule;
  /** What /v2/refund answers: 3 (processing, as ZaloPay's asynchronous refund; the default) or 1. */
  readonly refund_return_code?: 1 | 3;
}

/** One refund as the simulator keeps it. */
interface SimZalopayRefund {
  readonly m_refund_id: string;
  readonly refund_id: string;
  readonly app_trans_id: string;
  readonly amount: bigint;
  readonly at: Date;
}

/** Attempts in all: the first plus ZaloPay's "up to 3" retries [doc]. */
const CALLBACK_ATTEMPTS_MAX = 4;
const DEFAULT_RETRY_INTERVALS_MS = [60_000, 180_000, 300_000];
export const ZALOPAY_SIM_DEFAULT_FEE: FeeRule = { percent: '1' };
/** app_time may be at most this old (or this far ahead) when the order is created [doc: 15 min]. */
const APP_TIME_SKEW_MS = 15 * 60 * 1000;
/** Orders are queryable for 48 h only [doc]. */
const QUERYABLE_MS = 48 * 60 * 60 * 1000;
const DEFAULT_EXPIRE_SECONDS = 15 * 60;
/** The channel and pmcid the simulator reports: 38, ZaloPay wallet [2nd]. */
const CHANNEL_WALLET = 38;

const SUB = {
  duplicate: -68,
  bad_params: -401,
  bad_app_or_mac: -402,
  /** Order or refund unknown (named in ZaloPay's disbursement docs; assumed to hold here). */
  not_found: -101,
} as const;

const APP_TRANS_ID = /^(\d{6})_([A-Za-z0-9_-]{1,33})$/;
const M_REFUND_ID = /^(\d{6})_(\d{1,12})_([A-Za-z0-9_-]{1,32})$/;
const DIGITS = /^\d{1,19}$/;
const MAC = /^[0-9a-fA-F]{64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Fields = Record<string, string>;

/** A JSON text where bigints are written as plain numbers (ZaloPay's wire), never through a float. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `\u0000${v}\u0000` : v,
  ).replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
}

function answer(value: Record<string, unknown>): SimResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: jsonText(value),
  };
}

function refused(sub_return_code: number, return_message: string): SimResponse {
  return answer({ return_code: 2, return_message, sub_return_code, sub_return_message: return_message });
}

/** Form-urlencoded (as the client sends) or JSON (create accepts both [doc]); every value as text. */
function readFields(request: SimRequest): Fields | null {
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const parsed = jsonObject(request.rawBody);
    if (parsed === null) return null;
    const fields: Fields = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') fields[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
    }
    return fields;
  }
  return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
}

function macMatches(given: string | undefined, expected: string): boolean {
  return typeof given === 'string' && MAC.test(given) && safeEqualHex(given, expected);
}

function isJson(text: string, shape: 'object' | 'array'): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return shape === 'array'
      ? Array.isArray(value)
      : typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function vietnamDay(date: Date): string {
  return formatVietnamTime(date, 'yyyy-MM-dd');
}

function yymmdd(date: Date): string {
  return formatVietnamTime(date, 'yyyyMMdd').slice(2);
}

export class ZalopaySimulator extends GatewaySimulator {
  readonly callbacks: CallbackSender;
  readonly #options: ZalopaySimulatorOptions;
  readonly #clock: Clock;
  readonly #fee: FeeRule;
  /** Keyed by app_trans_id. */
  readonly #payments = new Map<string, SimPayment>();
  /** The hub's merchant_ref (app_trans_id without `yymmdd_`) to its latest app_trans_id. */
  readonly #byRef = new Map<string, string>();
  readonly #refunds = new Map<string, SimZalopayRefund>();
  readonly #zpTransId = sequence(260_000_000_000_000);
  readonly #refundId = sequence(860_000_000_000);

  private constructor(options: ZalopaySimulatorOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#fee = validateFeeRule(options.fee ?? ZALOPAY_SIM_DEFAULT_FEE, 'fee');
    this.callbacks = new CallbackSender({
      attempts_max: CALLBACK_ATTEMPTS_MAX,
      intervals_ms: options.retry_intervals_ms ?? DEFAULT_RETRY_INTERVALS_MS,
      acknowledged: (status, body) => status === 200 && ends(body),
    });
    this.server
      .route('POST', '/v2/create', (r) => this.#create(r))
      .route('POST', '/v2/query', (r) => this.#query(r))
      .route('POST', '/v2/refund', (r) => this.#refund(r))
      .route('POST', '/v2/query_refund', (r) => this.#queryRefund(r))
      .route('GET', '/pay/:app_trans_id', (r) => this.#payPage(r.params.app_trans_id as string))
      .route('POST', '/pay/:app_trans_id/:action', (r) =>
        this.#press(r.params.app_trans_id as string, r.params.action as string),
      );
  }

  static async start(options: ZalopaySimulatorOptions): Promise<ZalopaySimulator> {
    if (!Number.isSafeInteger(options.app_id) || options.app_id < 1)
      throw new Error('app_id must be positive');
    if (!options.key1 || !options.key2) throw new Error('key1 and key2 are required');
    return new ZalopaySimulator(options).listen(options.port);
  }

  /** The config for a ZalopayClient that talks to this simulator with the same credentials. */
  clientConfig(): ZalopayConfig {
    return {
      app_id: this.#options.app_id,
      key1: this.#options.key1,
      key2: this.#options.key2,
      api_url: `${this.url}/v2`,
    };
  }

  /** A payment by the hub's merchant_ref (its latest order) or by the whole app_trans_id. */
  payment(merchant_ref: string): SimPayment | undefined {
    return this.#payments.get(merchant_ref) ?? this.#payments.get(this.#byRef.get(merchant_ref) ?? '');
  }

  /** The pay page's approve button: the payment succeeds and ZaloPay's callback goes out. */
  approve(merchant_ref: string): SimPayment {
    const payment = this.#pending(merchant_ref);
    payment.status = 'succeeded';
    payment.gateway_txn_id = this.#zpTransId();
    payment.paid_at = this.#clock();
    this.#sendCallback(payment);
    return payment;
  }

  /** The decline button: failed, and no callback (ZaloPay calls back for successes only [doc]). */
  decline(merchant_ref: string): SimPayment {
    const payment = this.#pending(merchant_ref);
    payment.status = 'failed';
    return payment;
  }

  /** The payer walks away: the order expires now; no callback, query says failed. */
  timeout(merchant_ref: string): SimPayment {
    const payment = this.#pending(merchant_ref);
    payment.status = 'expired';
    return payment;
  }

  /** The day's settlement file (the Vietnam calendar day), exactly as the client's parser reads it. */
  settlementFile(date: string): string {
    if (!DATE.test(date)) throw new Error('date must be YYYY-MM-DD');
    const rows: ZalopaySettlementEntry[] = [];
    const app_id = this.#options.app_id;
    for (const payment of this.#payments.values()) {
      if (payment.status !== 'succeeded' || !payment.paid_at || vietnamDay(payment.paid_at) !== date)
        continue;
      rows.push({
        app_id,
        app_trans_id: payment.extra.app_trans_id as string,
        zp_trans_id: payment.gateway_txn_id,
        type: 'payment',
        m_refund_id: '',
        amount: payment.amount,
        fee_amount: computeFee(payment.amount, this.#fee),
        status: 1,
        server_time: payment.paid_at.getTime(),
      });
    }
    for (const refund of this.#refunds.values()) {
      if (vietnamDay(refund.at) !== date) continue;
      const payment = this.#payments.get(refund.app_trans_id) as SimPayment;
      rows.push({
        app_id,
        app_trans_id: refund.app_trans_id,
        zp_trans_id: payment.gateway_txn_id,
        type: 'refund',
        m_refund_id: refund.m_refund_id,
        amount: refund.amount,
        fee_amount: 0n,
        status: 1,
        server_time: refund.at.getTime(),
      });
    }
    rows.sort((a, b) => a.server_time - b.server_time);
    return [...writeSettlementFile(rows)].join('');
  }

  #pending(merchant_ref: string): SimPayment {
    const payment = this.payment(merchant_ref);
    if (!payment) throw new Error('no such payment');
    this.#expireIfDue(payment);
    if (payment.status !== 'pending') throw new Error(`the payment is ${payment.status}`);
    return payment;
  }

  /** An unpaid order past expire_duration_seconds is expired, as ZaloPay's would be. */
  #expireIfDue(payment: SimPayment): void {
    if (payment.status === 'pending' && this.#clock().getTime() >= Number(payment.extra.expire_at_ms)) {
      payment.status = 'expired';
    }
  }

  #create(request: SimRequest): SimResponse {
    const f = readFields(request);
    if (!f) return refused(SUB.bad_params, 'body is not a form or JSON object');
    if (f.app_id !== String(this.#options.app_id)) return refused(SUB.bad_app_or_mac, 'app_id is not valid');
    const required = ['app_trans_id', 'app_user', 'amount', 'app_time', 'embed_data', 'item'] as const;
    if (required.some((name) => f[name] === undefined)) return refused(SUB.bad_params, 'a field is missing');
    const fields = {
      app_id: f.app_id,
      app_trans_id: f.app_trans_id as string,
      app_user: f.app_user as string,
      amount: f.amount as string,
      app_time: f.app_time as string,
      embed_data: f.embed_data as string,
      item: f.item as string,
    };
    if (!macMatches(f.mac, createMac(fields, this.#options.key1))) {
      return refused(SUB.bad_app_or_mac, 'mac is not valid');
    }
    const now = this.#clock();
    const id = APP_TRANS_ID.exec(fields.app_trans_id);
    // The yymmdd prefix must be today in UTC+7 [doc].
    if (!id || id[1] !== yymmdd(now))
      return refused(SUB.bad_params, 'app_trans_id must start with today yymmdd');
    if (!DIGITS.test(fields.amount) || BigInt(fields.amount) < 1n) return refused(SUB.bad_params, 'amount');
    if (
      !DIGITS.test(fields.app_time) ||
      Math.abs(now.getTime() - Number(fields.app_time)) > APP_TIME_SKEW_MS
    ) {
      return refused(SUB.bad_params, 'app_time is too old');
    }
    if (fields.app_user.length === 0 || fields.app_user.length > 50)
      return refused(SUB.bad_params, 'app_user');
    if (fields.item.length > 2048 || !isJson(fields.item, 'array')) return refused(SUB.bad_params, 'item');
    if (fields.embed_data.length > 1024 || !isJson(fields.embed_data, 'object')) {
      return refused(SUB.bad_params, 'embed_data');
    }
    const expireSeconds =
      f.expire_duration_seconds === undefined ? DEFAULT_EXPIRE_SECONDS : Number(f.expire_duration_seconds);
    if (!Number.isInteger(expireSeconds) || expireSeconds < 300 || expireSeconds > 2_592_000) {
      return refused(SUB.bad_params, 'expire_duration_seconds');
    }
    if ((f.description ?? '').length > 256) return refused(SUB.bad_params, 'description');
    if (this.#payments.has(fields.app_trans_id)) return refused(SUB.duplicate, 'app_trans_id is a duplicate');
    const embed = JSON.parse(fields.embed_data) as Record<string, unknown>;
    const payment: SimPayment = {
      merchant_ref: id[2] as string,
      amount: BigInt(fields.amount),
      description: f.description ?? '',
      created_at: now,
      status: 'pending',
      gateway_txn_id: '',
      paid_at: null,
      refunds: [],
      extra: {
        app_trans_id: fields.app_trans_id,
        app_user: fields.app_user,
        app_time: fields.app_time,
        embed_data: fields.embed_data,
        item: fields.item,
        bank_code: f.bank_code ?? '',
        callback_url: f.callback_url ?? this.#options.callback_url ?? '',
        redirecturl: typeof embed.redirecturl === 'string' ? embed.redirecturl : '',
        expire_at_ms: String(now.getTime() + expireSeconds * 1000),
      },
    };
    this.#payments.set(fields.app_trans_id, payment);
    this.#byRef.set(payment.merchant_ref, fields.app_trans_id);
    return answer({
      return_code: 1,
      return_message: 'Giao dịch thành công',
      sub_return_code: 1,
      sub_return_message: 'Giao dịch thành công',
      order_url: `${this.url}/pay/${encodeURIComponent(fields.app_trans_id)}`,
      zp_trans_token: hmacSha256Hex('zp_trans_token', fields.app_trans_id).slice(0, 24),
    });
  }

  #query(request: SimRequest): SimResponse {
    const f = readFields(request);
    if (!f || f.app_trans_id === undefined) return refused(SUB.bad_params, 'app_trans_id is missing');
    if (f.app_id !== String(this.#options.app_id)) return refused(SUB.bad_app_or_mac, 'app_id is not valid');
    if (!macMatches(f.mac, queryMac(f.app_id, f.app_trans_id, this.#options.key1))) {
      return refused(SUB.bad_app_or_mac, 'mac is not valid');
    }
    const payment = this.#payments.get(f.app_trans_id);
    const now = this.#clock().getTime();
    if (!payment || now - Number(payment.extra.app_time) > QUERYABLE_MS) {
      return refused(SUB.not_found, 'order not found');
    }
    this.#expireIfDue(payment);
    const common = {
      amount: payment.amount,
      zp_trans_id: payment.gateway_txn_id === '' ? 0n : BigInt(payment.gateway_txn_id),
      discount_amount: 0n,
    };
    switch (payment.status) {
      case 'succeeded':
        return answer({
          return_code: 1,
          return_message: 'Giao dịch thành công',
          sub_return_code: 1,
          is_processing: false,
          ...common,
          server_time: BigInt((payment.paid_at as Date).getTime()),
        });
      case 'pending':
        return answer({
          return_code: 3,
          return_message: 'Giao dịch chưa thanh toán',
          is_processing: false,
          ...common,
        });
      case 'failed':
      case 'expired':
        return answer({
          return_code: 2,
          return_message: 'Giao dịch thất bại',
          is_processing: false,
          ...common,
        });
    }
  }

  #refund(request: SimRequest): SimResponse {
    const f = readFields(request);
    if (!f) return refused(SUB.bad_params, 'body is not a form or JSON object');
    if (f.app_id !== String(this.#options.app_id)) return refused(SUB.bad_app_or_mac, 'app_id is not valid');
    const { m_refund_id, zp_trans_id, amount, description, timestamp } = f;
    if (
      m_refund_id === undefined ||
      zp_trans_id === undefined ||
      amount === undefined ||
      description === undefined ||
      timestamp === undefined
    ) {
      return refused(SUB.bad_params, 'a field is missing');
    }
    const macFields = { app_id: f.app_id, zp_trans_id, amount, description, timestamp };
    const withFee =
      f.refund_fee_amount === undefined
        ? macFields
        : { ...macFields, refund_fee_amount: f.refund_fee_amount };
    if (!macMatches(f.mac, refundMac(withFee, this.#options.key1))) {
      return refused(SUB.bad_app_or_mac, 'mac is not valid');
    }
    const now = this.#clock();
    const id = M_REFUND_ID.exec(m_refund_id);
    // `yymmdd_appid_xxx` [doc]; the simulator wants today's UTC+7 date, as for app_trans_id [assumed].
    if (!id || id[1] !== yymmdd(now) || id[2] !== f.app_id) return refused(SUB.bad_params, 'm_refund_id');
    if (!DIGITS.test(timestamp) || Math.abs(now.getTime() - Number(timestamp)) > APP_TIME_SKEW_MS) {
      return refused(SUB.bad_params, 'timestamp');
    }
    if (!DIGITS.test(amount) || BigInt(amount) < 1n) return refused(SUB.bad_params, 'amount');
    const existing = this.#refunds.get(m_refund_id);
    // The same m_refund_id again is the same refund: answered, never applied twice [assumed].
    if (existing) return this.#refundAnswer(existing);
    const payment = [...this.#payments.values()].find((p) => p.gateway_txn_id === zp_trans_id);
    if (!payment || payment.status !== 'succeeded') return refused(SUB.not_found, 'transaction not found');
    if (refundedTotal(payment) + BigInt(amount) > payment.amount) {
      return refused(SUB.bad_params, 'amount exceeds what is left to refund');
    }
    const refund: SimZalopayRefund = {
      m_refund_id,
      refund_id: this.#refundId(),
      app_trans_id: payment.extra.app_trans_id as string,
      amount: BigInt(amount),
      at: now,
    };
    this.#refunds.set(m_refund_id, refund);
    payment.refunds.push({
      refund_ref: id[3] as string,
      gateway_refund_id: refund.refund_id,
      amount: refund.amount,
      at: now,
    });
    return this.#refundAnswer(refund);
  }

  #refundAnswer(refund: SimZalopayRefund): SimResponse {
    const processing = (this.#options.refund_return_code ?? 3) === 3;
    return answer({
      return_code: processing ? 3 : 1,
      return_message: processing ? 'Giao dịch đang xử lý' : 'Giao dịch thành công',
      sub_return_code: processing ? 3 : 1,
      refund_id: BigInt(refund.refund_id),
    });
  }

  #queryRefund(request: SimRequest): SimResponse {
    const f = readFields(request);
    if (!f || f.m_refund_id === undefined || f.timestamp === undefined) {
      return refused(SUB.bad_params, 'a field is missing');
    }
    if (f.app_id !== String(this.#options.app_id)) return refused(SUB.bad_app_or_mac, 'app_id is not valid');
    if (!macMatches(f.mac, queryRefundMac(f.app_id, f.m_refund_id, f.timestamp, this.#options.key1))) {
      return refused(SUB.bad_app_or_mac, 'mac is not valid');
    }
    const refund = this.#refunds.get(f.m_refund_id);
    if (!refund) return refused(SUB.not_found, 'refund not found');
    // The simulator's refunds complete at once: query_refund reports them done.
    return answer({ return_code: 1, return_message: 'Giao dịch thành công', sub_return_code: 1 });
  }

  #payPage(appTransId: string): SimResponse {
    const payment = this.#payments.get(appTransId);
    if (!payment) return html(404, '<!doctype html><p>No such order.</p>');
    this.#expireIfDue(payment);
    return html(
      200,
      payPage({
        gateway: 'ZaloPay',
        merchant_ref: appTransId,
        amount: payment.amount,
        description: payment.description,
        action_base: `${this.url}/pay/${encodeURIComponent(appTransId)}`,
        status: payment.status,
      }),
    );
  }

  /** A button press over HTTP; approve and decline send the browser back to redirecturl. */
  #press(appTransId: string, action: string): SimResponse {
    const payment = this.#payments.get(appTransId);
    if (!payment) return html(404, '<!doctype html><p>No such order.</p>');
    this.#expireIfDue(payment);
    if (payment.status !== 'pending') {
      return html(
        409,
        `<!doctype html><p data-status="${payment.status}">This payment is ${payment.status}.</p>`,
      );
    }
    switch (action) {
      case 'approve':
        this.approve(appTransId);
        return this.#redirectBack(payment, 1);
      case 'decline':
        this.decline(appTransId);
        return this.#redirectBack(payment, 2);
      case 'timeout':
        this.timeout(appTransId);
        return html(200, '<!doctype html><p data-status="expired">This payment has expired.</p>');
      default:
        return html(404, '<!doctype html><p>No such action.</p>');
    }
  }

  /**
   * ZaloPay's browser redirect [2nd]: appid, apptransid, pmcid, bankcode, amount, discountamount,
   * status, and checksum = HMAC-SHA256(key2, the seven joined with `|`).
   */
  #redirectBack(payment: SimPayment, status: number): SimResponse {
    const redirecturl = payment.extra.redirecturl as string;
    if (!redirecturl) {
      return html(
        200,
        `<!doctype html><p data-status="${payment.status}">This payment is ${payment.status}.</p>`,
      );
    }
    const params: [string, string][] = [
      ['appid', String(this.#options.app_id)],
      ['apptransid', payment.extra.app_trans_id as string],
      ['pmcid', String(CHANNEL_WALLET)],
      ['bankcode', payment.extra.bank_code as string],
      ['amount', payment.amount.toString()],
      ['discountamount', '0'],
      ['status', String(status)],
    ];
    const checksum = hmacSha256Hex(this.#options.key2, params.map(([, value]) => value).join('|'));
    const url = new URL(redirecturl);
    for (const [key, value] of [...params, ['checksum', checksum]])
      url.searchParams.set(key as string, value as string);
    return redirect(url.toString());
  }

  /** POST JSON {data, mac, type: 1}, mac = HMAC-SHA256(key2, data) [doc]. */
  #sendCallback(payment: SimPayment): void {
    const url = payment.extra.callback_url as string;
    if (!url) return;
    const data = jsonText({
      app_id: BigInt(this.#options.app_id),
      app_trans_id: payment.extra.app_trans_id,
      app_time: BigInt(payment.extra.app_time as string),
      app_user: payment.extra.app_user,
      amount: payment.amount,
      embed_data: payment.extra.embed_data,
      item: payment.extra.item,
      zp_trans_id: BigInt(payment.gateway_txn_id),
      server_time: BigInt((payment.paid_at as Date).getTime()),
      channel: BigInt(CHANNEL_WALLET),
      merchant_user_id: '',
      user_fee_amount: 0n,
      discount_amount: 0n,
    });
    this.callbacks.send({
      ref: payment.merchant_ref,
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data, mac: hmacSha256Hex(this.#options.key2, data), type: 1 }),
    });
  }
}

/**
 * Whether the merchant's answer ends the retries [choice, see docs/adapters/zalopay.md]: return_code 1
 * (accepted), 2 (already handled) and -1 (refused for good: the same bytes would fail again). 0, any other
 * code, a non-JSON body or a non-200 status is retried, up to 3 times.
 */
function ends(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { return_code?: unknown };
    return parsed.return_code === 1 || parsed.return_code === 2 || parsed.return_code === -1;
  } catch {
    return false;
  }
}
