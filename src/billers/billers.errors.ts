// The billers module's error codes. A biller asking for another biller's objects hears "not found",
// exactly as for an id that does not exist, so ids cannot be probed across billers.
import { defineErrorCodes, HubError } from '../common/errors';

const NOT_FOUND = { status: 404, type: 'invalid_request_error' } as const;
const UNAUTHENTICATED = { status: 401, type: 'authentication_error' } as const;

export const BILLER_ERRORS = defineErrorCodes('billers', {
  biller_not_found: NOT_FOUND,
  api_key_not_found: NOT_FOUND,
  api_key_limit_reached: { status: 409, type: 'invalid_request_error' },
  // Unknown, revoked and expired keys share one code: which of them it was is nobody's business.
  api_key_missing: UNAUTHENTICATED,
  api_key_invalid: UNAUTHENTICATED,
});

export class BillerError extends HubError {
  constructor(code: keyof typeof BILLER_ERRORS, message: string, param: string | null = null) {
    super(code, message, param);
  }
}
