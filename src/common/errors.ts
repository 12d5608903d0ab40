// Coded errors: each module declares its codes with their HTTP status and error type, and the one
// exception filter (hub-exception.filter.ts) turns any of them into the same Stripe-like body.

/** The `type` of an error body, after Stripe's: who has to act, and how. */
export type ErrorType =
  'invalid_request_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'api_error';

export interface ErrorCodeSpec {
  status: number;
  type: ErrorType;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    type: ErrorType;
    code: string;
    message: string;
    /** The request parameter at fault, or null. */
    param: string | null;
  };
}

const registry = new Map<string, ErrorCodeSpec & { module: string }>();

/**
 * Registers a module's error codes. Codes are global: two modules claiming one code is a bug, caught
 * when the second module loads.
 */
export function defineErrorCodes<const Codes extends Record<string, ErrorCodeSpec>>(
  module: string,
  codes: Codes,
): Codes {
  for (const [code, spec] of Object.entries(codes)) {
    if (!/^[a-z][a-z0-9_]*$/.test(code)) throw new Error(`error code ${code} is not snake_case`);
    const existing = registry.get(code);
    if (existing && existing.module !== module) {
      throw new Error(`error code ${code} is defined by both ${existing.module} and ${module}`);
    }
    registry.set(code, { ...spec, module });
  }
  return codes;
}

export function errorCodeSpec(code: string): ErrorCodeSpec | undefined {
  return registry.get(code);
}

/** Every registered code, for documentation and tests. */
export function registeredErrorCodes(): ReadonlyMap<string, ErrorCodeSpec & { module: string }> {
  return registry;
}

/**
 * An error the client is meant to see. Its message goes out verbatim, so it must never carry a secret
 * or an internal detail; anything else thrown becomes a 500 `internal_error`.
 */
export class HubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** The codes of the HTTP layer itself, used by the exception filter. */
export const COMMON_ERRORS = defineErrorCodes('common', {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  route_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  service_unavailable: { status: 503, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
});

export type CommonErrorCode = keyof typeof COMMON_ERRORS;
