// Loads the shared known-answer vectors (/work/shared/gateways/vectors.json, beside the repository) for
// the VietQR tests, and stops the suite with a clear message when the file is not there.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const VECTORS_PATH = resolve(__dirname, '../../../shared/gateways/vectors.json');

export interface VietQrVectors {
  crc_check: { input: string; crc: string };
  payloads: {
    note: string;
    payload: string;
    bin: string;
    account: string;
    amount: number | null;
    bill_number?: string;
    purpose?: string;
  }[];
  malformed: { why: string; payload: string }[];
}

export function loadVietQrVectors(): VietQrVectors {
  if (!existsSync(VECTORS_PATH)) {
    throw new Error(
      `VietQR vectors not found at ${VECTORS_PATH}: the tests reproduce shared/gateways/vectors.json, ` +
        'which must sit beside the repository (../shared/gateways/vectors.json from its root)',
    );
  }
  const all = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vietqr?: VietQrVectors };
  if (!all.vietqr || all.vietqr.payloads.length === 0 || all.vietqr.malformed.length === 0) {
    throw new Error(`${VECTORS_PATH} has no "vietqr" section with payloads and malformed cases`);
  }
  return all.vietqr;
}
