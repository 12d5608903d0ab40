// Gateways sign free text byte for byte and encoders disagree on some punctuation, so free text is
// reduced to plain ASCII that every implementation encodes the same way.

/** The characters every encoder agrees on (vnpay.md's safe set). */
export const SAFE_TEXT = /^[A-Za-z0-9 .,:_/-]*$/;

/**
 * Strips Vietnamese diacritics (and đ/Đ, which has no decomposition), turns anything outside the safe
 * set into a space, collapses spaces and cuts to `length_max` characters.
 */
export function toSafeText(input: string, length_max = 255): string {
  const plain = input
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
  return plain
    .replace(/[^A-Za-z0-9 .,:_/-]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, length_max)
    .trim();
}
