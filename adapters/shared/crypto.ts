// Constant-time signature comparison shared by every adapter, so no adapter compares hex with `===`.
import { timingSafeEqual } from 'node:crypto';

const HEX = /^[0-9a-f]*$/i;

/**
 * True when two hex strings denote the same bytes, comparing case-insensitively and in time that does
 * not depend on where they differ. Lengths are public (every HMAC has a fixed length), so a length
 * mismatch returns early.
 */
export function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || !HEX.test(a) || !HEX.test(b)) return false;
  return timingSafeEqual(Buffer.from(a.toLowerCase(), 'latin1'), Buffer.from(b.toLowerCase(), 'latin1'));
}
