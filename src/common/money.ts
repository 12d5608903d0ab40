// Money leaves the hub's API as JSON integers of VND (1 = 1 dong): bigint inside, one checked conversion
// on the way out, so no amount is ever rounded through a float.

/**
 * A stored amount (bigint, or its decimal string in jsonb) as the JSON integer a client reads. Every
 * amount and total is capped far below 2^53 on the way in, so one that is not a safe integer is a bug.
 */
export function dong(value: unknown): number {
  const amount = typeof value === 'bigint' ? value : BigInt(String(value));
  if (amount < 0n || amount > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError('stored amount out of range');
  return Number(amount);
}

/** A signed amount (a difference, an adjustment) as a JSON integer; same range check as dong. */
export function signedDong(value: unknown): number {
  const amount = typeof value === 'bigint' ? value : BigInt(String(value));
  return amount < 0n ? -dong(-amount) : dong(amount);
}
