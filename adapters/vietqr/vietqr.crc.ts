// The checksum that closes every VietQR payload (EMVCo tag 63): CRC-16/CCITT-FALSE, computed over the
// payload's UTF-8 bytes up to and including the literal `6304` that introduces the checksum itself.

const POLY = 0x1021;
const INIT = 0xffff;

/** The tag-and-length prefix of the CRC field; the checksum covers it. */
export const CRC_FIELD_PREFIX = '6304';

// One table of 256 entries, computed once, so each byte costs one lookup instead of eight shifts.
const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ POLY) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0) of the UTF-8 bytes of input. */
export function crc16(input: string | Uint8Array): number {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let crc = INIT;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The checksum as the payload carries it: 4 uppercase hex digits. */
export function crc16Hex(input: string | Uint8Array): string {
  return crc16(input).toString(16).toUpperCase().padStart(4, '0');
}

/** Closes a payload: appends `6304` and the checksum over everything before it plus `6304`. */
export function appendCrc(payload_without_crc: string): string {
  const covered = payload_without_crc + CRC_FIELD_PREFIX;
  return covered + crc16Hex(covered);
}

/**
 * Whether `given` (4 hex digits, either case, as scanned) is the checksum of `covered` (the payload up
 * to and including `6304`). Not constant-time on purpose: a CRC is public, it guards against
 * corruption, not forgery.
 */
export function crcMatches(covered: string, given: string): boolean {
  return /^[0-9A-Fa-f]{4}$/.test(given) && given.toUpperCase() === crc16Hex(covered);
}
