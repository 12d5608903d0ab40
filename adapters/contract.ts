// The one contract every gateway adapter implements, so src/ can drive VNPay, MoMo, ZaloPay and VietQR
// alike. Types only (plus the error class adapters throw for bugs and bad configuration).

/** Money is bigint in the currency's minor unit; VND has none, so 1n = 1 dong. */
export type Currency = 'VND';

export type GatewayId = 'vnpay' | 'momo' | 'zalopay' | 'vietqr';

/**
 * How the payer pays. `gateway_choice` leaves the choice to the gateway's own page (VNPay without a
 * vnp_BankCode, for instance).
 */
export type PaymentMethod =
  'gateway_choice' | 'card_domestic' | 'card_international' | 'qr' | 'wallet' | 'bank_transfer';

/** What a gateway can do; src/ asks before offering a method or a refund. */
export interface GatewayCapabilities {
  readonly gateway: GatewayId;
  readonly methods: readonly PaymentMethod[];
  readonly refunds: boolean;
  readonly partial_refunds: boolean;
  readonly query: boolean;
  readonly refund_status: boolean;
  readonly settlement_file: boolean;
  /** Inclusive limits for one payment, in VND. */
  readonly amount_min: bigint;
  readonly amount_max: bigint;
}

/** A payment the hub asks a gateway to collect. */
export interface PaymentOrder {
  /** The hub's reference (the payment intent id); the gateway echoes it back in callbacks. */
  readonly merchant_ref: string;
  readonly amount: bigint;
  readonly currency: Currency;
  /** Free text shown to the payer; adapters reduce it to the gateway's safe set. */
  readonly description: string;
  readonly method: PaymentMethod;
  readonly return_url: string;
  readonly payer_ip: string;
  readonly locale: 'vi' | 'en';
  readonly created_at: Date;
  /** When omitted the adapter applies the gateway's usual validity window. */
  readonly expires_at?: Date;
}

/** The next thing the payer's browser or app must do. */
export type NextAction =
  | { readonly type: 'redirect'; readonly url: string }
  | { readonly type: 'deeplink'; readonly url: string }
  | { readonly type: 'vietqr'; readonly payload: string };

/** Why an order was refused before any call to the gateway: data, not an exception. */
export type OrderRejectionCode =
  | 'amount_below_minimum'
  | 'amount_above_maximum'
  | 'currency_not_supported'
  | 'method_not_supported'
  | 'invalid_field';

export interface OrderRejection {
  readonly code: OrderRejectionCode;
  /** The order field at fault, named as in PaymentOrder. */
  readonly param: string;
  readonly message: string;
}

/**
 * Why the gateway did not hand out a way to pay, after we asked it: data, not an exception.
 *
 * - A gateway that refused the request (a duplicate order, a merchant not allowed, an outage) gives its
 *   own code, its message, and whether another try (with a new reference where the gateway wants one)
 *   may succeed.
 * - A gateway that could not be reached (network error, timeout) gives `gateway_unreachable`, retryable.
 * - An answer we cannot trust (not JSON, unsigned or badly signed, about another order, without a usable
 *   pay URL) gives `gateway_answer_invalid`, retryable: we do not know what the gateway meant.
 */
export interface PaymentDecline {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/**
 * What createPayment produced: the payer's next action, our own refusal of the order before any call to
 * the gateway (`rejection`), or the gateway's refusal or an unusable answer (`declined`).
 */
export type CreatePaymentResult =
  | { readonly ok: true; readonly action: NextAction }
  | { readonly ok: false; readonly rejection: OrderRejection }
  | { readonly ok: false; readonly declined: PaymentDecline };

/** An inbound HTTP request from a gateway (IPN) or from the payer's browser (return URL). */
export interface CallbackRequest {
  readonly method: string;
  readonly query: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received; empty for GET callbacks. */
  readonly rawBody: string | Buffer;
}

export type PaymentStatus = 'succeeded' | 'failed' | 'pending';

/** A verified callback, normalized. Only a verified event may change an intent. */
export interface PaymentEvent {
  readonly gateway: GatewayId;
  readonly merchant_ref: string;
  readonly gateway_txn_id: string;
  readonly amount: bigint;
  readonly currency: Currency;
  readonly status: PaymentStatus;
  /** When the gateway says the payment happened; null when it did not say. */
  readonly paid_at: Date | null;
  /** The gateway's own result code(s), for the audit trail and support. */
  readonly gateway_code: string;
  /** The verified fields exactly as received. */
  readonly raw: Readonly<Record<string, string>>;
}

export type CallbackRejectionReason = 'bad_signature' | 'malformed' | 'wrong_merchant';

export interface CallbackRejection {
  readonly reason: CallbackRejectionReason;
  /** Which field or check failed; never contains a secret or a signature. */
  readonly detail: string;
}

export type CallbackResult =
  | { readonly ok: true; readonly event: PaymentEvent }
  | { readonly ok: false; readonly rejection: CallbackRejection };

/**
 * What the hub made of a callback, in the order of VNPay's check list: the adapter turns it into the
 * exact reply the gateway expects.
 */
export type CallbackOutcome =
  | 'recorded'
  | 'order_not_found'
  | 'already_confirmed'
  | 'amount_mismatch'
  | CallbackRejectionReason
  | 'error';

export interface CallbackReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Asking the gateway about one payment. */
export interface PaymentQuery {
  /** Unique per request (per day at least). */
  readonly request_id: string;
  readonly merchant_ref: string;
  /** When the payment was created (VNPay needs the original vnp_CreateDate). */
  readonly payment_created_at: Date;
  readonly requested_at: Date;
  readonly requester_ip: string;
}

export interface PaymentQueryResult {
  readonly merchant_ref: string;
  readonly gateway_txn_id: string | null;
  readonly amount: bigint | null;
  readonly status: PaymentStatus;
  readonly paid_at: Date | null;
  readonly gateway_code: string;
}

export interface RefundRequest {
  /** The hub's refund reference, unique per request. */
  readonly refund_ref: string;
  readonly merchant_ref: string;
  readonly gateway_txn_id: string;
  readonly amount: bigint;
  /** The original payment's amount: a smaller refund is partial. */
  readonly payment_amount: bigint;
  readonly payment_created_at: Date;
  readonly reason: string;
  /** Who asked for the refund (a staff user name), safe text. */
  readonly requested_by: string;
  readonly requested_at: Date;
  readonly requester_ip: string;
}

export type RefundStatus = 'succeeded' | 'failed' | 'pending';

export interface RefundResult {
  readonly refund_ref: string;
  readonly merchant_ref: string;
  readonly gateway_refund_id: string | null;
  readonly amount: bigint | null;
  readonly status: RefundStatus;
  readonly gateway_code: string;
}

/** A gateway's signed answer that failed verification, or a declined request: data, not an exception. */
export type GatewayAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly rejection: CallbackRejection | OrderRejection };

/** Asking the gateway what became of one refund (ZaloPay's query_refund). */
export interface RefundQuery {
  /** Unique per request. */
  readonly request_id: string;
  /** The hub's refund reference, as sent in RefundRequest.refund_ref. */
  readonly refund_ref: string;
  readonly merchant_ref: string;
  /** When the refund was asked for (RefundRequest.requested_at): ZaloPay's m_refund_id carries its date. */
  readonly refund_requested_at: Date;
  readonly requested_at: Date;
  readonly requester_ip: string;
}

/** One normalized row of a gateway's daily settlement file. */
export interface SettlementRow {
  readonly gateway: GatewayId;
  readonly kind: 'payment' | 'refund';
  readonly merchant_ref: string;
  readonly gateway_txn_id: string;
  /** For a refund row, the hub's refund reference (RefundRequest.refund_ref); null for a payment. */
  readonly refund_ref: string | null;
  /** Positive for both kinds: `kind` says which way the money went. */
  readonly amount: bigint;
  /** The gateway's fee on this row (0 when it charges none); the payout is amount - fee. */
  readonly fee: bigint;
  readonly currency: Currency;
  readonly status: PaymentStatus;
  readonly transacted_at: Date;
  /** The source line number, for a reconciliation report that points at the file. */
  readonly line: number;
}

/** The contract each gateway implements; the optional parts exist only where the gateway has them. */
export interface GatewayAdapter {
  readonly capabilities: GatewayCapabilities;
  /**
   * Asynchronous because MoMo and ZaloPay hand out the pay URL only in the answer to a server-to-server
   * call; VNPay signs its URL locally and never declines.
   */
  createPayment(order: PaymentOrder): Promise<CreatePaymentResult>;
  parseCallback(request: CallbackRequest): CallbackResult;
  callbackReply(outcome: CallbackOutcome): CallbackReply;
  queryPayment?(query: PaymentQuery): Promise<GatewayAnswer<PaymentQueryResult>>;
  refund?(request: RefundRequest): Promise<GatewayAnswer<RefundResult>>;
  refundStatus?(query: RefundQuery): Promise<GatewayAnswer<RefundResult>>;
  parseSettlementFile?(stream: AsyncIterable<string | Buffer>): AsyncIterable<SettlementRow>;
}

/**
 * Why a settlement file cannot be read: thrown by parseSettlementFile at the first bad line, so an
 * importer can refuse the whole file (nothing half-imported) and tell the operator where to look.
 */
export type SettlementFileErrorCode = 'wrong_columns' | 'bad_encoding' | 'bad_row' | 'truncated';

export class SettlementFileError extends Error {
  constructor(
    readonly code: SettlementFileErrorCode,
    /** 1-based line of the file; 0 when the fault is the file as a whole. */
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'SettlementFileError';
  }
}

/**
 * Thrown for bugs and bad configuration only (a decline is data). The message names the field and
 * never carries a secret.
 */
export class AdapterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'AdapterError';
  }
}
