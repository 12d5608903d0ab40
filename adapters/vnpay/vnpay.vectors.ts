// Test support: the shared known answers (../shared/gateways/vectors.json beside the repository),
// read at run time so the tests reproduce the file itself, not a copy that could drift.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const VECTORS_PATH = resolve(REPO_ROOT, '../shared/gateways/vectors.json');

export interface VnpayVectors {
  pay_url_canonical: {
    canonical: string;
    params: Record<string, string>;
    hash_secret: string;
    vnp_SecureHash: string;
  };
  ipn_paid: {
    hash_secret: string;
    query: Record<string, string>;
    canonical: string;
    vnp_SecureHash: string;
    amount_vnd: number;
  };
  querydr: { hash_secret: string; signed: string; vnp_SecureHash: string };
}

export function loadVnpayVectors(): VnpayVectors {
  if (!existsSync(VECTORS_PATH)) {
    throw new Error(
      `gateway vectors not found at ${VECTORS_PATH}: the tests need ../shared/gateways/vectors.json`,
    );
  }
  const all = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vnpay?: VnpayVectors };
  if (!all.vnpay) throw new Error(`${VECTORS_PATH} has no "vnpay" section`);
  return all.vnpay;
}
