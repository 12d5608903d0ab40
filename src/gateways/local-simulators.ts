// The four gateway simulators on loopback, as `npm run sim` (and, for a gateway left unconfigured, the
// hub itself) runs them: keys generated once into HUB_DATA_DIR, never written to the repository or a
// log, and each gateway's callbacks aimed at the hub's fixed callback routes.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeeTable } from '../../adapters/fees';
import { MomoSimulator } from '../../adapters/momo/momo.simulator';
import { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
import { VnpaySimulator } from '../../adapters/vnpay/vnpay.simulator';
import { ZalopaySimulator } from '../../adapters/zalopay/zalopay.simulator';
import { feeRuleOf } from './fee-schedule';

export const SIMULATOR_KEYS_FILE = 'simulator-keys.json';

/** Credentials the simulators accept and the hub signs with when a gateway is left to its simulator. */
export interface SimulatorKeys {
  readonly vnpay: { readonly tmn_code: string; readonly hash_secret: string };
  readonly momo: { readonly partner_code: string; readonly access_key: string; readonly secret_key: string };
  readonly zalopay: { readonly app_id: number; readonly key1: string; readonly key2: string };
  readonly vietqr: { readonly bin: string; readonly account_no: string; readonly notify_secret: string };
}

/** The hub's callback routes (issue 4), relative to HUB_PUBLIC_URL. */
export const CALLBACK_PATHS = {
  vnpay: '/v1/gateways/vnpay/ipn',
  momo: '/v1/gateways/momo/ipn',
  zalopay: '/v1/gateways/zalopay/callback',
  bank_transfer: '/v1/gateways/bank-transfer/notify',
} as const;

function secret(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function generateKeys(): SimulatorKeys {
  return {
    vnpay: { tmn_code: `SIM${secret(3).toUpperCase().slice(0, 5)}`, hash_secret: secret(16).toUpperCase() },
    momo: { partner_code: 'MOMOSIM00001', access_key: secret(8), secret_key: secret(16) },
    zalopay: { app_id: 2553, key1: secret(16), key2: secret(16) },
    vietqr: { bin: '970436', account_no: '0011001234567', notify_secret: secret(16) },
  };
}

function isKeys(value: unknown): value is SimulatorKeys {
  const v = value as SimulatorKeys | null;
  return (
    typeof v?.vnpay?.hash_secret === 'string' &&
    typeof v.momo?.secret_key === 'string' &&
    typeof v.zalopay?.key2 === 'string' &&
    typeof v.vietqr?.notify_secret === 'string'
  );
}

/**
 * The simulator keys under `data_dir`, created (mode 0600) on first use. Random per data directory: a
 * simulator key is not a published secret, but nothing that signs belongs in the repository.
 */
export function loadSimulatorKeys(data_dir: string): { keys: SimulatorKeys; path: string; created: boolean } {
  const path = join(data_dir, SIMULATOR_KEYS_FILE);
  mkdirSync(data_dir, { recursive: true });
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    // The message names the file, never its content.
    if (!isKeys(parsed)) throw new Error(`${path} does not hold simulator keys; delete it to get new ones`);
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { keys: parsed, path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys = generateKeys();
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, path, created: true };
}

export interface LocalSimulators {
  readonly vnpay: VnpaySimulator;
  readonly momo: MomoSimulator;
  readonly zalopay: ZalopaySimulator;
  readonly vietqr: VietQrBankSimulator;
  close(): Promise<void>;
}

export interface LocalSimulatorOptions {
  readonly keys: SimulatorKeys;
  /** Where the hub listens (HUB_PUBLIC_URL): callbacks go to its fixed routes there. */
  readonly hub_url: string;
  /** First of four consecutive ports (VNPay, MoMo, ZaloPay, bank); 0: free ports. */
  readonly port_base?: number;
  /** Waits between callback retries; the gateways' own schedules (minutes) when omitted. */
  readonly retry_intervals_ms?: readonly number[];
  /** The fees the simulators write into their settlement files; each simulator's own rate when omitted. */
  readonly fees?: FeeTable;
}

/** The simulators of some gateways only: those a hub runs for the gateways it has no credentials for. */
export type SomeSimulators = Partial<Omit<LocalSimulators, 'close'>> & { close(): Promise<void> };

/** Each gateway's port offset from port_base: VNPay, MoMo, ZaloPay, bank, as `npm run sim` prints them. */
const SIMULATED = ['vnpay', 'momo', 'zalopay', 'vietqr'] as const;
export type SimulatedGateway = (typeof SIMULATED)[number];

/** Starts the simulators of `gateways` (all four when omitted); those already started stop on a failure. */
export async function startSimulators(
  options: LocalSimulatorOptions,
  gateways: readonly SimulatedGateway[] = SIMULATED,
): Promise<SomeSimulators> {
  const { keys, hub_url } = options;
  const base = options.port_base ?? 0;
  const port = (gateway: SimulatedGateway) => (base === 0 ? 0 : base + SIMULATED.indexOf(gateway));
  const hub = hub_url.replace(/\/+$/, '');
  const retry = options.retry_intervals_ms ? { retry_intervals_ms: options.retry_intervals_ms } : {};
  const fee = (gateway: SimulatedGateway) => {
    const rule = options.fees ? feeRuleOf(options.fees, gateway) : undefined;
    return rule ? { fee: rule } : {};
  };
  const start = {
    vnpay: () =>
      VnpaySimulator.start({
        ...keys.vnpay,
        ipn_url: `${hub}${CALLBACK_PATHS.vnpay}`,
        port: port('vnpay'),
        ...retry,
        ...fee('vnpay'),
      }),
    // MoMo takes the IPN URL with each order (ipnUrl), not from its configuration.
    momo: () => MomoSimulator.start({ ...keys.momo, port: port('momo'), ...retry, ...fee('momo') }),
    zalopay: () =>
      ZalopaySimulator.start({
        ...keys.zalopay,
        callback_url: `${hub}${CALLBACK_PATHS.zalopay}`,
        port: port('zalopay'),
        ...retry,
        ...fee('zalopay'),
      }),
    vietqr: () =>
      VietQrBankSimulator.start({
        ...keys.vietqr,
        notify_url: `${hub}${CALLBACK_PATHS.bank_transfer}`,
        port: port('vietqr'),
        ...retry,
      }),
  };
  const started: Array<{ close(): Promise<void> | void }> = [];
  const close = async () => {
    await Promise.all(started.map((sim) => sim.close()));
  };
  const sims: Partial<Omit<LocalSimulators, 'close'>> = {};
  try {
    for (const gateway of SIMULATED.filter((g) => gateways.includes(g))) {
      const sim = await start[gateway]();
      started.push(sim);
      (sims as Record<SimulatedGateway, unknown>)[gateway] = sim;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ...sims, close };
}

export async function startLocalSimulators(options: LocalSimulatorOptions): Promise<LocalSimulators> {
  const sims = await startSimulators(options);
  const { vnpay, momo, zalopay, vietqr } = sims;
  if (!vnpay || !momo || !zalopay || !vietqr) throw new Error('a simulator did not start');
  return { vnpay, momo, zalopay, vietqr, close: sims.close };
}
