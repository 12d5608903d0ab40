// The reconciliation module's error codes. A refused file changes nothing: no run, no staged row, no
// exception, no ledger posting (the whole import is one transaction).
import { SettlementFileError } from '../../adapters/contract';
import { defineErrorCodes, HubError } from '../common/errors';

const INVALID = { status: 400, type: 'invalid_request_error' } as const;

export const RECONCILIATION_ERRORS = defineErrorCodes('reconciliation', {
  /** No such run (or exception). */
  reconciliation_run_not_found: { status: 404, type: 'invalid_request_error' },
  /** Another file was already reconciled for this gateway and day: a corrected file is a person's call. */
  reconciliation_date_reconciled: { status: 409, type: 'invalid_request_error' },
  /** No such exception. */
  reconciliation_exception_not_found: { status: 404, type: 'invalid_request_error' },
  /** The action does not fit the exception's kind (e.g. a fee adjustment of a duplicate). */
  reconciliation_action_invalid: INVALID,
  /** The exception was resolved already (by another action, operator or reason). */
  reconciliation_exception_resolved: { status: 409, type: 'invalid_request_error' },
  /**
   * The action fits the kind but not the exception's state: nothing to post (no residue, no booking to
   * reverse), the payment could not be applied, or the ledger refused (e.g. the agency's payable is
   * already paid out). Nothing changed.
   */
  reconciliation_action_not_applicable: { status: 409, type: 'invalid_request_error' },
  /** RECON_DROP_DIR is not set: there is no drop folder to run over. */
  reconciliation_schedule_disabled: { status: 409, type: 'invalid_request_error' },
  /** The request has no `file` part, or it came after the fields it needs. */
  settlement_file_missing: INVALID,
  /** The gateway has no settlement file the hub can read. */
  settlement_file_not_supported: INVALID,
  /** The file's first line is not the gateway's header (another gateway's file, an empty file). */
  settlement_file_wrong_columns: INVALID,
  /** Bytes that are not UTF-8. */
  settlement_file_bad_encoding: INVALID,
  /** A row the gateway's parser cannot read (the message names the line and the field). */
  settlement_file_bad_row: INVALID,
  /** No trailer, totals that disagree with the rows, or a last line cut short. */
  settlement_file_truncated: INVALID,
});

export type ReconciliationErrorCode = keyof typeof RECONCILIATION_ERRORS;

export class ReconciliationError extends HubError {
  constructor(
    override readonly code: ReconciliationErrorCode,
    message: string,
    param: string | null = null,
    /** For a refused file: the 1-based line at fault (0: the file as a whole). */
    readonly line: number | null = null,
  ) {
    super(code, message, param);
    this.name = 'ReconciliationError';
  }
}

/** The adapter's refusal of a file as the client's error: its code and the line, in the message too. */
export function fileRefused(error: SettlementFileError): ReconciliationError {
  return new ReconciliationError(
    `settlement_file_${error.code}`,
    `The settlement file was refused: ${error.message}.`,
    'file',
    error.line,
  );
}
