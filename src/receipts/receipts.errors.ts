// The receipts module's error codes, all prefixed receipt_ (codes are global). Another biller's receipt
// answers receipt_not_found, exactly like an id that does not exist.
import { defineErrorCodes, HubError } from '../common/errors';

export const RECEIPT_ERRORS = defineErrorCodes('receipts', {
  receipt_not_found: { status: 404, type: 'invalid_request_error' },
  receipt_already_cancelled: { status: 409, type: 'invalid_request_error' },
});

export class ReceiptError extends HubError {
  constructor(code: keyof typeof RECEIPT_ERRORS, message: string, param: string | null = null) {
    super(code, message, param);
  }
}
