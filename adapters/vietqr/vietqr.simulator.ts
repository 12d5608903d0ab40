// A bank holding the hub's collection account, on loopback: it pays VietQR codes (from its pay page or
// from a test), sends the signed transfer notifications with retries and faults, answers statement
// queries and writes the day's statement file, so the whole VietQR flow is tested without a real bank.
import type { VietQrConfig } from './vietqr.client';
import {
  bankNotificationBody,
  bankNotificationJson,
  parseIsoWithOffset,
  signBankNotification,
  type BankNotification,
} from './vietqr.notification';
import { parseVietQr } from './vietqr.payload';
import { writeSettlementFile } from './vietqr.settlement';
import { formatVietnamTime } from '../shared/time';
import {
  CallbackSender,
  escapeHtml,
  html,
  json,
  payPage,
  sequence,
  GatewaySimulator,
  systemClock,
  type Clock,
  type SimPaymentStatus,
  type SimRequest,
  type SimResponse,
} from '../shared/simulator';

export interface VietQrBankSimulatorOptions {
  /** The collection account this bank holds. */
  readonly account_no: string;
  readonly bin: string;
  /** The hub's notify endpoint. */
  readonly notify_url: string;
  /** BANK_NOTIFY_SECRET: signs notifications and statement answers. */
  readonly notify_secret: string;
  readonly port?: number;
  readonly clock?: Clock;
  /** Waits between attempts (the last repeats); default 1 s, 5 s, 30 s, 2 min [inf]. Tests use ms. */
  readonly retry_intervals_ms?: readonly number[];
  /** Attempts in all, the first included; default 6 [inf]. */
  readonly attempts_max?: number;
}

/** How the payer's bank writes the transfer message: the 62/08 reference as is, or mangled. */
export type DescriptionStyle = 'exact' | 'messy';

export interface TransferInput {
  readonly amount: bigint;
  readonly description: string;
  /** Default: the next `FT<yyyyMMdd><n>`. */
  readonly bank_ref?: string;
  /** Default: the clock, to the second. */
  readonly transferred_at?: Date;
}

export interface PayQrOptions {
  readonly description_style?: DescriptionStyle;
  /** Pay another amount than the code's (a payer who edits it, or a static code). */
  readonly amount?: bigint;
}

/** Why payQr or the pay page refused a code: data for the page, an Error for a test's helper call. */
export class VietQrSimulatorError extends Error {
  constructor(
    readonly code: 'invalid_payload' | 'not_this_account' | 'no_amount',
    message: string,
  ) {
    super(message);
    this.name = 'VietQrSimulatorError';
  }
}

interface ScannedCode {
  readonly amount: bigint | null;
  readonly reference: string;
  readonly bill_number: string;
}

interface PayRequest {
  readonly id: string;
  readonly amount: bigint;
  readonly reference: string;
  readonly bill_number: string;
  readonly style: DescriptionStyle;
  status: SimPaymentStatus;
  bank_ref: string | null;
}

/** Every queue has a limit: pay requests and transactions a simulator keeps. */
const RECORDS_MAX = 1_000_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The payer's bank's rewrites of a transfer message, as seen in real statements: upper-case with the
 * bank's own prefix, punctuation and spaces added inside the reference, lower case. Deterministic.
 */
export function messyDescription(reference: string, n: number): string {
  const lower = reference.toLowerCase();
  const dashed = lower.replace(/(.{4})(?=.)/g, '$1-');
  const spaced = reference.replace(/(.{3})(?=.)/g, '$1 ');
  switch (n % 3) {
    case 0:
      return `MBVCB.${n}.${dashed}.CT tu 0123456789 NGUYEN VAN A`;
    case 1:
      return `CT DEN:${n} ${spaced} thanh toan`;
    default:
      return `${lower.replace(/(.{5})(?=.)/g, '$1.')} chuyen tien Nguyễn Văn Ánh`;
  }
}

export class VietQrBankSimulator extends GatewaySimulator {
  readonly callbacks: CallbackSender;
  /** When true, each notification's body is changed after it is signed (a tampering proxy). */
  tamper_body = false;
  readonly #options: VietQrBankSimulatorOptions;
  readonly #clock: Clock;
  readonly #transactions: BankNotification[] = [];
  readonly #requests = new Map<string, PayRequest>();
  readonly #next_ref = sequence(0);
  readonly #next_request = sequence(0);

  private constructor(options: VietQrBankSimulatorOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const intervals_ms = options.retry_intervals_ms ?? [1_000, 5_000, 30_000, 120_000];
    this.callbacks = new CallbackSender({
      attempts_max: options.attempts_max ?? 6,
      intervals_ms,
      // Assumed: the bank retries until the hub answers 2xx, whatever the body says [inf].
      acknowledged: (status) => status >= 200 && status < 300,
    });
    this.server
      .route('GET', '/pay', (request) => this.#payPage(request))
      .route('POST', '/pay/:id/:action', (request) => this.#payAction(request))
      .route('GET', '/accounts/:account_no/transactions', (request) => this.#statement(request));
  }

  static async start(options: VietQrBankSimulatorOptions): Promise<VietQrBankSimulator> {
    return new VietQrBankSimulator(options).listen(options.port);
  }

  /** The config of a VietQrClient that collects into this bank's account and verifies its notifications. */
  clientConfig(): VietQrConfig {
    return {
      bin: this.#options.bin,
      account: this.#options.account_no,
      notify_secret: this.#options.notify_secret,
    };
  }

  /** Every credit booked to the account, oldest first (whether or not its notification arrived). */
  get transactions(): readonly BankNotification[] {
    return this.#transactions;
  }

  /** The statement endpoint's URL for [from, to). */
  statementUrl(from: Date, to: Date): string {
    const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    return `${this.url}/accounts/${encodeURIComponent(this.#options.account_no)}/transactions?${query}`;
  }

  /** Books a credit to the account and sends its notification. */
  transfer(input: TransferInput): BankNotification {
    if (typeof input.amount !== 'bigint' || input.amount <= 0n)
      throw new RangeError('amount must be a positive bigint');
    if (this.#transactions.length >= RECORDS_MAX) throw new RangeError('simulator transaction limit reached');
    const at = input.transferred_at ?? this.#clock();
    const transferred_at = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const notification: BankNotification = {
      account_no: this.#options.account_no,
      amount: input.amount,
      description: input.description,
      bank_ref:
        input.bank_ref ??
        `FT${formatVietnamTime(transferred_at, 'yyyyMMdd')}${this.#next_ref().padStart(5, '0')}`,
      transferred_at,
    };
    this.#transactions.push(notification);
    this.#notify(notification);
    return notification;
  }

  /**
   * Pays a VietQR payload as a payer's bank app would: the code's amount (unless overridden) and its
   * 62/08 message (62/01 when there is none), written exactly or mangled. Throws VietQrSimulatorError
   * for a code this bank cannot pay into.
   */
  payQr(payload: string, options: PayQrOptions = {}): BankNotification {
    const code = this.#readCode(payload);
    const amount = options.amount ?? code.amount;
    if (amount === null) throw new VietQrSimulatorError('no_amount', 'a static code needs an amount');
    const description =
      options.description_style === 'messy'
        ? messyDescription(code.reference, this.#transactions.length + 1)
        : code.reference;
    return this.transfer({ amount, description });
  }

  /** The account's statement CSV for one Vietnam calendar day (`yyyy-MM-dd`, or the day of a Date). */
  settlementFile(date: string | Date): string {
    const day = typeof date === 'string' ? date : formatVietnamTime(date, 'yyyy-MM-dd');
    if (!DAY.test(day)) throw new RangeError('date must be yyyy-MM-dd');
    const entries = this.#transactions
      .filter((t) => formatVietnamTime(t.transferred_at, 'yyyy-MM-dd') === day)
      .sort((a, b) => a.transferred_at.getTime() - b.transferred_at.getTime());
    return writeSettlementFile(entries);
  }

  #readCode(payload: string): ScannedCode {
    const parsed = parseVietQr(payload);
    if (!parsed.ok) throw new VietQrSimulatorError('invalid_payload', `not a valid VietQR: ${parsed.reason}`);
    const code = parsed.value;
    if (code.bin !== this.#options.bin || code.account !== this.#options.account_no) {
      throw new VietQrSimulatorError('not_this_account', 'the code pays into another account');
    }
    const reference = code.purpose ?? code.bill_number ?? '';
    return { amount: code.amount, reference, bill_number: code.bill_number ?? '' };
  }

  #notify(notification: BankNotification): void {
    const signed = bankNotificationBody(notification);
    const signature = signBankNotification(signed, this.#options.notify_secret);
    let body = signed;
    if (this.tamper_body) {
      const changed = JSON.parse(signed) as { amount: number | string };
      changed.amount = (BigInt(changed.amount) + 1n).toString();
      body = JSON.stringify(changed);
    }
    this.callbacks.send({
      ref: notification.bank_ref,
      url: this.#options.notify_url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });
  }

  #payPage(request: SimRequest): SimResponse {
    let code: ScannedCode;
    try {
      code = this.#readCode(request.query.payload ?? '');
    } catch (error) {
      const reason = error instanceof VietQrSimulatorError ? error.code : 'invalid_payload';
      return html(
        400,
        `<!doctype html><p data-error="${escapeHtml(reason)}">This code cannot be paid.</p>\n`,
      );
    }
    const given = request.query.amount;
    const amount =
      code.amount ?? (given !== undefined && /^[1-9]\d{0,12}$/.test(given) ? BigInt(given) : null);
    if (amount === null) return html(400, '<!doctype html><p data-error="no_amount">Enter an amount.</p>\n');
    if (this.#requests.size >= RECORDS_MAX) return json(503, { error: 'too many pay requests' });
    const id = this.#next_request();
    const style: DescriptionStyle = request.query.style === 'messy' ? 'messy' : 'exact';
    this.#requests.set(id, {
      id,
      amount,
      reference: code.reference,
      bill_number: code.bill_number,
      style,
      status: 'pending',
      bank_ref: null,
    });
    return html(200, this.#page(id));
  }

  #page(id: string): string {
    const pay = this.#requests.get(id) as PayRequest;
    const page = payPage({
      gateway: 'VietQR bank',
      merchant_ref: pay.bill_number || pay.reference,
      amount: pay.amount,
      description: pay.reference,
      action_base: `${this.url}/pay/${id}`,
      status: pay.status,
    });
    const ref = pay.bank_ref === null ? '' : `<p data-field="bank_ref">${escapeHtml(pay.bank_ref)}</p>\n`;
    return page.replace('</body>', `<p data-field="pay_id">${escapeHtml(id)}</p>\n${ref}</body>`);
  }

  #payAction(request: SimRequest): SimResponse {
    const pay = this.#requests.get(request.params.id ?? '');
    if (!pay) return html(404, '<!doctype html><p data-error="not_found">No such payment.</p>\n');
    const action = request.params.action;
    if (action !== 'approve' && action !== 'decline' && action !== 'timeout') {
      return html(404, '<!doctype html><p data-error="not_found">No such action.</p>\n');
    }
    if (pay.status !== 'pending') return html(409, this.#page(pay.id));
    if (action === 'approve') {
      const description =
        pay.style === 'messy'
          ? messyDescription(pay.reference, this.#transactions.length + 1)
          : pay.reference;
      pay.bank_ref = this.transfer({ amount: pay.amount, description }).bank_ref;
      pay.status = 'succeeded';
    } else {
      // A declined or abandoned transfer never reaches the account: nothing to notify.
      pay.status = action === 'decline' ? 'failed' : 'expired';
    }
    return html(200, this.#page(pay.id));
  }

  /**
   * The assumed bank statement API: credits in [from, to) as `{ account_no, from, to, transactions }`,
   * each transaction in the notification's own JSON shape, the body signed like a notification.
   */
  #statement(request: SimRequest): SimResponse {
    if (request.params.account_no !== this.#options.account_no)
      return json(404, { error: 'no such account' });
    const from = request.query.from === undefined ? new Date(0) : parseIsoWithOffset(request.query.from);
    const to = request.query.to === undefined ? new Date(8.64e15) : parseIsoWithOffset(request.query.to);
    if (from === null || to === null)
      return json(400, { error: 'from and to must be ISO 8601 with an offset' });
    const transactions = this.#transactions
      .filter((t) => t.transferred_at >= from && t.transferred_at < to)
      .map((t) => bankNotificationJson(t));
    const body = JSON.stringify({
      account_no: this.#options.account_no,
      from: from.toISOString(),
      to: to.toISOString(),
      transactions,
    });
    return {
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-signature': signBankNotification(body, this.#options.notify_secret),
      },
      body,
    };
  }
}
