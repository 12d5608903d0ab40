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
