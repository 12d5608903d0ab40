// ZaloPay's return codes mapped exhaustively to the hub's statuses. Only an explicit success or an
// explicit failure is final; anything else, including a code this table does not know, is pending.
import type { CallbackOutcome, PaymentStatus, RefundStatus } from '../contract';
import type { ZalopayCallbackAnswer } from './zalopay.types';

/**
 * sub_return_code values that speak about the request, not the payment (zalopay.md lists them for
 * create; this adapter assumes they mean the same on query and refund). A return_code 2 carrying one of
 * them says nothing about the money.
 */
export const REQUEST_LEVEL_SUB_CODES: Readonly<Record<number, string>> = {
  [-401]: 'bad parameters',
  [-402]: 'bad app or signature',
  [-429]: 'rate limited',
  [-500]: 'system error',
  [-999]: 'maintenance',
};

/** Request faults after which ZaloPay may or may not have acted: try again later. */
const TRANSIENT_SUB_CODES = new Set([-429, -500, -999]);

/** return_code as a state: 1 done, 2 failed, 3 processing (zalopay.md, query). */
export type ZalopayState = 'done' | 'failed' | 'processing' | 'unknown';

export function zalopayState(returnCode: number | undefined): ZalopayState {
  switch (returnCode) {
    case 1:
      return 'done';
    case 2:
      return 'failed';
    case 3:
      return 'processing';
    default:
      return 'unknown';
  }
}

/**
 * A query answer's payment status: 1 paid, 3 pending, 2 failed unless the sub code says the query
 * itself was refused (bad mac, bad parameters, rate limit, outage), which proves nothing about the
 * payment. Unknown codes are pending.
 */
export function queryStatus(
  returnCode: number | undefined,
  subReturnCode: number | undefined,
): PaymentStatus {
  switch (zalopayState(returnCode)) {
    case 'done':
      return 'succeeded';
    case 'failed':
      return subReturnCode !== undefined && subReturnCode in REQUEST_LEVEL_SUB_CODES ? 'pending' : 'failed';
    case 'processing':
    case 'unknown':
      return 'pending';
  }
}

/**
 * A refund or query_refund answer's status. 2 with a refused request (-401, -402) is a failure: nothing
 * was refunded. 2 with a rate limit, an outage or a system error leaves the refund's fate open: pending
 * until query_refund says otherwise. Unknown codes are pending.
 */
export function refundStatus(
  returnCode: number | undefined,
  subReturnCode: number | undefined,
): RefundStatus {
  switch (zalopayState(returnCode)) {
    case 'done':
      return 'succeeded';
    case 'failed':
      return subReturnCode !== undefined && TRANSIENT_SUB_CODES.has(subReturnCode) ? 'pending' : 'failed';
    case 'processing':
    case 'unknown':
      return 'pending';
  }
}

/** Whether a failed create is worth retrying later with a new app_trans_id (zalopay.md's sub codes). */
export function createDeclineRetryable(subReturnCode: number | undefined): boolean {
  return subReturnCode !== undefined && TRANSIENT_SUB_CODES.has(subReturnCode);
}

/**
 * The callback answer for each outcome. zalopay.md defines 1 (accepted), -1 (bad mac) and 0 (ZaloPay
 * retries, up to 3 times). A callback we cannot read or trust gets -1, since the same bytes will fail
 * the same way; a fault on our side or a race with our own order insert gets 0, so the retry (and,
 * after that, the query fallback) can still settle it.
 */
export function callbackAnswer(outcome: CallbackOutcome): ZalopayCallbackAnswer {
  switch (outcome) {
    case 'recorded':
      return { return_code: 1, return_message: 'success' };
    case 'already_confirmed':
      return { return_code: 1, return_message: 'already confirmed' };
    case 'bad_signature':
      return { return_code: -1, return_message: 'mac not equal' };
    case 'malformed':
      return { return_code: -1, return_message: 'malformed callback' };
    case 'wrong_merchant':
      return { return_code: -1, return_message: 'unknown app_id' };
    case 'order_not_found':
      return { return_code: 0, return_message: 'order not found' };
    case 'amount_mismatch':
      return { return_code: 0, return_message: 'amount mismatch' };
    case 'error':
      return { return_code: 0, return_message: 'error' };
  }
}
