// The `Payhub-Signature` header of every webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// t + "." + raw body)>`. Signing for the hub, and the check billers run (docs/webhooks.md shows how).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Payhub-Signature';
/** A receiver should refuse a signature older than this: it bounds replays of a captured request. */
export const SIGNATURE_TOLERANCE_SECONDS_DEFAULT = 300;

function hmacHex(secret: string, timestamp_seconds: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp_seconds}.`).update(rawBody).digest('hex');
}

/** The header value for this body, signed at timestamp_seconds. */
export function signWebhook(secret: string, rawBody: string | Buffer, timestamp_seconds: number): string {
  return `t=${timestamp_seconds},v1=${hmacHex(secret, timestamp_seconds, rawBody)}`;
}

/** What a check found; only `valid` means the body came from the hub, unchanged, recently. */
export type WebhookSignatureCheck =
  'valid' | 'header_malformed' | 'timestamp_outside_tolerance' | 'signature_mismatch';

/**
 * Checks a `Payhub-Signature` header against the raw body as received (the exact bytes: a body parsed
 * and serialised again may differ). Several v1 entries are accepted, any one of which may match, so a
 * future secret rotation can sign with both secrets for a while.
 */
export function verifyWebhookSignature(
  header: string | undefined | null,
  rawBody: string | Buffer,
  secret: string,
  tolerance_seconds: number = SIGNATURE_TOLERANCE_SECONDS_DEFAULT,
  now_seconds: number = Math.floor(Date.now() / 1000),
): WebhookSignatureCheck {
  if (typeof header !== 'string' || header.length > 4096) return 'header_malformed';
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return 'header_malformed';
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !/^[0-9]{1,12}$/.test(value)) return 'header_malformed';
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return 'header_malformed';
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a future v2) are ignored, so that adding one breaks no receiver.
  }
  if (timestamp === null || signatures.length === 0) return 'header_malformed';
  if (Math.abs(now_seconds - timestamp) > tolerance_seconds) return 'timestamp_outside_tolerance';
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  // Constant time per comparison, so the time taken says nothing about how much of a guess matched.
  let matched = false;
  for (const signature of signatures) if (timingSafeEqual(signature, expected)) matched = true;
  return matched ? 'valid' : 'signature_mismatch';
}
