// Stored answers are encrypted under a key derived from the caller's Idempotency-Key, which the hub
// keeps only as a hash: an answer that carried a secret (a new API key) can be replayed to the caller
// who retries, yet the database never holds that secret in the clear.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface IdempotencyKeyMaterial {
  /** SHA-256(scope, NUL, key): the row's key. */
  hash: Buffer;
  /** A 64-bit number from the hash, as a decimal string: the advisory lock of this key. */
  lock_id: string;
  /** The AES-256 key of the stored answer, never stored. */
  sealing_key: Buffer;
}

export function idempotencyKeyMaterial(scope: string, key: string): IdempotencyKeyMaterial {
  const hash = createHash('sha256').update(`${scope}\0${key}`, 'utf8').digest();
  const sealing_key = Buffer.from(hkdfSync('sha256', key, scope, 'payhub idempotency response v1', 32));
  return { hash, lock_id: hash.readBigInt64BE(0).toString(), sealing_key };
}

export function sealResponse(sealing_key: Buffer, body: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealing_key, nonce);
  const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]);
}

/** Throws when the data was not sealed under this key (tampered with, or another key's row). */
export function openResponse(sealing_key: Buffer, data: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', sealing_key, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
    'utf8',
  );
}
