// The admin token: HUB_ADMIN_TOKEN when set; otherwise one generated on first start into
// HUB_DATA_DIR/admin-token (mode 0600) and reused after, so a fresh `npm start` is secured by default.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubConfig } from '../config/config.schema';

export const ADMIN_TOKEN_FILE = 'admin-token';
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[\x21-\x7e]{24,}$/;

export interface AdminToken {
  token: string;
  /** The file the token lives in, or null when it came from HUB_ADMIN_TOKEN. */
  path: string | null;
  /** This start generated it. */
  created: boolean;
}

function readTokenFile(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  // The message names the file, never its content.
  if (!TOKEN_PATTERN.test(token))
    throw new Error(`${path} does not hold a valid admin token; delete it to get a new one`);
  // Tighten a file someone loosened: the token is as good as a password.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}

export function resolveAdminToken(config: Pick<HubConfig, 'admin_token' | 'data_dir'>): AdminToken {
  if (config.admin_token !== null) return { token: config.admin_token, path: null, created: false };
  const path = join(config.data_dir, ADMIN_TOKEN_FILE);
  mkdirSync(config.data_dir, { recursive: true });
  try {
    return { token: readTokenFile(path), path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  try {
    // 'wx': if another instance created the file since we looked, keep theirs.
    writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return { token: readTokenFile(path), path, created: false };
    throw error;
  }
  return { token, path, created: true };
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Compares a presented token with the expected one in constant time: both sides are hashed first, so
 * neither the content nor the length of the expected token leaks through timing.
 */
export function tokenMatches(expectedDigest: Buffer, presented: string): boolean {
  return timingSafeEqual(expectedDigest, tokenDigest(presented));
}
