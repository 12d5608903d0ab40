// MoMo's resultCode mapped exhaustively to the hub's statuses. Only an explicit success or an explicit
// failure is final; anything else, including a code this table does not know, is pending.
import type { CallbackOutcome, CallbackReply, PaymentStatus, RefundStatus } from '../contract';

/** Every resultCode momo.md names, by meaning ([doc] 0 10 11 12, the rest [2nd]). */
export type MomoResult =
  | 'success'
  | 'authorized'
  | 'awaiting_reconfirmation'
  | 'processing'
  | 'initiated'
  | 'maintenance'
  | 'access_denied'
  | 'unsupported_api_version'
  | 'merchant_auth_failed'
  | 'bad_format'
  | 'duplicate_request_id'
  | 'duplicate_order_id'
  | 'amount_out_of_range'
  | 'order_not_found'
  | 'refund_not_allowed'
  | 'refund_amount_invalid'
  | 'insufficient_funds'
  | 'issuer_rejected'
  | 'cancelled'
  | 'over_limit'
  | 'expired'
  | 'user_denied'
  | 'unknown';

export function momoResult(resultCode: number | undefined): MomoResult {
  switch (resultCode) {
    case 0:
      return 'success';
    case 9000:
      return 'authorized';
    case 8000:
      return 'awaiting_reconfirmation';
    case 7000:
    case 7002:
      return 'processing';
    case 1000:
      return 'initiated';
    case 10:
      return 'maintenance';
    case 11:
      return 'access_denied';
    case 12:
      return 'unsupported_api_version';
    case 13:
      return 'merchant_auth_failed';
    case 20:
      return 'bad_format';
    case 40:
      return 'duplicate_request_id';
    case 41:
      return 'duplicate_order_id';
    // 22, 42, 1080 and 1081 are from MoMo's public result-code table, not momo.md [assumed].
    case 22:
      return 'amount_out_of_range';
    case 42:
      return 'order_not_found';
    case 1080:
      return 'refund_not_allowed';
    case 1081:
      return 'refund_amount_invalid';
    case 1001:
      return 'insufficient_funds';
    case 1002:
      return 'issuer_rejected';
    case 1003:
      return 'cancelled';
    case 1004:
      return 'over_limit';
    case 1005:
      return 'expired';
    case 1006:
      return 'user_denied';
    default:
      return 'unknown';
  }
}

/**
 * A payment's status from an IPN or a query answer. 0 is paid; 9000 (authorized) is paid too, because
 * the one-step flows used here capture at once (momo.md [2nd]). 1001-1006 say plainly that the payer
 * did not pay. Request-level errors (10-41) say nothing about the payment, so they stay pending.
 */
export function paymentStatus(resultCode: number | undefined): PaymentStatus {
  const result = momoResult(resultCode);
  switch (result) {
    case 'success':
    case 'authorized':
      return 'succeeded';
    case 'insufficient_funds':
    case 'issuer_rejected':
    case 'cancelled':
    case 'over_limit':
    case 'expired':
    case 'user_denied':
      return 'failed';
    case 'awaiting_reconfirmation':
    case 'processing':
    case 'initiated':
    case 'maintenance':
    case 'access_denied':
    case 'unsupported_api_version':
    case 'merchant_auth_failed':
    case 'bad_format':
    case 'duplicate_request_id':
    case 'duplicate_order_id':
    case 'amount_out_of_range':
    case 'order_not_found':
    case 'refund_not_allowed':
    case 'refund_amount_invalid':
    case 'unknown':
      return 'pending';
  }
}

/**
 * A refund's status from the refund answer. A request MoMo refused outright (maintenance, access,
 * version, authentication, format, an amount out of range, an unknown order, a payment that cannot be
 * refunded or not by that much) refunded nothing: failed. A duplicate requestId or orderId means an
 * earlier request with that id exists and its fate is open: pending, like every unknown code.
 */
export function refundStatus(resultCode: number | undefined): RefundStatus {
  const result = momoResult(resultCode);
  switch (result) {
    case 'success':
      return 'succeeded';
    case 'maintenance':
    case 'access_denied':
    case 'unsupported_api_version':
    case 'merchant_auth_failed':
    case 'bad_format':
    case 'insufficient_funds':
    case 'issuer_rejected':
    case 'over_limit':
    case 'amount_out_of_range':
    case 'order_not_found':
    case 'refund_not_allowed':
    case 'refund_amount_invalid':
      return 'failed';
    case 'authorized':
    case 'awaiting_reconfirmation':
    case 'processing':
    case 'initiated':
    case 'duplicate_request_id':
    case 'duplicate_order_id':
    case 'cancelled':
    case 'expired':
    case 'user_denied':
    case 'unknown':
      return 'pending';
  }
}

/** The status of the answer to a create call: only an explicit refusal of the request is final. */
export function createStatus(resultCode: number | undefined): 'pending' | 'failed' {
  return refundStatus(resultCode) === 'failed' ? 'failed' : 'pending';
}

/**
 * Whether a create MoMo refused may succeed if asked again: maintenance, and the codes that leave the
 * request's fate open (processing, or a code this table does not know). Refusals of the request itself
 * (access, version, authentication, format, an amount out of range, a duplicate id) will be refused
 * again [choice].
 */
export function createDeclineRetryable(resultCode: number | undefined): boolean {
  switch (momoResult(resultCode)) {
    case 'maintenance':
    case 'processing':
    case 'unknown':
      return true;
    default:
      return false;
  }
}

/**
 * The IPN reply. MoMo wants HTTP 204 No Content within 15 s [doc]; it documents no body and no other
 * code. Everything the hub has settled (recorded, a duplicate, an unknown order, an amount it flags) is
 * acknowledged with 204 so MoMo stops retrying. A request we refuse gets 400 and our own failure 500,
 * so neither is mistaken for an acknowledgement [choice].
 */
export function ipnReply(outcome: CallbackOutcome): CallbackReply {
  switch (outcome) {
    case 'recorded':
    case 'already_confirmed':
    case 'order_not_found':
    case 'amount_mismatch':
      return { status: 204, headers: {}, body: '' };
    case 'bad_signature':
    case 'malformed':
    case 'wrong_merchant':
      return { status: 400, headers: {}, body: '' };
    case 'error':
      return { status: 500, headers: {}, body: '' };
  }
}
