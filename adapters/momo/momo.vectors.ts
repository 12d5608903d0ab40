// Test support: the shared known answers (../shared/gateways/vectors.json beside the repository),
// read at run time so the tests reproduce the file itself, not a copy that could drift.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const VECTORS_PATH = resolve(REPO_ROOT, '../shared/gateways/vectors.json');

export interface MomoVectors {
  keys: { partnerCode: string; accessKey: string; secretKey: string };
  create: { raw: string; signature: string };
  ipn_paid: { body: Record<string, string | number>; raw: string; signature: string };
}

export function loadMomoVectors(): MomoVectors {
  if (!existsSync(VECTORS_PATH)) {
    throw new Error(
      `gateway vectors not found at ${VECTORS_PATH}: the tests need ../shared/gateways/vectors.json`,
    );
  }
  const all = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { momo?: MomoVectors };
  if (!all.momo) throw new Error(`${VECTORS_PATH} has no "momo" section`);
  return all.momo;
}
