// The bills module's error codes. Validation answers with data (BillErrorDetail), not exceptions, so a
// caller can test every refusal; BillError turns one into the HubError the exception filter maps.
import { defineErrorCodes, HubError } from '../common/errors';
// Loaded for its side effect too: the shared codes bill validation answers with must be registered
// before the exception filter maps one.
import '../common/validation';
import type { VALIDATION_ERRORS } from '../common/validation';

// Every bill refusal is the client's to fix, so every code is a 400 invalid_request_error.
const INVALID = { status: 400, type: 'invalid_request_error' } as const;

export const BILL_ERRORS = defineErrorCodes('bills', {
  /** A JSON number with a fraction (1.5), or NaN/Infinity handed in by a non-JSON caller. */
  amount_not_integer: INVALID,
  /** Zero or negative where at least 1 dong is required. */
  amount_not_positive: INVALID,
  /** Negative where 0 is allowed (a hospital line's insurance or patient part). */
  amount_negative: INVALID,
  /** Above the configured maximum per line or per bill, or not a safe integer at all (1e21). */
  amount_too_large: INVALID,
  /** The optional top-level `amount` differs from the sum the hub computed from the lines. */
  amount_mismatch: INVALID,
  /** A hospital line's `amount` differs from `insurance_covered + patient_pays`. */
  line_total_mismatch: INVALID,
  currency_unsupported: INVALID,
  expires_at_in_past: INVALID,
  parking_exit_before_entry: INVALID,
  parking_exit_in_future: INVALID,
  parking_stay_too_long: INVALID,
  /** A parking bill without lines for a biller that has no tariff the hub could price it with. */
  parking_tariff_missing: INVALID,
  /** A tariff given to the admin API (or found in storage) that cannot be meant. */
  parking_tariff_invalid: INVALID,
  deposit_not_found: INVALID,
  deposit_not_paid: INVALID,
  /** A deposit bill of another invoice: deducting it would move one patient's money to another bill. */
  deposit_invoice_mismatch: INVALID,
});

// What the stored bills answer: an id that is not the caller's, and requests the bill's state refuses.
const NOT_FOUND = { status: 404, type: 'invalid_request_error' } as const;
const CONFLICT = { status: 409, type: 'invalid_request_error' } as const;

export const BILL_STATE_ERRORS = defineErrorCodes('bills', {
  /** No such bill, or another biller's: the two answer alike. */
  bill_not_found: NOT_FOUND,
  /** The biller has not set a parking tariff (PUT /v1/billers/{id}/parking_tariff). */
  parking_tariff_not_found: NOT_FOUND,
  /** An open or paid bill of this biller and kind already has this reference. */
  bill_reference_exists: CONFLICT,
  /** Only an open bill can be cancelled. */
  bill_not_open: CONFLICT,
  /** The deposit is already deducted by another final bill that is open or paid. */
  deposit_already_applied: CONFLICT,
});

/**
 * Every code bill validation can answer: its own, plus the shared request-validation codes
 * (`parameter_missing`, `parameter_unknown`, `parameter_invalid`, `body_invalid`) that
 * common/validation.ts registers, so a client sees one code for one mistake across modules.
 */
export type BillErrorCode =
  keyof typeof BILL_ERRORS | keyof typeof BILL_STATE_ERRORS | keyof typeof VALIDATION_ERRORS;

export interface BillErrorDetail {
  code: BillErrorCode;
  message: string;
  /** The field at fault with its path (`lines[2].amount`, `payer.name`), or null for the whole body. */
  param: string | null;
}

export type BillResult<T> = { ok: true; value: T } | { ok: false; error: BillErrorDetail };

export function billError(code: BillErrorCode, param: string | null, message: string): BillErrorDetail {
  return { code, message, param };
}

export class BillError extends HubError {
  constructor(
    override readonly code: BillErrorCode,
    message: string,
    param: string | null = null,
  ) {
    super(code, message, param);
    this.name = 'BillError';
  }

  static from(detail: BillErrorDetail): BillError {
    return new BillError(detail.code, detail.message, detail.param);
  }
}
