// The hub's one configuration schema: every environment variable, its default and its rule, in one
// table that start-up validates, the CLI shares and docs/configuration.md is generated from.
import { resolve } from 'node:path';
import { FeeError, parseFeeTable, type FeeTable } from '../../adapters/fees';
import { stripDiacritics } from '../../adapters/vietqr/vietqr.payload';
import { LOGGED_QUERY_PARAMS } from '../logging/logger';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The typed configuration the rest of the code reads; nothing else reads process.env. */
export interface HubConfig {
  port: number;
  host: string;
  /** null: run the embedded Postgres under data_dir. */
  database_url: string | null;
  /** Absolute path. */
  data_dir: string;
  /** null: generate one and keep it in `${data_dir}/admin-token`. */
  admin_token: string | null;
  /** Without a trailing slash. */
  public_url: string;
  log_level: LogLevel;
  db_pool_max: number;
  ledger_expiry_sweep_ms: number;
  /** 64 lowercase hex digits; null: generate one into `${data_dir}/receipt-kek` (docs/adr/0006). */
  receipt_key_encryption_key: string | null;
  /** How often each pg-boss worker looks for due jobs (src/jobs/); pg-boss's floor is 500. */
  jobs_polling_interval_ms: number;
  /** How long one webhook delivery waits for the biller's answer. */
  webhook_timeout_ms: number;
  /** Retries after the first attempt before an event is dead-lettered (docs/webhooks.md). */
  webhook_retry_limit: number;
  webhook_retry_delay_seconds: number;
  /** true: the delay doubles each retry (with pg-boss's jitter of up to 2x). */
  webhook_retry_backoff: boolean;
  /** How old an intent without a callback is before the janitor asks its gateway (src/janitor/). */
  janitor_query_after_seconds: number;
  /** How often the janitor runs; 0: never on its own (POST /v1/janitor/run still runs it). */
  janitor_interval_seconds: number;
  /** GATEWAY_FEES as given; null: the simulators' rates for simulated gateways (src/gateways/fee-schedule.ts). */
  gateway_fees: FeeTable | null;
  /** Who bears a gateway's fee: the hub (an expense) or the biller (deducted from what it is owed). */
  fee_bearer: FeeBearer;
  /** What a succeeded refund does to receipts (docs/refunds.md). */
  refund_receipts: RefundReceipts;
  /** Each gateway's credentials; null: the hub runs that gateway's simulator (src/gateways/). */
  gateways: GatewaysConfig;
  /** Absolute path of the settlement files' drop folder; null: no scheduled reconciliation. */
  recon_drop_dir: string | null;
  /** When the scheduled reconciliation runs: a 5-field cron expression in Vietnam time. */
  recon_cron: string;
}

/** A gateway is configured whole or not at all; the secrets here never reach a log or an error. */
export interface GatewaysConfig {
  vnpay: { tmn_code: string; hash_secret: string; pay_url: string; api_url: string } | null;
  /** endpoint: MoMo's API base URL (…/v2/gateway/api). */
  momo: { partner_code: string; access_key: string; secret_key: string; endpoint: string } | null;
  /** endpoint: ZaloPay's API base URL (…/v2). */
  zalopay: { app_id: number; key1: string; key2: string; endpoint: string } | null;
  vietqr: { bin: string; account_no: string; account_name: string; notify_secret: string } | null;
}

export const FEE_BEARERS = ['hub', 'biller'] as const;
export type FeeBearer = (typeof FEE_BEARERS)[number];

/**
 * `cancel_when_full`: a refund of the whole payment cancels its receipt, a partial one issues a refund
 * receipt; `refund_receipt`: every refund issues a refund receipt and the original stays issued.
 */
export const REFUND_RECEIPTS = ['cancel_when_full', 'refund_receipt'] as const;
export type RefundReceipts = (typeof REFUND_RECEIPTS)[number];

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Start-up stops on this; its message names every bad variable and never echoes a secret. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      [
        'invalid configuration:',
        ...problems.map((problem) => `  ${problem.variable}: ${problem.message}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

interface VariableSpec {
  name: string;
  /** As documented; `null` when the variable is optional and has no default. */
  default_text: string | null;
  description: string;
  /** Secrets are never echoed back in an error message. */
  secret: boolean;
}

/** Documentation order; parseConfig below implements each rule. */
export const CONFIG_VARIABLES: readonly VariableSpec[] = [
  {
    name: 'PORT',
    default_text: '3000',
    description: 'TCP port of the HTTP API (0 to 65535; 0 picks a free port).',
    secret: false,
  },
  {
    name: 'HOST',
    default_text: '127.0.0.1',
    description: 'Address the HTTP API listens on; `0.0.0.0` for every interface.',
    secret: false,
  },
  {
    name: 'DATABASE_URL',
    default_text: null,
    description:
      'A `postgres://` or `postgresql://` URL. Unset: an embedded Postgres is started with its data under `HUB_DATA_DIR`; the hub reaches it over a Unix socket in that directory (loopback TCP when the path is too long for one).',
    secret: true,
  },
  {
    name: 'HUB_DATA_DIR',
    default_text: '.data',
    description: 'Directory for the embedded Postgres cluster and the generated admin token.',
    secret: false,
  },
  {
    name: 'HUB_ADMIN_TOKEN',
    default_text: null,
    description:
      'Bearer token of the admin API (at least 24 printable ASCII characters, no spaces). Unset: one is generated into `HUB_DATA_DIR/admin-token` (mode 0600) and reused.',
    secret: true,
  },
  {
    name: 'HUB_PUBLIC_URL',
    default_text: 'http://127.0.0.1:PORT',
    description:
      'Base URL clients and gateways reach the hub at (an http or https URL): the OpenAPI document, the default return URL of checkouts and each gateway’s callback URL are built from it.',
    secret: false,
  },
  {
    name: 'LOG_LEVEL',
    default_text: 'info',
    description:
      `One of ${LOG_LEVELS.map((level) => '`' + level + '`').join(', ')}. JSON lines on stdout; at \`info\` each ` +
      'request is logged as it arrives and as it is answered (method, path, status, time, request id). A ' +
      'logged URL keeps only paging, period and filter values of its query ' +
      `(${[...LOGGED_QUERY_PARAMS].map((name) => '`' + name + '`').join(', ')}); every other value is ` +
      "`[redacted]` (a checkout link's `sig`, a gateway callback's order details). Headers are never " +
      'logged; secrets are redacted wherever they appear (src/logging/logger.ts).',
    secret: false,
  },
  {
    name: 'DB_POOL_MAX',
    default_text: '20',
    description: 'Most Postgres connections the hub holds open (1 to 1000).',
    secret: false,
  },
  {
    name: 'LEDGER_EXPIRY_SWEEP_MS',
    default_text: '1000',
    description: 'Milliseconds between sweeps that expire timed-out pending transfers (10 to 3600000).',
    secret: false,
  },
  {
    name: 'RECEIPT_KEY_ENCRYPTION_KEY',
    default_text: null,
    description:
      'Key that encrypts the receipt signing keys in the database: 64 hex digits (`openssl rand -hex 32`), the same on every hub process. Unset: one is generated into `HUB_DATA_DIR/receipt-kek` (mode 0600) and reused.',
    secret: true,
  },
  {
    name: 'JOBS_POLLING_INTERVAL_MS',
    default_text: '2000',
    description:
      'Milliseconds an idle worker waits before looking for due background jobs again (500 to 60000). New jobs wake the workers when their transaction commits (a Postgres notification) and a worker that found a job looks again at once, so this bounds only how late a retry falling due, or a job enqueued while notifications were down, is seen (docs/webhooks.md).',
    secret: false,
  },
  {
    name: 'WEBHOOK_TIMEOUT_MS',
    default_text: '10000',
    description: 'Milliseconds one webhook delivery waits for the biller to answer (100 to 60000).',
    secret: false,
  },
  {
    name: 'WEBHOOK_RETRY_LIMIT',
    default_text: '10',
    description:
      'Retries of a failed webhook delivery before the event is dead-lettered (0 to 30). With the default delay and backoff they span 25.6 to 51 hours.',
    secret: false,
  },
  {
    name: 'WEBHOOK_RETRY_DELAY_SECONDS',
    default_text: '90',
    description:
      'Seconds before the first retry of a webhook delivery (0 to 86400; at least 1 with backoff).',
    secret: false,
  },
  {
    name: 'WEBHOOK_RETRY_BACKOFF',
    default_text: 'true',
    description: '`true`: each retry waits about twice as long as the one before; `false`: a fixed delay.',
    secret: false,
  },
  {
    name: 'JANITOR_QUERY_AFTER_SECONDS',
    default_text: '900',
    description:
      'Seconds after which an intent with no callback is queried at its gateway, and between two queries of one still unknown (0 to 86400; docs/payment-intents.md "Janitor").',
    secret: false,
  },
  {
    name: 'JANITOR_INTERVAL_SECONDS',
    default_text: '60',
    description:
      'Seconds between two runs of the janitor in each hub process (0 to 86400; `0`: it runs only through `POST /v1/janitor/run`).',
    secret: false,
  },
  {
    name: 'GATEWAY_FEES',
    default_text: null,
    description:
      'Each gateway\'s fee per payment method, as JSON: `{"vnpay":{"gateway_choice":{"percent":"1.1","fixed":0,"min":0,"max":0}}}` (percent a decimal string, the others whole dong; rounded half up once). Methods: vnpay `gateway_choice`, momo and zalopay `wallet`, vietqr `bank_transfer`. Unset: a simulated gateway charges its simulator\'s rate (VNPay 1.1 %, MoMo 1.5 %, ZaloPay 1 %, bank 0) and a configured gateway books no fee (a warning at start-up).',
    secret: false,
  },
  {
    name: 'FEE_BEARER',
    default_text: 'hub',
    description:
      "Who bears the gateway fee: `hub` (booked as the hub's fee expense; the agency is owed the whole amount) or `biller` (deducted from what the agency is owed).",
    secret: false,
  },
  {
    name: 'RECON_DROP_DIR',
    default_text: null,
    description:
      "Folder where the gateways' daily settlement files are dropped as `<gateway>-<YYYY-MM-DD>.csv` (relative paths from the working directory). Set: a pg-boss cron job (`RECON_CRON`) reconciles the previous day's files found there, runs the janitor and records a report (docs/reconciliation.md#schedule). Unset: no schedule.",
    secret: false,
  },
  {
    name: 'RECON_CRON',
    default_text: '30 6 * * *',
    description:
      'When the scheduled reconciliation runs: a 5-field cron expression (minute hour day month weekday) in Vietnam time (Asia/Ho_Chi_Minh); used only with `RECON_DROP_DIR`. One run per tick across all hub processes.',
    secret: false,
  },
  {
    name: 'REFUND_RECEIPTS',
    default_text: 'cancel_when_full',
    description:
      'What a succeeded refund does to receipts: `cancel_when_full` (a refund of the whole payment cancels its receipt with a signed cancellation; a partial refund issues a signed refund receipt referring to it) or `refund_receipt` (every refund issues a refund receipt; the original stays issued).',
    secret: false,
  },
  {
    name: 'VNPAY_TMN_CODE',
    default_text: null,
    description:
      'VNPay terminal code (8 letters or digits). The four `VNPAY_*` variables are set together or not at all; unset: the hub runs its VNPay simulator on loopback.',
    secret: false,
  },
  {
    name: 'VNPAY_HASH_SECRET',
    default_text: null,
    description: 'VNPay hash secret (HMAC-SHA512 key).',
    secret: true,
  },
  {
    name: 'VNPAY_PAY_URL',
    default_text: null,
    description: 'VNPay pay page URL (`https://pay.vnpay.vn/vpcpay.html` in production).',
    secret: false,
  },
  {
    name: 'VNPAY_API_URL',
    default_text: null,
    description: 'VNPay transaction API URL (querydr, refund).',
    secret: false,
  },
  {
    name: 'MOMO_PARTNER_CODE',
    default_text: null,
    description:
      'MoMo partner code. The four `MOMO_*` variables are set together or not at all; unset: the hub runs its MoMo simulator.',
    secret: false,
  },
  { name: 'MOMO_ACCESS_KEY', default_text: null, description: 'MoMo access key.', secret: true },
  {
    name: 'MOMO_SECRET_KEY',
    default_text: null,
    description: 'MoMo secret key (HMAC-SHA256).',
    secret: true,
  },
  {
    name: 'MOMO_ENDPOINT',
    default_text: null,
    description: 'MoMo API base URL (`https://payment.momo.vn/v2/gateway/api` in production).',
    secret: false,
  },
  {
    name: 'ZALOPAY_APP_ID',
    default_text: null,
    description:
      'ZaloPay app id (a positive integer). The four `ZALOPAY_*` variables are set together or not at all; unset: the hub runs its ZaloPay simulator.',
    secret: false,
  },
  { name: 'ZALOPAY_KEY1', default_text: null, description: 'ZaloPay key1 (signs requests).', secret: true },
  {
    name: 'ZALOPAY_KEY2',
    default_text: null,
    description: 'ZaloPay key2 (verifies callbacks).',
    secret: true,
  },
  {
    name: 'ZALOPAY_ENDPOINT',
    default_text: null,
    description: 'ZaloPay API base URL (`https://openapi.zalopay.vn/v2` in production).',
    secret: false,
  },
  {
    name: 'VIETQR_BIN',
    default_text: null,
    description:
      'BIN of the bank holding the collection account (6 digits). `VIETQR_*` and `BANK_NOTIFY_SECRET` are set together or not at all; unset: the hub runs its bank simulator.',
    secret: false,
  },
  {
    name: 'VIETQR_ACCOUNT_NO',
    default_text: null,
    description: 'The collection account number (1 to 19 letters and digits).',
    secret: false,
  },
  {
    name: 'VIETQR_ACCOUNT_NAME',
    default_text: null,
    description:
      'The account holder shown in the QR code (at most 25 characters once diacritics are stripped).',
    secret: false,
  },
  {
    name: 'BANK_NOTIFY_SECRET',
    default_text: null,
    description: 'Secret the bank signs its transfer notifications with.',
    secret: true,
  },
];

const SECRET = new Set(
  CONFIG_VARIABLES.filter((variable) => variable.secret).map((variable) => variable.name),
);

/** Parses the environment into a HubConfig, or throws a ConfigError naming every bad variable. */
export function parseConfig(env: Environment, cwd: string = process.cwd()): HubConfig {
  const problems: ConfigProblem[] = [];
  // An empty value counts as unset, as docker env files and systemd units commonly leave them.
  const read = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const fail = (name: string, rule: string, value: string) => {
    const got = SECRET.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
    problems.push({ variable: name, message: rule + got });
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === null) return fallback;
    const parsed = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(parsed >= min && parsed <= max)) {
      fail(name, `must be an integer from ${min} to ${max}`, value);
      return fallback;
    }
    return parsed;
  };
  // Answers the value as given (a Postgres URL's percent-encoded password must reach pg untouched).
  const url = (name: string, protocols: readonly string[], host_required: boolean): string | null => {
    const value = read(name);
    if (value === null) return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(value);
    } catch {
      parsed = null;
    }
    if (!parsed || !protocols.includes(parsed.protocol) || (host_required && parsed.hostname === '')) {
      fail(name, `must be a ${protocols.map((p) => p + '//').join(' or ')} URL`, value);
      return null;
    }
    return value;
  };

  const port = integer('PORT', 3000, 0, 65535);

  const host = read('HOST') ?? '127.0.0.1';
  if (/\s/.test(host)) fail('HOST', 'must be a host name or address without spaces', host);

  // No host is a valid Postgres URL: pg then connects over the default Unix socket.
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:'], false);

  const dataDir = resolve(cwd, read('HUB_DATA_DIR') ?? '.data');

  const adminToken = read('HUB_ADMIN_TOKEN');
  if (adminToken !== null && !/^[\x21-\x7e]{24,}$/.test(adminToken)) {
    fail('HUB_ADMIN_TOKEN', 'must be at least 24 printable ASCII characters without spaces', adminToken);
  }

  const publicUrl = url('HUB_PUBLIC_URL', ['http:', 'https:'], true);

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`, logLevel);
  }

  const dbPoolMax = integer('DB_POOL_MAX', 20, 1, 1000);
  const sweepMs = integer('LEDGER_EXPIRY_SWEEP_MS', 1000, 10, 3_600_000);

  const receiptKek = read('RECEIPT_KEY_ENCRYPTION_KEY');
  if (receiptKek !== null && !/^[0-9a-fA-F]{64}$/.test(receiptKek)) {
    fail('RECEIPT_KEY_ENCRYPTION_KEY', 'must be 64 hexadecimal digits (32 bytes)', receiptKek);
  }

  const jobsPollingMs = integer('JOBS_POLLING_INTERVAL_MS', 2000, 500, 60_000);
  const webhookTimeoutMs = integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000);
  const webhookRetryLimit = integer('WEBHOOK_RETRY_LIMIT', 10, 0, 30);
  const webhookRetryDelaySeconds = integer('WEBHOOK_RETRY_DELAY_SECONDS', 90, 0, 86_400);
  const webhookRetryBackoff = read('WEBHOOK_RETRY_BACKOFF') ?? 'true';
  if (webhookRetryBackoff !== 'true' && webhookRetryBackoff !== 'false') {
    fail('WEBHOOK_RETRY_BACKOFF', 'must be true or false', webhookRetryBackoff);
  }
  const janitorQueryAfterSeconds = integer('JANITOR_QUERY_AFTER_SECONDS', 900, 0, 86_400);
  const janitorIntervalSeconds = integer('JANITOR_INTERVAL_SECONDS', 60, 0, 86_400);

  let gatewayFees: FeeTable | null = null;
  const feesText = read('GATEWAY_FEES');
  if (feesText !== null) {
    try {
      gatewayFees = parseFeeTable(JSON.parse(feesText));
    } catch (error) {
      fail('GATEWAY_FEES', error instanceof FeeError ? error.message : 'must be a JSON object', feesText);
    }
  }
  const feeBearer = read('FEE_BEARER') ?? 'hub';
  if (!(FEE_BEARERS as readonly string[]).includes(feeBearer)) {
    fail('FEE_BEARER', `must be one of ${FEE_BEARERS.join(', ')}`, feeBearer);
  }

  const refundReceipts = read('REFUND_RECEIPTS') ?? 'cancel_when_full';
  if (!(REFUND_RECEIPTS as readonly string[]).includes(refundReceipts)) {
    fail('REFUND_RECEIPTS', `must be one of ${REFUND_RECEIPTS.join(', ')}`, refundReceipts);
  }

  const gateways = parseGateways(read, fail, (variable, message) => problems.push({ variable, message }));

  const reconDropText = read('RECON_DROP_DIR');
  const reconDropDir = reconDropText === null ? null : resolve(cwd, reconDropText);
  const reconCron = read('RECON_CRON') ?? '30 6 * * *';
  if (!/^[0-9*,/-]+( [0-9*,/-]+){4}$/.test(reconCron)) {
    fail('RECON_CRON', 'must be a 5-field cron expression of digits, *, comma, - and /', reconCron);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    database_url: databaseUrl,
    data_dir: dataDir,
    admin_token: adminToken,
    public_url: (publicUrl ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    log_level: logLevel as LogLevel,
    db_pool_max: dbPoolMax,
    ledger_expiry_sweep_ms: sweepMs,
    receipt_key_encryption_key: receiptKek?.toLowerCase() ?? null,
    jobs_polling_interval_ms: jobsPollingMs,
    webhook_timeout_ms: webhookTimeoutMs,
    webhook_retry_limit: webhookRetryLimit,
    webhook_retry_delay_seconds: webhookRetryDelaySeconds,
    webhook_retry_backoff: webhookRetryBackoff !== 'false',
    janitor_query_after_seconds: janitorQueryAfterSeconds,
    janitor_interval_seconds: janitorIntervalSeconds,
    gateway_fees: gatewayFees,
    fee_bearer: feeBearer as FeeBearer,
    refund_receipts: refundReceipts as RefundReceipts,
    gateways,
    recon_drop_dir: reconDropDir,
    recon_cron: reconCron,
  };
}

type Read = (name: string) => string | null;
type Fail = (name: string, rule: string, value: string) => void;

/**
 * The gateways' variables. A gateway is configured whole or not at all: a partial set is more likely a
 * forgotten variable than a wish to half-use the simulator, so it names each missing variable.
 */
function parseGateways(read: Read, fail: Fail, missing: (variable: string, message: string) => void) {
  const group = <const Names extends readonly string[]>(
    names: Names,
  ): Record<Names[number], string> | null => {
    const values = names.map((name) => [name, read(name)] as const);
    const set = values.filter(([, value]) => value !== null).map(([name]) => name);
    if (set.length === 0) return null;
    const absent = values.filter(([, value]) => value === null).map(([name]) => name);
    for (const name of absent)
      missing(name, `must be set too, since ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set`);
    return absent.length > 0 ? null : (Object.fromEntries(values) as Record<Names[number], string>);
  };
  const check = (name: string, value: string, ok: boolean, rule: string) => {
    if (!ok) fail(name, rule, value);
    return ok;
  };
  const isHttpUrl = (value: string) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  };
  const httpUrl = (name: string, value: string) =>
    check(name, value, isHttpUrl(value), 'must be an http:// or https:// URL');

  const gateways: GatewaysConfig = { vnpay: null, momo: null, zalopay: null, vietqr: null };
  const vnpay = group(['VNPAY_TMN_CODE', 'VNPAY_HASH_SECRET', 'VNPAY_PAY_URL', 'VNPAY_API_URL']);
  if (
    vnpay &&
    [
      check(
        'VNPAY_TMN_CODE',
        vnpay.VNPAY_TMN_CODE,
        /^[A-Za-z0-9]{8}$/.test(vnpay.VNPAY_TMN_CODE),
        'must be 8 letters or digits',
      ),
      httpUrl('VNPAY_PAY_URL', vnpay.VNPAY_PAY_URL),
      httpUrl('VNPAY_API_URL', vnpay.VNPAY_API_URL),
    ].every(Boolean)
  ) {
    gateways.vnpay = {
      tmn_code: vnpay.VNPAY_TMN_CODE,
      hash_secret: vnpay.VNPAY_HASH_SECRET,
      pay_url: vnpay.VNPAY_PAY_URL,
      api_url: vnpay.VNPAY_API_URL,
    };
  }
  const momo = group(['MOMO_PARTNER_CODE', 'MOMO_ACCESS_KEY', 'MOMO_SECRET_KEY', 'MOMO_ENDPOINT']);
  if (
    momo &&
    [
      check(
        'MOMO_PARTNER_CODE',
        momo.MOMO_PARTNER_CODE,
        /^[A-Za-z0-9]{1,50}$/.test(momo.MOMO_PARTNER_CODE),
        'must be 1 to 50 letters or digits',
      ),
      httpUrl('MOMO_ENDPOINT', momo.MOMO_ENDPOINT),
    ].every(Boolean)
  ) {
    gateways.momo = {
      partner_code: momo.MOMO_PARTNER_CODE,
      access_key: momo.MOMO_ACCESS_KEY,
      secret_key: momo.MOMO_SECRET_KEY,
      endpoint: momo.MOMO_ENDPOINT.replace(/\/+$/, ''),
    };
  }
  const zalopay = group(['ZALOPAY_APP_ID', 'ZALOPAY_KEY1', 'ZALOPAY_KEY2', 'ZALOPAY_ENDPOINT']);
  if (
    zalopay &&
    [
      check(
        'ZALOPAY_APP_ID',
        zalopay.ZALOPAY_APP_ID,
        /^[1-9]\d{0,11}$/.test(zalopay.ZALOPAY_APP_ID),
        'must be a positive integer',
      ),
      httpUrl('ZALOPAY_ENDPOINT', zalopay.ZALOPAY_ENDPOINT),
    ].every(Boolean)
  ) {
    gateways.zalopay = {
      app_id: Number(zalopay.ZALOPAY_APP_ID),
      key1: zalopay.ZALOPAY_KEY1,
      key2: zalopay.ZALOPAY_KEY2,
      endpoint: zalopay.ZALOPAY_ENDPOINT.replace(/\/+$/, ''),
    };
  }
  const vietqr = group(['VIETQR_BIN', 'VIETQR_ACCOUNT_NO', 'VIETQR_ACCOUNT_NAME', 'BANK_NOTIFY_SECRET']);
  if (
    vietqr &&
    [
      check('VIETQR_BIN', vietqr.VIETQR_BIN, /^\d{6}$/.test(vietqr.VIETQR_BIN), 'must be 6 digits'),
      check(
        'VIETQR_ACCOUNT_NO',
        vietqr.VIETQR_ACCOUNT_NO,
        /^[A-Za-z0-9]{1,19}$/.test(vietqr.VIETQR_ACCOUNT_NO),
        'must be 1 to 19 letters or digits',
      ),
      check(
        'VIETQR_ACCOUNT_NAME',
        vietqr.VIETQR_ACCOUNT_NAME,
        /^[\x20-\x7e]{1,25}$/.test(stripDiacritics(vietqr.VIETQR_ACCOUNT_NAME)),
        'must be at most 25 printable characters once diacritics are stripped',
      ),
    ].every(Boolean)
  ) {
    gateways.vietqr = {
      bin: vietqr.VIETQR_BIN,
      account_no: vietqr.VIETQR_ACCOUNT_NO,
      account_name: vietqr.VIETQR_ACCOUNT_NAME,
      notify_secret: vietqr.BANK_NOTIFY_SECRET,
    };
  }
  return gateways;
}

/** The table docs/configuration.md carries; a test keeps the two identical. */
export function configurationMarkdownTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = CONFIG_VARIABLES.map(
    (variable) =>
      `| \`${variable.name}\` | ${variable.default_text === null ? '(unset)' : '`' + variable.default_text + '`'} | ${cell(variable.description)} |`,
  );
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}

/** The one place the hub reads process.env. */
export function loadConfig(): HubConfig {
  return parseConfig(process.env);
}
