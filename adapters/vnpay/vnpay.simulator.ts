// A loopback VNPay for tests, e2e runs and `npm run sim`, on the client's wire protocol: it verifies what
// the client signs and signs what the client verifies (pay page, IPN retries, querydr, refund, settlement).
import { randomUUID } from 'node:crypto';
import { AdapterError } from '../contract';
import { computeFee, validateFeeRule, type FeeRule } from '../fees';
import { safeEqualHex } from '../shared/crypto';
import {
  CallbackSender,
  GatewaySimulator,
  jsonObject,
  html,
  json,
  payPage,
  redirect,
  refundedTotal,
  sequence,
  systemClock,
  escapeHtml,
  type Clock,
  type SimPayment,
  type SimRequest,
  type SimResponse,
} from '../shared/simulator';
import { formatVietnamTime, parseVietnamTime14 } from '../shared/time';
import { fromWireAmount, toWireAmount } from './vnpay.client';
import {
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  canonicalQuery,
  signFields,
  signQuery,
  verifyQuery,
} from './vnpay.signature';
import { writeSettlementFile, type VnpaySettlementRecord } from './vnpay.settlement';
import { VNPAY_VERSION, type VnpayConfig } from './vnpay.types';

export interface VnpaySimulatorOptions {
  /** The one terminal this VNPay knows, and its hash secret. */
  readonly tmn_code: string;
  readonly hash_secret: string;
  /** The IPN URL registered for the terminal; without it no IPN is sent (return URL only). */
  readonly ipn_url?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** Waits between IPN attempts (the last repeats); 5 minutes each by default [assumed]. */
  readonly retry_intervals_ms?: readonly number[];
  /** IPN attempts in all, the first included; 10 by default [assumed]. */
  readonly ipn_attempts_max?: number;
  /** Per-attempt IPN timeout; 10 s by default. */
  readonly ipn_timeout_ms?: number;
  /**
   * The fee in the settlement file, by the hub's own rule (adapters/fees.ts), so that reconciliation can
   * compare it with the configured fee; 1.1 % and no fixed part by default [assumed].
   */
  readonly fee?: FeeRule;
  /** What vnp_BankCode reports for a payment; NCB (the sandbox test bank) by default. */
  readonly bank_code?: string;
}

export const VNPAY_SIM_PAY_PATH = '/paymentv2/vpcpay.html';
export const VNPAY_SIM_ERROR_PATH = '/paymentv2/Payment/Error.html';
export const VNPAY_SIM_API_PATH = '/merchant_webapi/api/transaction';
/** Where the pay page's buttons post: `<base>/<TxnRef>/approve|decline|timeout` (simulator only). */
const ACTION_PATH = '/paymentv2/sim';

const DEFAULT_RETRY_INTERVALS_MS = [5 * 60 * 1000];
const DEFAULT_IPN_ATTEMPTS_MAX = 10;
const DEFAULT_IPN_TIMEOUT_MS = 10_000;
export const VNPAY_SIM_DEFAULT_FEE: FeeRule = { percent: '1.1' };

/**
 * The pay page's error codes, shown as VNPay does on `Error.html?code=NN` [inf: sandbox behaviour as
 * merchants report it, not in vnpay.md]. Checked in this order: terminal, signature, format, duplicate.
 */
export const VNPAY_PAGE_ERRORS = {
  duplicate_txn_ref: '01',
  bad_format: '03',
  bad_signature: '70',
  unknown_terminal: '72',
} as const;

/** How each button ends a payment: vnp_ResponseCode / vnp_TransactionStatus (vnpay.md codes). */
const OUTCOMES = {
  approve: { status: 'succeeded', response_code: '00', transaction_status: '00' },
  decline: { status: 'failed', response_code: '24', transaction_status: '02' },
  timeout: { status: 'expired', response_code: '11', transaction_status: '02' },
} as const;
export type VnpaySimAction = keyof typeof OUTCOMES;

const TMN_CODE = /^[A-Za-z0-9]{8}$/;
const REFERENCE = /^[A-Za-z0-9_-]{1,100}$/;
const DIGITS = /^\d{1,20}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

type Fields = Record<string, string>;

function flatStrings(value: Record<string, unknown> | null): Fields | null {
  if (value === null) return null;
  const out: Fields = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'string') return null;
    out[key] = field;
  }
  return out;
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** The simulated VNPay. Start it with `VnpaySimulator.start(options)`; close it when done. */
export class VnpaySimulator extends GatewaySimulator {
  readonly callbacks: CallbackSender;
  readonly #secret: string;
  readonly #payments = new Map<string, SimPayment>();
  /** Request ids seen per Vietnam day (`yyyyMMdd|id`): VNPay wants them unique per day. */
  readonly #request_ids = new Set<string>();
  readonly #next_txn = sequence(14_226_000);
  readonly #clock: Clock;
  readonly #fee: FeeRule;
  readonly tmn_code: string;
  readonly ipn_url: string | null;
  readonly bank_code: string;

  private constructor(options: VnpaySimulatorOptions) {
    super();
    if (typeof options.tmn_code !== 'string' || !TMN_CODE.test(options.tmn_code)) {
      throw new AdapterError('vnpay_sim_config_invalid', 'tmn_code must be 8 letters or digits', 'tmn_code');
    }
    if (typeof options.hash_secret !== 'string' || options.hash_secret.length === 0) {
      throw new AdapterError('vnpay_sim_config_invalid', 'hash_secret is missing', 'hash_secret');
    }
    const fee = validateFeeRule(options.fee ?? VNPAY_SIM_DEFAULT_FEE, 'fee');
    this.tmn_code = options.tmn_code;
    this.#secret = options.hash_secret;
    this.ipn_url = options.ipn_url ?? null;
    this.bank_code = options.bank_code ?? 'NCB';
    this.#clock = options.clock ?? systemClock;
    this.#fee = fee;
    this.callbacks = new CallbackSender(
      {
        attempts_max: options.ipn_attempts_max ?? DEFAULT_IPN_ATTEMPTS_MAX,
        intervals_ms: options.retry_intervals_ms ?? DEFAULT_RETRY_INTERVALS_MS,
        acknowledged: ipnAcknowledged,
      },
      options.ipn_timeout_ms ?? DEFAULT_IPN_TIMEOUT_MS,
    );
    this.server
      .route('GET', VNPAY_SIM_PAY_PATH, (request) => this.#payPage(request))
      .route('GET', VNPAY_SIM_ERROR_PATH, (request) => errorPage(request.query.code ?? ''))
      .route('POST', `${ACTION_PATH}/:ref/:action`, (request) => this.#press(request))
      .route('POST', VNPAY_SIM_API_PATH, (request) => this.#api(request));
  }

  static async start(options: VnpaySimulatorOptions): Promise<VnpaySimulator> {
    return new VnpaySimulator(options).listen(options.port);
  }

  /** The config a VnpayClient needs to talk to this simulator. */
  clientConfig(): VnpayConfig {
    return {
      tmn_code: this.tmn_code,
      hash_secret: this.#secret,
      pay_url: `${this.url}${VNPAY_SIM_PAY_PATH}`,
      api_url: `${this.url}${VNPAY_SIM_API_PATH}`,
    };
  }

  payment(merchant_ref: string): SimPayment | undefined {
    return this.#payments.get(merchant_ref);
  }

  /**
   * The pay-page buttons without a browser: ends the payment, sends the IPN and returns the signed
   * return URL the browser would be sent to. Throws for an unknown or already finished payment (a test
   * that does that has a bug).
   */
  approve(merchant_ref: string): string {
    return this.#finish(merchant_ref, 'approve');
  }

  decline(merchant_ref: string): string {
    return this.#finish(merchant_ref, 'decline');
  }

  timeout(merchant_ref: string): string {
    return this.#finish(merchant_ref, 'timeout');
  }

  /**
   * The fee on one payment row: the hub's rule, then capped at the amount, because the file's parser
   * refuses a fee above the amount (payout = Amount − Fee must not be negative). The cap is not the
   * rule's max: it depends on the amount, and it only bites when the fixed part exceeds a tiny amount.
   */
  #paymentFee(amount: bigint): bigint {
    const fee = computeFee(amount, this.#fee);
    return fee > amount ? amount : fee;
  }

  /**
   * The day's settlement file (a Vietnam-time day, `YYYY-MM-DD`): payments that succeeded that day with
   * their fee, and refunds made that day (fee 0), in time order, header and trailer included.
   */
  settlementFile(date: string): string {
    if (!DAY.test(date)) throw new RangeError('date must be YYYY-MM-DD');
    const onDay = (at: Date | null) => at !== null && formatVietnamTime(at, 'yyyy-MM-dd') === date;
    const records: VnpaySettlementRecord[] = [];
    for (const payment of this.#payments.values()) {
      if (payment.status === 'succeeded' && onDay(payment.paid_at)) {
        records.push({
          TmnCode: this.tmn_code,
          TxnRef: payment.merchant_ref,
          TransactionNo: payment.gateway_txn_id,
          TransactionType: '01',
          RefundRequestId: '',
          Amount: payment.amount,
          Fee: this.#paymentFee(payment.amount),
          PayDate: payment.paid_at as Date,
          ResponseCode: '00',
          TransactionStatus: '00',
        });
      }
      for (const refund of payment.refunds) {
        if (!onDay(refund.at)) continue;
        records.push({
          TmnCode: this.tmn_code,
          TxnRef: payment.merchant_ref,
          TransactionNo: refund.gateway_refund_id,
          TransactionType: refund.amount === payment.amount ? '02' : '03',
          RefundRequestId: refund.refund_ref,
          Amount: refund.amount,
          Fee: 0n,
          PayDate: refund.at,
          ResponseCode: '00',
          TransactionStatus: '06',
        });
      }
    }
    records.sort((a, b) => a.PayDate.getTime() - b.PayDate.getTime());
    return [...writeSettlementFile(records)].join('');
  }

  // The pay page (GET pay_url): terminal, signature, format, then the payment itself.
  #payPage(request: SimRequest): SimResponse {
    const query = request.query;
    if (query.vnp_TmnCode !== this.tmn_code) return this.#pageError(VNPAY_PAGE_ERRORS.unknown_terminal);
    if (!query.vnp_SecureHash || !verifyQuery(query, this.#secret)) {
      return this.#pageError(VNPAY_PAGE_ERRORS.bad_signature);
    }
    const amount = fromWireAmount(query.vnp_Amount ?? '');
    const created = parseVietnamTime14(query.vnp_CreateDate ?? '');
    const expires = parseVietnamTime14(query.vnp_ExpireDate ?? '');
    const ref = query.vnp_TxnRef ?? '';
    let returnUrl: URL | null = null;
    try {
      returnUrl = new URL(query.vnp_ReturnUrl ?? '');
    } catch {
      returnUrl = null;
    }
    const wellFormed =
      query.vnp_Version === VNPAY_VERSION &&
      query.vnp_Command === 'pay' &&
      query.vnp_CurrCode === 'VND' &&
      amount !== null &&
      amount > 0n &&
      REFERENCE.test(ref) &&
      !!query.vnp_OrderInfo &&
      !!query.vnp_IpAddr &&
      created !== null &&
      expires !== null &&
      returnUrl !== null;
    if (!wellFormed) return this.#pageError(VNPAY_PAGE_ERRORS.bad_format);
    let payment = this.#payments.get(ref);
    if (payment) {
      // Reopening the same signed URL shows the same payment; another order under the same TxnRef is not.
      if (payment.amount !== amount || payment.extra.create_date !== query.vnp_CreateDate) {
        return this.#pageError(VNPAY_PAGE_ERRORS.duplicate_txn_ref);
      }
    } else {
      payment = {
        merchant_ref: ref,
        amount,
        description: query.vnp_OrderInfo as string,
        created_at: created,
        status: 'pending',
        gateway_txn_id: '',
        paid_at: null,
        refunds: [],
        extra: {
          create_date: query.vnp_CreateDate as string,
          expire_date: query.vnp_ExpireDate as string,
          return_url: query.vnp_ReturnUrl as string,
          order_info: query.vnp_OrderInfo as string,
          requested_bank_code: query.vnp_BankCode ?? '',
          response_code: '',
          transaction_status: '01',
          pay_date: '',
        },
      };
      this.#payments.set(ref, payment);
    }
    return html(
      200,
      payPage({
        gateway: 'VNPay',
        merchant_ref: ref,
        amount,
        description: payment.description,
        action_base: `${this.url}${ACTION_PATH}/${encodeURIComponent(ref)}`,
        status: payment.status,
      }),
    );
  }

  #pageError(code: string): SimResponse {
    return redirect(`${this.url}${VNPAY_SIM_ERROR_PATH}?code=${code}`);
  }

  // A button on the pay page: 302 to the merchant's return URL with the signed result.
  #press(request: SimRequest): SimResponse {
    const action = request.params.action as string;
    if (!Object.hasOwn(OUTCOMES, action)) return html(404, '<p data-error="no_such_action"></p>');
    const payment = this.#payments.get(request.params.ref as string);
    if (!payment) return html(404, '<p data-error="no_such_payment"></p>');
    if (payment.status !== 'pending') {
      return html(
        409,
        `<p data-status="${escapeHtml(payment.status)}">This payment is ${payment.status}.</p>`,
      );
    }
    return redirect(this.#finish(payment.merchant_ref, action as VnpaySimAction));
  }

  #finish(merchant_ref: string, asked: VnpaySimAction): string {
    const payment = this.#payments.get(merchant_ref);
    if (!payment) throw new Error(`no VNPay payment ${merchant_ref}`);
    if (payment.status !== 'pending') throw new Error(`VNPay payment ${merchant_ref} is ${payment.status}`);
    const now = this.#clock();
    // A payer who confirms after vnp_ExpireDate gets VNPay's timeout, as on the real pay page.
    const expires = parseVietnamTime14(payment.extra.expire_date as string);
    const action = asked === 'approve' && expires !== null && now > expires ? 'timeout' : asked;
    const outcome = OUTCOMES[action];
    payment.status = outcome.status;
    // VNPay numbers only payments that went through; a cancelled or timed-out one reports 0 [inf].
    payment.gateway_txn_id = action === 'approve' ? this.#next_txn() : '0';
    payment.paid_at = action === 'approve' ? now : null;
    payment.extra.response_code = outcome.response_code;
    payment.extra.transaction_status = outcome.transaction_status;
    payment.extra.pay_date = formatVietnamTime(now, 'yyyyMMddHHmmss');
    const signed = this.#signedResult(payment);
    if (this.ipn_url) {
      this.callbacks.send({ ref: merchant_ref, url: withQuery(this.ipn_url, signed), method: 'GET' });
    }
    return withQuery(payment.extra.return_url as string, signed);
  }

  /** The return URL's and the IPN's query (the same fields, signed the same way). */
  #signedResult(payment: SimPayment): string {
    const approved = payment.status === 'succeeded';
    const qr = payment.extra.requested_bank_code === 'VNPAYQR';
    const fields: Fields = {
      vnp_Amount: toWireAmount(payment.amount),
      vnp_BankCode: qr ? 'VNPAYQR' : this.bank_code,
      vnp_OrderInfo: payment.extra.order_info as string,
      vnp_PayDate: payment.extra.pay_date as string,
      vnp_ResponseCode: payment.extra.response_code as string,
      vnp_TmnCode: this.tmn_code,
      vnp_TransactionNo: payment.gateway_txn_id,
      vnp_TransactionStatus: payment.extra.transaction_status as string,
      vnp_TxnRef: payment.merchant_ref,
    };
    if (approved) {
      fields.vnp_BankTranNo = `VNP${payment.gateway_txn_id}`;
      fields.vnp_CardType = qr ? 'QRCODE' : 'ATM';
    }
    const canonical = canonicalQuery(fields);
    return `${canonical}&vnp_SecureHash=${signQuery(fields, this.#secret)}`;
  }

  // querydr and refund (POST JSON on the API path).
  #api(request: SimRequest): SimResponse {
    const body = flatStrings(jsonObject(request.rawBody));
    const command = body?.vnp_Command === 'refund' ? 'refund' : 'querydr';
    const fail = (code: string, message: string) =>
      this.#answer(command, { vnp_ResponseCode: code, vnp_Message: message, vnp_TxnRef: body?.vnp_TxnRef });
    if (!body || (body.vnp_Command !== 'querydr' && body.vnp_Command !== 'refund')) {
      return fail('03', 'Invalid request format');
    }
    if (body.vnp_TmnCode !== this.tmn_code) return fail('02', 'Invalid TmnCode');
    const requestFields = command === 'refund' ? REFUND_REQUEST_FIELDS : QUERYDR_REQUEST_FIELDS;
    if (!safeEqualHex(body.vnp_SecureHash ?? '', signFields(body, requestFields, this.#secret))) {
      return fail('97', 'Invalid Checksum');
    }
    const transactionDate = parseVietnamTime14(body.vnp_TransactionDate ?? '');
    const requestedAt = parseVietnamTime14(body.vnp_CreateDate ?? '');
    const wellFormed =
      body.vnp_Version === VNPAY_VERSION &&
      REFERENCE.test(body.vnp_RequestId ?? '') &&
      REFERENCE.test(body.vnp_TxnRef ?? '') &&
      !!body.vnp_OrderInfo &&
      !!body.vnp_IpAddr &&
      transactionDate !== null &&
      requestedAt !== null;
    if (!wellFormed) return fail('03', 'Invalid request format');
    const requestKey = `${(body.vnp_CreateDate as string).slice(0, 8)}|${body.vnp_RequestId}`;
    if (this.#request_ids.has(requestKey)) return fail('94', 'Duplicate request');
    this.#request_ids.add(requestKey);
    const payment = this.#payments.get(body.vnp_TxnRef as string);
    // VNPay finds a transaction by TxnRef and its original vnp_CreateDate; a wrong date finds nothing.
    if (!payment || payment.extra.create_date !== body.vnp_TransactionDate) {
      return fail('91', 'Transaction not found');
    }
    return command === 'refund' ? this.#refund(body, payment) : this.#query(payment);
  }

  #query(payment: SimPayment): SimResponse {
    const refunded = refundedTotal(payment);
    let type = '01';
    let status = payment.extra.transaction_status as string;
    if (refunded > 0n) {
      type = refunded === payment.amount ? '02' : '03';
      status = '06';
    }
    return this.#answer('querydr', {
      vnp_ResponseCode: '00',
      vnp_Message: 'QueryDR Success',
      vnp_TxnRef: payment.merchant_ref,
      vnp_Amount: toWireAmount(payment.amount),
      vnp_BankCode: payment.status === 'pending' ? undefined : this.bank_code,
      vnp_PayDate: payment.extra.pay_date || undefined,
      vnp_TransactionNo: payment.gateway_txn_id || undefined,
      vnp_TransactionType: type,
      vnp_TransactionStatus: status,
      vnp_OrderInfo: payment.extra.order_info,
    });
  }

  #refund(body: Fields, payment: SimPayment): SimResponse {
    const fail = (code: string, message: string) =>
      this.#answer('refund', {
        vnp_ResponseCode: code,
        vnp_Message: message,
        vnp_TxnRef: payment.merchant_ref,
      });
    const amount = fromWireAmount(body.vnp_Amount ?? '');
    const type = body.vnp_TransactionType;
    if (amount === null || amount < 1n || (type !== '02' && type !== '03') || !body.vnp_CreateBy) {
      return fail('03', 'Invalid request format');
    }
    if (!DIGITS.test(body.vnp_TransactionNo ?? '')) return fail('03', 'Invalid request format');
    if (payment.status !== 'succeeded') return fail('95', 'Transaction not successful');
    if (body.vnp_TransactionNo !== payment.gateway_txn_id) return fail('91', 'Transaction not found');
    const remaining = payment.amount - refundedTotal(payment);
    // A full refund is the whole payment at once; no refund exceeds what is left [choice: code 03].
    if ((type === '02' && amount !== payment.amount) || amount > remaining) {
      return fail('03', 'Invalid refund amount');
    }
    const now = this.#clock();
    const refundNo = this.#next_txn();
    payment.refunds.push({
      refund_ref: body.vnp_RequestId as string,
      gateway_refund_id: refundNo,
      amount,
      at: now,
    });
    return this.#answer('refund', {
      vnp_ResponseCode: '00',
      vnp_Message: 'Refund success',
      vnp_TxnRef: payment.merchant_ref,
      vnp_Amount: toWireAmount(amount),
      vnp_BankCode: this.bank_code,
      vnp_PayDate: formatVietnamTime(now, 'yyyyMMddHHmmss'),
      vnp_TransactionNo: refundNo,
      vnp_TransactionType: type,
      vnp_TransactionStatus: '06',
      vnp_OrderInfo: body.vnp_OrderInfo,
    });
  }

  /** A signed querydr/refund answer; absent fields are left out of the JSON and signed as empty. */
  #answer(command: 'querydr' | 'refund', fields: Record<string, string | undefined>): SimResponse {
    const answer: Fields = {};
    const all: Record<string, string | undefined> = {
      vnp_ResponseId: randomUUID().replace(/-/g, ''),
      vnp_Command: command,
      vnp_TmnCode: this.tmn_code,
      ...fields,
    };
    for (const [key, value] of Object.entries(all))
      if (value !== undefined && value !== '') answer[key] = value;
    const responseFields = command === 'refund' ? REFUND_RESPONSE_FIELDS : QUERYDR_RESPONSE_FIELDS;
    answer.vnp_SecureHash = signFields(answer, responseFields, this.#secret);
    return json(200, answer);
  }
}

/** VNPay stops retrying when the merchant answers RspCode 00 or 02 (vnpay.md). */
function ipnAcknowledged(status: number, body: string): boolean {
  if (status !== 200) return false;
  try {
    const answer = JSON.parse(body) as { RspCode?: unknown };
    return answer.RspCode === '00' || answer.RspCode === '02';
  } catch {
    return false;
  }
}

function errorPage(code: string): SimResponse {
  const safe = /^\d{2}$/.test(code) ? code : '99';
  return html(
    200,
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>VNPay simulator error</title></head>\n` +
      `<body><h1>Payment error</h1><p data-code="${safe}">VNPay error code ${safe}</p></body></html>\n`,
  );
}
