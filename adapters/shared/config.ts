// Configuration checks every gateway client makes in its constructor. Errors name the setting, never
// its value: a secret must not reach an error message.
import { AdapterError } from '../contract';

/** A secret (key, hash secret) that must be a non-empty string. */
export function requireSecret(gateway: string, value: unknown, param: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new AdapterError(`${gateway}_config_invalid`, `${gateway} ${param} is missing`, param);
  }
  return value;
}

/** The configured amount limits, or the gateway's defaults; 1 <= min <= max. */
export function amountLimits(
  gateway: string,
  configured: { readonly amount_min?: bigint; readonly amount_max?: bigint },
  defaults: { readonly min: bigint; readonly max: bigint },
): { amount_min: bigint; amount_max: bigint } {
  const amount_min = configured.amount_min ?? defaults.min;
  const amount_max = configured.amount_max ?? defaults.max;
  if (
    typeof amount_min !== 'bigint' ||
    typeof amount_max !== 'bigint' ||
    amount_min < 1n ||
    amount_max < amount_min
  ) {
    throw new AdapterError(
      `${gateway}_config_invalid`,
      `${gateway} amount limits must be bigints with 1 <= min <= max`,
      'amount_min',
    );
  }
  return { amount_min, amount_max };
}
