// Strict checks of request bodies and queries, shared by every module: a body is a JSON object, an
// unknown field is refused rather than ignored (a typo must not pass silently), and every refusal
// names the parameter at fault with a stable code.
import { defineErrorCodes, HubError } from './errors';

export const VALIDATION_ERRORS = defineErrorCodes('validation', {
  body_invalid: { status: 400, type: 'invalid_request_error' },
  parameter_missing: { status: 400, type: 'invalid_request_error' },
  parameter_unknown: { status: 400, type: 'invalid_request_error' },
  parameter_invalid: { status: 400, type: 'invalid_request_error' },
});

export function invalidParameter(param: string, message: string): HubError {
  return new HubError('parameter_invalid', message, param);
}

/**
 * The body as an object whose fields are all among `allowed` (an absent body counts as empty when
 * `optional`). Field names in messages are the client's own: they came from the request.
 */
export function objectBody(
  body: unknown,
  allowed: readonly string[],
  options: { optional?: boolean } = {},
): Record<string, unknown> {
  if ((body === undefined || body === null) && options.optional) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HubError('body_invalid', 'The request body must be a JSON object.');
  }
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) {
      throw new HubError(
        'parameter_unknown',
        `Unknown parameter: ${field.slice(0, 100)}.`,
        field.slice(0, 100),
      );
    }
  }
  return body as Record<string, unknown>;
}

export interface StringRule {
  max_length: number;
  pattern?: RegExp;
  /** Said in the message when the pattern does not match. */
  pattern_hint?: string;
}

function checkString(param: string, value: unknown, rule: StringRule): string {
  if (typeof value !== 'string') throw invalidParameter(param, `${param} must be a string.`);
  if (value.trim() === '') throw invalidParameter(param, `${param} must not be empty.`);
  if (value.length > rule.max_length)
    throw invalidParameter(param, `${param} must be at most ${rule.max_length} characters.`);
  if (rule.pattern && !rule.pattern.test(value))
    throw invalidParameter(param, `${param} ${rule.pattern_hint ?? 'is not in the expected format'}.`);
  return value;
}

export function requiredString(fields: Record<string, unknown>, param: string, rule: StringRule): string {
  if (fields[param] === undefined || fields[param] === null)
    throw new HubError('parameter_missing', `${param} is required.`, param);
  return checkString(param, fields[param], rule);
}

/** Absent and null both mean "none". */
export function optionalString(
  fields: Record<string, unknown>,
  param: string,
  rule: StringRule,
): string | null {
  const value = fields[param];
  return value === undefined || value === null ? null : checkString(param, value, rule);
}

export function requiredEnum<const T extends string>(
  fields: Record<string, unknown>,
  param: string,
  values: readonly T[],
): T {
  const value = fields[param];
  if (value === undefined || value === null)
    throw new HubError('parameter_missing', `${param} is required.`, param);
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
    throw invalidParameter(param, `${param} must be one of: ${values.join(', ')}.`);
  return value as T;
}

export function optionalInteger(
  fields: Record<string, unknown>,
  param: string,
  range: { min: number; max: number },
): number | null {
  const value = fields[param];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > range.max)
    throw invalidParameter(param, `${param} must be an integer from ${range.min} to ${range.max}.`);
  return value;
}

/** An http(s) URL with a host and no credentials in it (they would end up in logs and lists). */
export function optionalHttpUrl(fields: Record<string, unknown>, param: string): string | null {
  const value = optionalString(fields, param, { max_length: 2048 });
  if (value === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidParameter(param, `${param} must be an absolute http or https URL.`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '' || /\s/.test(value))
    throw invalidParameter(param, `${param} must be an absolute http or https URL.`);
  if (url.username !== '' || url.password !== '')
    throw invalidParameter(param, `${param} must not carry a user name or password.`);
  return value;
}
