// An agency's statement as pure code: the period in Vietnam time, the entries (payments with their
// receipt, refunds, payouts) and the totals they add up to, the cashless share, and the tie to the
// ledger (docs/reports.md). The entries stream through `StatementTotals` one at a time, so a year of
// receipts is never held in memory.
import Decimal from 'decimal.js';

const DAY_MS = 86_400_000;
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
/** The longest period one statement covers. */
export const STATEMENT_DAYS_MAX = 366;

/** Percentages are rounded once, half up, to 2 decimals (a private Decimal, like adapters/fees.ts). */
const ShareDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

export type StatementFormat = 'json' | 'csv' | 'xlsx';

export interface StatementPeriod {
  /** `YYYY-MM-DD`, Vietnam dates, both inclusive. */
  from: string;
  to: string;
  /** The instants that bound the period: [start, end). */
  start: Date;
  end: Date;
}

/** A Vietnam calendar date as the instant its day starts (00:00 UTC+7); null when it is no real date. */
export function vietnamDayStart(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (
    year < 2000 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  )
    return null;
  return new Date(ms - VIETNAM_OFFSET_MS);
}

/** Days from start to end of a period, both inclusive. */
export function periodDays(period: Pick<StatementPeriod, 'start' | 'end'>): number {
  return Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS);
}

export function periodOf(from: string, to: string): StatementPeriod | null {
  const start = vietnamDayStart(from);
  const last = vietnamDayStart(to);
  if (!start || !last) return null;
  return { from, to, start, end: new Date(last.getTime() + DAY_MS) };
}

export interface ReceiptLine {
  fee_name: string;
  amount: bigint;
}

/** A payment: its receipt, booked in the ledger at `booked_at` (the `pay:<intent>` transfer). */
export interface PaymentEntry {
  type: 'payment';
  receipt_id: string;
  number: bigint;
  template_symbol: string;
  series_symbol: string;
  status: 'issued' | 'cancelled';
  payer_name: string;
  lines: ReceiptLine[];
  amount: bigint;
  method: string;
  gateway_transaction_id: string | null;
  payment_intent_id: string | null;
  paid_at: Date;
  booked_at: Date;
  /** The gateway's fee when the agency bears it (FEE_BEARER=biller), else 0. */
  fee: bigint;
}

/** A succeeded refund, booked when its reservation was posted (`refund:<id>:post`, or `:late`). */
export interface RefundEntry {
  type: 'refund';
  refund_id: string;
  payment_intent_id: string;
  amount: bigint;
  method: string;
  gateway_refund_id: string | null;
  /** The receipt of the payment refunded. */
  receipt_id: string | null;
  receipt_number: bigint | null;
  template_symbol: string | null;
  series_symbol: string | null;
  payer_name: string | null;
  /** What the refund did to receipts: the original cancelled, or a refund receipt issued. */
  receipt_action: 'cancelled' | 'refund_receipt' | null;
  refund_receipt_id: string | null;
  refund_receipt_number: bigint | null;
  /** The refund receipt's symbols: its series may have changed since the payment's receipt. */
  refund_receipt_template: string | null;
  refund_receipt_series: string | null;
  booked_at: Date;
}

/** A confirmed payout item, booked when its reservation was posted (`payout:<item>:post`). */
export interface PayoutEntry {
  type: 'payout';
  payout_id: string;
  item_id: string;
  amount: bigint;
  booked_at: Date;
}

/**
 * A reconciliation resolution that moved the agency's payable (docs/reconciliation.md#resolutions): a
 * fee adjustment with FEE_BEARER=biller, or the reversal of a payment the gateway did not pay. Booked by
 * its `recon:<exception>:<suffix>` transfer; `amount` is signed: + the agency is owed more, − less.
 */
export interface AdjustmentEntry {
  type: 'adjustment';
  transfer_id: string;
  exception_id: string;
  /** The resolution's action (fee_adjustment, refund) as the transfer's metadata names it. */
  action: string | null;
  payment_intent_id: string | null;
  amount: bigint;
  booked_at: Date;
}

export type StatementEntry = PaymentEntry | RefundEntry | PayoutEntry | AdjustmentEntry;

export interface CountAmount {
  count: number;
  amount: bigint;
}

export interface MethodTotals {
  method: string;
  payments: CountAmount;
  refunds: CountAmount;
  /** payments − refunds. */
  net: bigint;
  /** This method's share of the payments through the hub, by count and by amount, in percent. */
  percent_of_count: string;
  percent_of_amount: string;
}

export interface StatementTotals {
  payments: CountAmount;
  refunds: CountAmount;
  /** Gateway fees deducted from what the agency is owed (FEE_BEARER=biller); zero when the hub bears them. */
  fees: CountAmount;
  /** Reconciliation adjustments of the agency's payable (signed sum; count = transfers). */
  adjustments: CountAmount;
  /**
   * payments − refunds − fees + adjustments: what the period's collections added to what the agency is
   * owed.
   */
  net: bigint;
  payouts: CountAmount;
  /** net − payouts: the movement of the agency's payable account, to compare with the ledger's. */
  payable_movement: bigint;
  /** Gross payments by the fee names on the receipts' lines. */
  by_fee: Array<{ fee_name: string; count: number; amount: bigint }>;
  by_method: MethodTotals[];
}

/**
 * How much of the agency's business went through the hub (docs/reports.md#cashless-share): bills paid
 * through payhub against bills closed otherwise (cancelled: paid at the counter, or withdrawn; the hub
 * cannot tell which), by count. A lower bound, since withdrawn bills count against it.
 */
export interface CashlessShare {
  bills_paid_through_hub: number;
  bills_closed_otherwise: number;
  /** null when the period has neither. */
  percent: string | null;
}

export interface LedgerMovement {
  account: string;
  /** Posted credits and debits of `payable:<biller>` with a ledger timestamp in the period. */
  payable_credits: bigint;
  payable_debits: bigint;
  net: bigint;
}

export function percent(part: number | bigint, whole: number | bigint): string | null {
  if (BigInt(whole) === 0n) return null;
  return new ShareDecimal(part.toString()).times(100).div(whole.toString()).toFixed(2);
}

const zero = (): CountAmount => ({ count: 0, amount: 0n });

/** Adds entries up as they stream by; `totals()` at the end. */
export class StatementAccumulator {
  readonly #payments = zero();
  readonly #refunds = zero();
  readonly #fees = zero();
  readonly #payouts = zero();
  readonly #adjustments = zero();
  readonly #byFee = new Map<string, CountAmount>();
  readonly #byMethod = new Map<string, { payments: CountAmount; refunds: CountAmount }>();

  add(entry: StatementEntry): void {
    if (entry.type === 'adjustment') {
      this.#adjustments.count += 1;
      this.#adjustments.amount += entry.amount;
      return;
    }
    if (entry.type === 'payout') {
      this.#payouts.count += 1;
      this.#payouts.amount += entry.amount;
      return;
    }
    const method = this.#method(entry.method);
    if (entry.type === 'refund') {
      this.#refunds.count += 1;
      this.#refunds.amount += entry.amount;
      method.refunds.count += 1;
      method.refunds.amount += entry.amount;
      return;
    }
    this.#payments.count += 1;
    this.#payments.amount += entry.amount;
    method.payments.count += 1;
    method.payments.amount += entry.amount;
    if (entry.fee > 0n) {
      this.#fees.count += 1;
      this.#fees.amount += entry.fee;
    }
    for (const line of entry.lines) {
      const fee = this.#byFee.get(line.fee_name) ?? zero();
      fee.count += 1;
      fee.amount += line.amount;
      this.#byFee.set(line.fee_name, fee);
    }
  }

  totals(): StatementTotals {
    const net = this.#payments.amount - this.#refunds.amount - this.#fees.amount + this.#adjustments.amount;
    const by_method = [...this.#byMethod.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([method, totals]) => ({
        method,
        payments: totals.payments,
        refunds: totals.refunds,
        net: totals.payments.amount - totals.refunds.amount,
        percent_of_count: percent(totals.payments.count, this.#payments.count) ?? '0.00',
        percent_of_amount: percent(totals.payments.amount, this.#payments.amount) ?? '0.00',
      }));
    const by_fee = [...this.#byFee.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([fee_name, totals]) => ({ fee_name, ...totals }));
    return {
      payments: this.#payments,
      refunds: this.#refunds,
      fees: this.#fees,
      adjustments: this.#adjustments,
      net,
      payouts: this.#payouts,
      payable_movement: net - this.#payouts.amount,
      by_fee,
      by_method,
    };
  }

  #method(name: string) {
    let found = this.#byMethod.get(name);
    if (!found) {
      found = { payments: zero(), refunds: zero() };
      this.#byMethod.set(name, found);
    }
    return found;
  }
}
