// Test support: the shared known answers (../shared/gateways/vectors.json beside the repository),
// read at run time so the tests reproduce the file itself, not a copy that could drift.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const VECTORS_PATH = resolve(REPO_ROOT, '../shared/gateways/vectors.json');

export interface ZalopayVectors {
  keys: { app_id: number; key1: string; key2: string };
  create: {
    fields: {
      app_id: number;
      app_trans_id: string;
      app_user: string;
      amount: number;
      app_time: number;
      embed_data: string;
      item: string;
    };
    signed: string;
    mac: string;
  };
}

export function loadZalopayVectors(): ZalopayVectors {
  if (!existsSync(VECTORS_PATH)) {
    throw new Error(
      `gateway vectors not found at ${VECTORS_PATH}: the tests need ../shared/gateways/vectors.json`,
    );
  }
  const all = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { zalopay?: ZalopayVectors };
  if (!all.zalopay) throw new Error(`${VECTORS_PATH} has no "zalopay" section`);
  if (!all.zalopay.keys || !all.zalopay.create) {
    throw new Error(`${VECTORS_PATH}: "zalopay" needs "keys" and "create"`);
  }
  return all.zalopay;
}
