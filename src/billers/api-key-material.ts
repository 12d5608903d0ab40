// The secrets a biller receives: API keys (256 random bits, kept only as SHA-256) and webhook signing
// secrets. Neither is ever logged; only the key's short prefix is shown again after creation.
import { createHash, randomBytes } from 'node:crypto';

const API_KEY_PREFIX = 'phk_';
const SECRET_BYTES = 32;
/** 'phk_' and 8 of the 43 random characters: tells keys apart in a list, reveals 48 of 256 bits. */
const SHOWN_PREFIX_CHARS = API_KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^phk_[A-Za-z0-9_-]{43}$/;

export interface ApiKeyMaterial {
  /** Shown to the caller once, then forgotten. */
  key: string;
  hash: Buffer;
  prefix: string;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function newApiKey(): ApiKeyMaterial {
  const key = API_KEY_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, SHOWN_PREFIX_CHARS) };
}

/** Whether a presented token could be one of our keys at all (others skip the database). */
export function looksLikeApiKey(token: string): boolean {
  return API_KEY_PATTERN.test(token);
}

export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(SECRET_BYTES).toString('base64url');
}
