// The key-encryption key (KEK) that seals receipt signing keys before they reach the database:
// RECEIPT_KEY_ENCRYPTION_KEY when set (every hub process on every host must share it), otherwise one
// generated once into HUB_DATA_DIR/receipt-kek (mode 0600), after the admin token (docs/adr/0006).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubConfig } from '../config/config.schema';

export const KEK_FILE = 'receipt-kek';
const KEK_BYTES = 32;
const KEK_HEX = /^[0-9a-f]{64}$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface KeyEncryptionKey {
  /** 32 bytes; never logged, never in an error message. */
  key: Buffer;
  /** HMAC of a constant under the key: names the KEK in the database without revealing it. */
  id: string;
  /** The file it came from, or null when it came from RECEIPT_KEY_ENCRYPTION_KEY. */
  path: string | null;
  created: boolean;
}

function kekId(key: Buffer): string {
  return createHmac('sha256', key)
    .update('payhub receipt-kek id v1')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function fromHex(hex: string, path: string | null): KeyEncryptionKey {
  return { key: Buffer.from(hex, 'hex'), id: kekId(Buffer.from(hex, 'hex')), path, created: false };
}

function readKekFile(path: string): KeyEncryptionKey {
  const hex = readFileSync(path, 'utf8').trim();
  // The message names the file, never its content.
  if (!KEK_HEX.test(hex))
    throw new Error(`${path} does not hold a receipt key-encryption key (64 hex digits)`);
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return fromHex(hex, path);
}

export function resolveKeyEncryptionKey(
  config: Pick<HubConfig, 'receipt_key_encryption_key' | 'data_dir'>,
): KeyEncryptionKey {
  if (config.receipt_key_encryption_key !== null) return fromHex(config.receipt_key_encryption_key, null);
  const path = join(config.data_dir, KEK_FILE);
  mkdirSync(config.data_dir, { recursive: true });
  try {
    return readKekFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const hex = randomBytes(KEK_BYTES).toString('hex');
  try {
    // 'wx': if another process created the file since we looked, keep theirs.
    writeFileSync(path, hex + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKekFile(path);
    throw error;
  }
  return { ...fromHex(hex, path), created: true };
}

/**
 * AES-256-GCM: nonce, tag, ciphertext. The kid is the associated data, so a sealed key copied onto
 * another key's row does not open.
 */
export function sealPrivateKey(kek: KeyEncryptionKey, kid: string, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek.key, nonce);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]);
}

export function openPrivateKey(kek: KeyEncryptionKey, kid: string, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek.key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(kid, 'utf8'));
  decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
}
