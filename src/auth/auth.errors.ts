// The admin API's error codes: a missing and a wrong token are told apart, nothing more.
import { defineErrorCodes, HubError } from '../common/errors';

export const AUTH_ERRORS = defineErrorCodes('auth', {
  admin_token_missing: { status: 401, type: 'authentication_error' },
  admin_token_invalid: { status: 401, type: 'authentication_error' },
});

export class AuthError extends HubError {
  constructor(code: keyof typeof AUTH_ERRORS, message: string) {
    super(code, message);
  }
}
