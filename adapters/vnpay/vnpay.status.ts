// VNPay's result codes mapped exhaustively to the hub's statuses. Only an explicit success or an
// explicit failure is final; anything else, including a code this table does not know, is pending.
import type { CallbackOutcome, PaymentStatus, RefundStatus } from '../contract';
import type { VnpayIpnAnswer } from './vnpay.types';

/** vnp_ResponseCode values that say plainly that no money moved ([2nd] list in vnpay.md). */
const DECLINED_RESPONSE_CODES: Readonly<Record<string, string>> = {
  '09': 'not registered for internet banking',
  '10': 'wrong authentication more than 3 times',
  '11': 'payment timeout',
  '12': 'card or account locked',
  '13': 'wrong OTP',
  '24': 'payer cancelled',
  '51': 'insufficient balance',
  '65': 'daily limit exceeded',
  '75': 'bank maintenance',
  '79': 'wrong payment password too many times',
};

/** vnp_TransactionStatus as a state of the payment (the original transaction, not a refund). */
export type VnpayTransactionState =
  | 'succeeded'
  | 'not_completed'
  | 'error'
  | 'reversed'
  | 'refund_processing'
  | 'refund_sent'
  | 'suspected_fraud'
  | 'refund_rejected'
  | 'unknown';

export function transactionState(code: string | undefined): VnpayTransactionState {
  switch (code) {
    case '00':
      return 'succeeded';
    case '01':
      return 'not_completed';
    case '02':
      return 'error';
    case '04':
      return 'reversed';
    case '05':
      return 'refund_processing';
    case '06':
      return 'refund_sent';
    case '07':
      return 'suspected_fraud';
    case '09':
      return 'refund_rejected';
    default:
      return 'unknown';
  }
}

/**
 * The payment's status from an IPN, a return URL or a querydr answer. Paid if and only if both codes
 * are 00. A refund state (05, 06, 09) means the payment itself went through. A reversal (04) and an
 * error (02) are failures; a response code that names a decline makes a not-completed payment failed.
 * 07 (debited, suspected fraud) is left pending: money may have moved and a person must look.
 */
export function paymentStatus(
  responseCode: string | undefined,
  transactionStatus: string | undefined,
): PaymentStatus {
  const state = transactionState(transactionStatus);
  switch (state) {
    case 'succeeded':
      return responseCode === '00' ? 'succeeded' : 'pending';
    case 'refund_processing':
    case 'refund_sent':
    case 'refund_rejected':
      return 'succeeded';
    case 'error':
    case 'reversed':
      return responseCode === '00' || responseCode === '07' ? 'pending' : 'failed';
    case 'not_completed':
      return responseCode !== undefined && responseCode in DECLINED_RESPONSE_CODES ? 'failed' : 'pending';
    case 'suspected_fraud':
    case 'unknown':
      return 'pending';
  }
}

/**
 * A refund's status from the refund answer (vnp_ResponseCode) and, when VNPay accepted it, the
 * transaction status it reports. Rejections of the request (bad format, checksum, original not
 * successful, not found) are failures: nothing was refunded. 94 (already requested) and 99 leave the
 * earlier request's fate open: pending until a querydr says otherwise.
 */
export function refundStatus(
  responseCode: string | undefined,
  transactionStatus: string | undefined,
): RefundStatus {
  switch (responseCode) {
    case '00': {
      const state = transactionState(transactionStatus);
      if (state === 'refund_sent') return 'succeeded';
      if (state === 'refund_rejected') return 'failed';
      return 'pending';
    }
    case '02':
    case '03':
    case '91':
    case '95':
    case '97':
      return 'failed';
    default:
      return 'pending';
  }
}

/** The IPN answer for each outcome, as vnpay.md defines RspCode (messages from VNPay's demos). */
export function ipnAnswer(outcome: CallbackOutcome): VnpayIpnAnswer {
  switch (outcome) {
    case 'recorded':
      return { RspCode: '00', Message: 'Confirm Success' };
    case 'order_not_found':
      return { RspCode: '01', Message: 'Order not found' };
    case 'already_confirmed':
      return { RspCode: '02', Message: 'Order already confirmed' };
    case 'amount_mismatch':
      return { RspCode: '04', Message: 'Invalid amount' };
    case 'bad_signature':
      return { RspCode: '97', Message: 'Invalid signature' };
    // VNPay defines no code for a malformed request or another terminal's request; 99 makes VNPay retry
    // and show the failure in its merchant portal, which is what a person needs to notice them.
    case 'malformed':
    case 'wrong_merchant':
    case 'error':
      return { RspCode: '99', Message: 'Unknown error' };
  }
}

/** A querydr answer's payment status (only when vnp_ResponseCode is 00). */
export function queryStatus(transactionStatus: string | undefined): PaymentStatus {
  // Inside a successful querydr answer (vnp_ResponseCode 00) only vnp_TransactionStatus speaks.
  switch (transactionState(transactionStatus)) {
    case 'succeeded':
    case 'refund_processing':
    case 'refund_sent':
    case 'refund_rejected':
      return 'succeeded';
    case 'error':
    case 'reversed':
      return 'failed';
    default:
      return 'pending';
  }
}
