// The VietQR adapter behind the gateway contract: createPayment hands the payer a dynamic VietQR (NAPAS
// 247 transfer to the hub's collection account) for the order's amount. There is no gateway API and no
// gateway callback: the payment is confirmed by the bank's signed transfer notification, which
// parseCallback (and notifications.verify) verify; the matcher then classifies it against the bills.
import {
  AdapterError,
  type CallbackOutcome,
  type CallbackRejection,
  type CallbackReply,
  type CallbackRequest,
  type CallbackResult,
  type CreatePaymentResult,
  type GatewayAdapter,
  type GatewayCapabilities,
  type OrderRejection,
  type PaymentOrder,
  type SettlementRow,
} from '../contract';
import { requireSecret } from '../shared/config';
import { amountRejection } from '../shared/order';
import {
  checkReferenceShape,
  findReferences,
  VIETQR_REFERENCE_SHAPE,
  type VietQrReferenceShape,
} from './vietqr.matcher';
import {
  verifyBankNotification,
  verifyBankStatement,
  type BankNotificationResult,
  type BankStatementResult,
  type SignedRequest,
} from './vietqr.notification';
import { AMOUNT_DIGITS_MAX, buildVietQr, TEXT_BYTES_MAX, VietQrInputError } from './vietqr.payload';
import { parseSettlementFile } from './vietqr.settlement';

/**
 * Assumed default limits (configurable): 1,000 VND as the other adapters' floor, and 500,000,000 VND
 * per transfer, the NAPAS 247 instant-transfer cap as commonly cited [inf] (not in vietqr.md).
 */
export const VIETQR_AMOUNT_MIN = 1_000n;
export const VIETQR_AMOUNT_MAX = 500_000_000n;
/** Tag 54 holds at most 13 digits: no configured maximum may exceed it. */
export const VIETQR_AMOUNT_CEILING = 10n ** BigInt(AMOUNT_DIGITS_MAX) - 1n;

/** The collection account every code pays into. */
export interface VietQrConfig {
  /** The collection bank's BIN (6+ digits). */
  readonly bin: string;
  /** The collection account number (1–19 letters and digits). */
  readonly account: string;
  /** Tag 59, ≤ 25 characters once diacritics are stripped. */
  readonly merchant_name?: string;
  /** Tag 60, ≤ 15 characters once diacritics are stripped. */
  readonly merchant_city?: string;
  readonly amount_min?: bigint;
  readonly amount_max?: bigint;
  /**
   * The secret the bank (or the notification service watching the account) signs transfer
   * notifications with (BANK_NOTIFY_SECRET). Only needed to receive notifications: without it every
   * notification is refused.
   */
  readonly notify_secret?: string;
  /** The shape of the hub's payment references; default VIETQR_REFERENCE_SHAPE (`PZ` + 12). */
  readonly reference_shape?: VietQrReferenceShape;
}

/** A merchant_ref that can be the bill number (62/01) exactly: printable ASCII, 1–25 characters. */
const BILL_NUMBER = new RegExp(`^[\\x20-\\x7e]{1,${TEXT_BYTES_MAX.bill_number}}$`);

/**
 * The payment reference written to 62/08 (the transfer message the payer's bank copies into the
 * transfer description): the merchant_ref with everything but letters and digits removed, upper-cased.
 * Banks may strip punctuation and upper-case the description, so a reference that already survives
 * that is the one the notification matcher can find again; it fits 25 characters because the
 * merchant_ref does (it is the bill number). Distinct references that differ only in case or
 * punctuation map to the same payment reference: the hub's references must be unique under this
 * reduction (ULID-based ids are). Empty when the merchant_ref has no letter or digit.
 */
export function vietQrPaymentReference(merchantRef: string): string {
  return merchantRef.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
}

function orderRejection(code: OrderRejection['code'], param: string, message: string): CreatePaymentResult {
  return { ok: false, rejection: { code, param, message } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The hub's own notify endpoint's reply status per outcome: 2xx when the payment is booked, 4xx when
 * the notification itself is at fault, 503 when the hub failed, so that the notifier retries.
 */
const REPLY_STATUS: Record<CallbackOutcome, number> = {
  recorded: 200,
  already_confirmed: 200,
  order_not_found: 404,
  amount_mismatch: 409,
  malformed: 400,
  bad_signature: 401,
  wrong_merchant: 403,
  error: 503,
};

/** Why a notification is refused when the client has no notify_secret. */
const NO_SECRET: { readonly ok: false; readonly rejection: CallbackRejection } = {
  ok: false,
  rejection: {
    reason: 'malformed',
    detail: 'bank-transfer notifications need notify_secret in the VietQR config',
  },
};

export class VietQrClient implements GatewayAdapter {
  readonly bin: string;
  readonly account: string;
  readonly merchant_name: string | undefined;
  readonly merchant_city: string | undefined;
  readonly reference_shape: VietQrReferenceShape;
  readonly capabilities: GatewayCapabilities;
  /** Stripe-like `webhooks`: the bank's transfer notifications and statement answers. */
  readonly notifications: {
    /** verifyBankNotification with the configured secret and collection account. */
    verify(request: SignedRequest): BankNotificationResult;
    /** verifyBankStatement likewise, for the statement the hub reads when notifications go missing. */
    verifyStatement(request: SignedRequest): BankStatementResult;
  };
  readonly #notify_secret: string | null;

  /** Throws AdapterError `vietqr_config_invalid` naming the field (never echoing its value). */
  constructor(config: VietQrConfig) {
    const invalid = (param: string, message: string) =>
      new AdapterError('vietqr_config_invalid', message, param);
    if (!isObject(config)) throw invalid('config', 'vietqr config must be an object');
    // The payload builder owns the field rules: a static code from the account proves them.
    try {
      buildVietQr({
        bin: config.bin,
        account: config.account,
        ...(config.merchant_name === undefined ? {} : { merchant_name: config.merchant_name }),
        ...(config.merchant_city === undefined ? {} : { merchant_city: config.merchant_city }),
      });
    } catch (error) {
      if (error instanceof VietQrInputError) throw invalid(error.field, `vietqr ${error.message}`);
      throw error;
    }
    const amount_min = config.amount_min ?? VIETQR_AMOUNT_MIN;
    const amount_max = config.amount_max ?? VIETQR_AMOUNT_MAX;
    if (typeof amount_min !== 'bigint' || amount_min < 1n) {
      throw invalid('amount_min', 'vietqr amount_min must be a bigint of at least 1');
    }
    if (typeof amount_max !== 'bigint' || amount_max < amount_min || amount_max > VIETQR_AMOUNT_CEILING) {
      throw invalid(
        'amount_max',
        `vietqr amount_max must be a bigint from amount_min to ${VIETQR_AMOUNT_CEILING} (13 digits)`,
      );
    }
    this.#notify_secret =
      config.notify_secret === undefined
        ? null
        : requireSecret('vietqr', config.notify_secret, 'notify_secret');
    this.reference_shape = checkReferenceShape(config.reference_shape ?? VIETQR_REFERENCE_SHAPE);
    this.bin = config.bin;
    this.account = config.account;
    this.merchant_name = config.merchant_name;
    this.merchant_city = config.merchant_city;
    const expected = { account_no: config.account };
    this.notifications = {
      verify: (request) => {
        const secret = this.#notify_secret;
        return secret === null ? NO_SECRET : verifyBankNotification(request, secret, expected);
      },
      verifyStatement: (request) => {
        const secret = this.#notify_secret;
        return secret === null ? NO_SECRET : verifyBankStatement(request, secret, expected);
      },
    };
    this.capabilities = {
      gateway: 'vietqr',
      methods: ['bank_transfer'],
      refunds: false,
      partial_refunds: false,
      query: false,
      refund_status: false,
      settlement_file: true,
      amount_min,
      amount_max,
    };
  }

  /**
   * A dynamic VietQR for the order: amount, bill number (62/01) = merchant_ref exactly, payment
   * reference (62/08) = vietQrPaymentReference(merchant_ref). Built locally, so never declined.
   * The order's description and expiry are not carried: the payload has no field for them.
   */
  async createPayment(order: PaymentOrder): Promise<CreatePaymentResult> {
    const limits = amountRejection(order, 'VietQR', {
      min: this.capabilities.amount_min,
      max: this.capabilities.amount_max,
    });
    if (limits) return { ok: false, rejection: limits };
    if (order.method !== 'bank_transfer') {
      return orderRejection('method_not_supported', 'method', 'VietQR takes bank_transfer only');
    }
    if (typeof order.merchant_ref !== 'string' || !BILL_NUMBER.test(order.merchant_ref)) {
      return orderRejection(
        'invalid_field',
        'merchant_ref',
        `merchant_ref must be 1 to ${TEXT_BYTES_MAX.bill_number} printable ASCII characters (VietQR bill number)`,
      );
    }
    const purpose = vietQrPaymentReference(order.merchant_ref);
    if (purpose.length === 0) {
      return orderRejection('invalid_field', 'merchant_ref', 'merchant_ref must contain a letter or digit');
    }
    try {
      const payload = buildVietQr({
        bin: this.bin,
        account: this.account,
        amount: order.amount,
        bill_number: order.merchant_ref,
        purpose,
        ...(this.merchant_name === undefined ? {} : { merchant_name: this.merchant_name }),
        ...(this.merchant_city === undefined ? {} : { merchant_city: this.merchant_city }),
      });
      return { ok: true, action: { type: 'vietqr', payload } };
    } catch (error) {
      // Every input was checked above; a field rule failing here is still the order's, not a bug's.
      if (error instanceof VietQrInputError)
        return orderRejection('invalid_field', error.field, error.message);
      throw error;
    }
  }

  /**
   * Verifies a bank-transfer notification (POST, JSON, X-Signature) into a succeeded PaymentEvent:
   * gateway_txn_id = bank_ref, paid_at = transferred_at, merchant_ref = the payment reference found in
   * the description when exactly one is found, else ''. It only verifies: it cannot know the bills, so
   * the hub classifies the transfer with classifyTransfer (matched, amount_mismatch, unknown_reference,
   * duplicate) and books whatever is not matched to suspense; nothing verified is refused for its
   * reference, so no transfer is lost.
   */
  parseCallback(request: CallbackRequest): CallbackResult {
    if (request.method.toUpperCase() !== 'POST') {
      return { ok: false, rejection: { reason: 'malformed', detail: 'bank notifications are POSTed' } };
    }
    const verified = this.notifications.verify(request);
    if (!verified.ok) return verified;
    const { notification, raw } = verified;
    const references = findReferences(notification.description, this.reference_shape, 2);
    return {
      ok: true,
      event: {
        gateway: 'vietqr',
        merchant_ref: references.length === 1 ? (references[0] as string) : '',
        gateway_txn_id: notification.bank_ref,
        amount: notification.amount,
        currency: 'VND',
        status: 'succeeded',
        paid_at: notification.transferred_at,
        gateway_code: 'transfer_received',
        raw,
      },
    };
  }

  /** The collection account's statement CSV (vietqr.settlement.ts) with this client's reference shape. */
  parseSettlementFile(stream: AsyncIterable<string | Buffer>): AsyncIterable<SettlementRow> {
    return parseSettlementFile(stream, this.reference_shape);
  }

  /**
   * The reply of the hub's own notify endpoint (no gateway reads it): plain JSON, 200 for `recorded`
   * and `already_confirmed` (the notifier must not send it again), a 4xx for every other outcome.
   */
  callbackReply(outcome: CallbackOutcome): CallbackReply {
    const status = REPLY_STATUS[outcome] ?? 400;
    return {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ ok: status < 300, outcome }),
    };
  }
}
