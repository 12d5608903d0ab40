// Idempotency-Key refusals: a malformed key, a key reused for another request, and a key whose first
// request is still running.
import { defineErrorCodes, HubError } from '../common/errors';

export const IDEMPOTENCY_ERRORS = defineErrorCodes('idempotency', {
  idempotency_key_invalid: { status: 400, type: 'invalid_request_error' },
  idempotency_key_reused: { status: 409, type: 'invalid_request_error' },
  idempotency_key_in_use: { status: 409, type: 'invalid_request_error' },
});

/** The header, named as the `param` of these errors. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export class IdempotencyError extends HubError {
  constructor(code: keyof typeof IDEMPOTENCY_ERRORS, message: string) {
    super(code, message, IDEMPOTENCY_HEADER);
  }
}

/** Another request with the key is still running (it holds the key's advisory lock). */
export function keyInUse(): IdempotencyError {
  return new IdempotencyError(
    'idempotency_key_in_use',
    `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry once it has finished.`,
  );
}

/** The key's stored answer is for another path or body. */
export function keyReused(): IdempotencyError {
  return new IdempotencyError(
    'idempotency_key_reused',
    `This ${IDEMPOTENCY_HEADER} was used for another request (another path or body); use a new key.`,
  );
}
