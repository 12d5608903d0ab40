// The refunds module's error codes: what a refund request may be refused for, each with the status the
// exception filter answers it with. A refusal changes nothing: no refund row, no ledger reservation.
import { defineErrorCodes, HubError } from '../common/errors';

const INVALID = { status: 400, type: 'invalid_request_error' } as const;
const NOT_FOUND = { status: 404, type: 'invalid_request_error' } as const;
const CONFLICT = { status: 409, type: 'invalid_request_error' } as const;

export const REFUND_ERRORS = defineErrorCodes('refunds', {
  /** No such refund, or another biller's: the two answer alike. */
  refund_not_found: NOT_FOUND,
  /** Only a succeeded payment intent has money to give back. */
  refund_payment_not_succeeded: INVALID,
  /** The gateway of the intent takes no refunds through its API (VietQR bank transfers). */
  refund_not_supported: INVALID,
  /** The gateway refunds only the whole payment at once. */
  refund_partial_not_supported: INVALID,
  /** Pending and succeeded refunds plus this one would exceed what was paid. */
  refund_amount_exceeds_remaining: INVALID,
  /** The biller's payable balance no longer covers the refund (paid out already): a person settles it. */
  refund_insufficient_balance: CONFLICT,
});

export type RefundErrorCode = keyof typeof REFUND_ERRORS;

export class RefundError extends HubError {
  constructor(
    override readonly code: RefundErrorCode,
    message: string,
    param: string | null = null,
  ) {
    super(code, message, param);
    this.name = 'RefundError';
  }
}
