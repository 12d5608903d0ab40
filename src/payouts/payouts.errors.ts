// The payouts module's error codes. A refusal changes nothing: no batch, no ledger reservation.
import { defineErrorCodes, HubError } from '../common/errors';

const NOT_FOUND = { status: 404, type: 'invalid_request_error' } as const;
const CONFLICT = { status: 409, type: 'invalid_request_error' } as const;

export const PAYOUT_ERRORS = defineErrorCodes('payouts', {
  payout_not_found: NOT_FOUND,
  /** No agency (of those named) is owed anything that is not already reserved. */
  payout_nothing_owed: CONFLICT,
  /** Confirming a cancelled batch: its reservations are released; make a new batch. */
  payout_cancelled: CONFLICT,
  /** Cancelling a confirmed batch: the bank paid; a correction is a new transfer, by a person. */
  payout_confirmed: CONFLICT,
  /** A balance changed between reading it and reserving it (a refund reserved meanwhile): try again. */
  payout_balance_changed: CONFLICT,
});

export type PayoutErrorCode = keyof typeof PAYOUT_ERRORS;

export class PayoutError extends HubError {
  constructor(
    override readonly code: PayoutErrorCode,
    message: string,
    param: string | null = null,
  ) {
    super(code, message, param);
    this.name = 'PayoutError';
  }
}
