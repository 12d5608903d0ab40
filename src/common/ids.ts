// Public ids for every module: a type prefix (blr_, bill_, pi_ ...) and 26 Crockford base32 characters,
// 48 bits of milliseconds then 80 random bits (after ULID), so that sorting by id sorts by creation.
import { randomFillSync } from 'node:crypto';

/** The prefix of each kind of object; an id says what it names. */
export const ID_PREFIXES = {
  biller: 'blr',
  api_key: 'key',
  bill: 'bill',
  payment_intent: 'pi',
  receipt: 'rcp',
  refund: 're',
  event: 'evt',
  reconciliation_run: 'rcn',
  reconciliation_exception: 'rcx',
  reconciliation_report: 'rcr',
  payout: 'po',
  payout_item: 'poi',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const BODY_PATTERN = '[0-9A-HJKMNP-TV-Z]{26}';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = CROCKFORD[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** Random bytes drawn from the CSPRNG a few kilobytes at a time (one call per id cost more than the id). */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function encodeRandom(): string {
  // 16 characters of 5 bits: one random byte per character, masked; 80 bits in all. Each byte is
  // used once.
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let out = '';
  for (let i = poolOffset; i < poolOffset + RANDOM_CHARS; i++) out += CROCKFORD[pool[i]! & 31]!;
  poolOffset += RANDOM_CHARS;
  return out;
}

/** A new id of the given kind, e.g. `blr_01JD3M0Q8XK6W1E9T3V4R5S6P7`. */
export function newId(kind: IdKind, now_ms: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(now_ms)}${encodeRandom()}`;
}

/**
 * The smallest id of `kind` that could have been made at `ms` (all random characters zero): with ids
 * ordered by creation, `id >= idLowerBound(kind, t)` is an index range over what was made since t.
 */
export function idLowerBound(kind: IdKind, ms: number): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, Math.floor(ms)))}${'0'.repeat(RANDOM_CHARS)}`;
}

const patterns = new Map<IdKind, RegExp>();

/** Whether value is well-formed as an id of this kind (not whether such an object exists). */
export function isId(kind: IdKind, value: unknown): value is string {
  let pattern = patterns.get(kind);
  if (!pattern) {
    pattern = new RegExp(`^${ID_PREFIXES[kind]}_${BODY_PATTERN}$`);
    patterns.set(kind, pattern);
  }
  return typeof value === 'string' && pattern.test(value);
}
