// The ledger side of a refund, as pure code: the reservation made before the gateway is asked (a pending
// transfer payable → clearing, the reverse of the payment's), and its post or void once the gateway
// answered. Ids derive from the refund id, so every retry (request, sweep, second hub) answers `exists`.
import type { TransferInput } from '../../ledger';
import type { GatewayId } from '../../adapters/contract';
import { clearingAccount, payableAccount, TRANSFER_CODES } from '../payments/payment-postings';

/** Transfer reason of a refund (docs/ledger.md). */
export const REFUND_TRANSFER_CODE = TRANSFER_CODES.refund;

/**
 * How long the reservation holds before the ledger's expiry sweep releases it: long enough for a gateway
 * that answers "processing" and a sweep that asks again later (docs/refunds.md).
 */
export const REFUND_RESERVATION_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

export interface RefundPostingInput {
  refund_id: string;
  gateway: GatewayId;
  biller_id: string;
  payment_intent_id: string;
  amount: bigint;
}

export const reservationId = (refund_id: string) => `refund:${refund_id}`;

function metadata(input: RefundPostingInput) {
  return { refund: input.refund_id, payment_intent: input.payment_intent_id };
}

/** Reserves the refund in the biller's payable: it cannot be paid out (or refunded twice) meanwhile. */
export function reservationTransfer(input: RefundPostingInput): TransferInput {
  return {
    id: reservationId(input.refund_id),
    debit_account_id: payableAccount(input.biller_id),
    credit_account_id: clearingAccount(input.gateway),
    amount: input.amount,
    currency: 'VND',
    code: REFUND_TRANSFER_CODE,
    timeout_seconds: REFUND_RESERVATION_TIMEOUT_SECONDS,
    flags: { pending: true },
    metadata: metadata(input),
  };
}

/** The gateway refunded: the reservation becomes a posted transfer for its whole amount. */
export function postTransfer(input: RefundPostingInput): TransferInput {
  return {
    id: `${reservationId(input.refund_id)}:post`,
    pending_id: reservationId(input.refund_id),
    code: REFUND_TRANSFER_CODE,
    flags: { post_pending_transfer: true },
    metadata: metadata(input),
  };
}

/** The gateway refused: the reservation is released. */
export function voidTransfer(input: RefundPostingInput): TransferInput {
  return {
    id: `${reservationId(input.refund_id)}:void`,
    pending_id: reservationId(input.refund_id),
    code: REFUND_TRANSFER_CODE,
    flags: { void_pending_transfer: true },
    metadata: metadata(input),
  };
}

/**
 * The gateway refunded after the reservation expired (a refund left pending past its timeout): the
 * money left all the same, so it is booked as a plain transfer.
 */
export function lateRefundTransfer(input: RefundPostingInput): TransferInput {
  return {
    id: `${reservationId(input.refund_id)}:late`,
    debit_account_id: payableAccount(input.biller_id),
    credit_account_id: clearingAccount(input.gateway),
    amount: input.amount,
    currency: 'VND',
    code: REFUND_TRANSFER_CODE,
    metadata: { ...metadata(input), after_expiry: true },
  };
}
