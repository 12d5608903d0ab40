// Hospital bills: each line splits into the part health insurance (BHYT) covers and the part the
// patient pays, and deposits (tam ung) paid earlier are deducted at discharge, the excess refunded.
import { billError, type BillResult } from './bills.errors';

/** One service or drug on a final hospital bill; amount = insurance_covered + patient_pays. */
export interface HospitalLine {
  readonly name: string;
  readonly amount: bigint;
  readonly insurance_covered: bigint;
  readonly patient_pays: bigint;
}

export interface HospitalSettlement {
  /** The patient's share of the lines: the final bill's `amount`. */
  readonly patient_share: bigint;
  /** What the patient still has to pay: patient_share - deposit_applied, never negative. */
  readonly amount_due: bigint;
  /** The part of the deposits that pays for the patient's share. */
  readonly deposit_applied: bigint;
  /** The part of the deposits beyond the share, owed back to the patient. */
  readonly deposit_refund: bigint;
}

/** The sum of what the patient pays over the lines (the insurer's part is settled with BHYT, not here). */
export function hospitalPatientShare(lines: readonly HospitalLine[]): bigint {
  let share = 0n;
  for (const line of lines) share += line.patient_pays;
  return share;
}

/**
 * Settles a final bill against the deposits paid for the same stay. Validation has already checked the
 * lines and deposits, so a negative part or a line whose parts do not add up is a bug: it throws.
 */
export function settleHospitalBill(
  final_lines: readonly HospitalLine[],
  deposits_paid: readonly bigint[],
): HospitalSettlement {
  for (const line of final_lines) {
    if (line.insurance_covered < 0n || line.patient_pays < 0n) {
      throw new RangeError('a hospital line has a negative part');
    }
    if (line.insurance_covered + line.patient_pays !== line.amount) {
      throw new RangeError('a hospital line amount is not insurance_covered + patient_pays');
    }
  }
  let deposit_total = 0n;
  for (const deposit of deposits_paid) {
    if (deposit <= 0n) throw new RangeError('a paid deposit is not positive');
    deposit_total += deposit;
  }
  const patient_share = hospitalPatientShare(final_lines);
  const deposit_applied = deposit_total < patient_share ? deposit_total : patient_share;
  const settlement = {
    patient_share,
    amount_due: patient_share - deposit_applied,
    deposit_applied,
    deposit_refund: deposit_total - deposit_applied,
  };
  // Nothing is created or lost: the share is paid by deposit or by the patient, every deposit dong is
  // applied or refunded.
  if (
    settlement.amount_due + deposit_applied !== patient_share ||
    deposit_applied + settlement.deposit_refund !== deposit_total
  ) {
    throw new Error('hospital settlement does not balance');
  }
  return settlement;
}

/** A deposit bill as the repository finds it by its reference, for resolveDeposits. */
export interface StoredDeposit {
  readonly invoice_number: string;
  readonly status: 'open' | 'paid' | 'expired' | 'cancelled';
  readonly amount: bigint;
}

/**
 * The amounts of the deposits a final bill names, in the order named, or the first reason one cannot
 * be deducted: unknown to this biller, not paid (only money received can be deducted), or taken for
 * another invoice. `found` holds the biller's own deposit bills by reference.
 */
export function resolveDeposits(
  deposit_references: readonly string[],
  invoice_number: string,
  found: ReadonlyMap<string, StoredDeposit>,
): BillResult<bigint[]> {
  const amounts: bigint[] = [];
  for (const [index, reference] of deposit_references.entries()) {
    const param = `deposit_references[${index}]`;
    const deposit = found.get(reference);
    if (!deposit) {
      return { ok: false, error: billError('deposit_not_found', param, `No deposit bill ${reference}.`) };
    }
    if (deposit.invoice_number !== invoice_number) {
      return {
        ok: false,
        error: billError('deposit_invoice_mismatch', param, `Deposit ${reference} is for another invoice.`),
      };
    }
    if (deposit.status !== 'paid') {
      return {
        ok: false,
        error: billError('deposit_not_paid', param, `Deposit ${reference} is ${deposit.status}, not paid.`),
      };
    }
    amounts.push(deposit.amount);
  }
  return { ok: true, value: amounts };
}
