// `npm run bench:recon`: reconciliation of a 1,000,000-row VNPay settlement file with 1,000 injected
// discrepancies (docs/reconciliation.md). Setup, not timed: an embedded Postgres (durable, as the hub
// runs), the hub's migrations, one biller with its bills and succeeded payment intents inserted by SQL
// (generate_series), and the file written to disk by the VNPay adapter's own writer, streaming. Timed:
// the import (parse, stage, match, exceptions, settlement posting) of that file, as POST
// /v1/reconciliation/runs does it, minus the gateway queries that follow the commit.
// V8's heap is capped in the npm script (--max-old-space-size=96 --max-semi-space-size=8): the import's
// live heap stays near 30 MB, but uncapped V8 lets the garbage of a million parsed rows pile up to
// ~330 MB RSS before collecting it. (@swc-node/register alone accounts for ~150 MB of RSS.)
// Knobs: BENCH_ROWS (default 1,000,000), BENCH_EXCEPTIONS (default 1,000), DATABASE_URL (an external
// Postgres instead of the embedded one).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { computeFee } from '../adapters/fees';
import {
  parseSettlementFile,
  writeSettlementFile,
  type VnpaySettlementRecord,
} from '../adapters/vnpay/vnpay.settlement';
import { VNPAY_SIM_DEFAULT_FEE } from '../adapters/vnpay/vnpay.simulator';
import { PgLedger } from '../ledger';
import { Db } from '../src/database/db';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres';
import { migrate } from '../src/database/migrate';
import { createPool, ensureDatabase, withDatabase } from '../src/database/pool';
import { ReconciliationImporter } from '../src/reconciliation/reconciliation.importer';
import { vietnamDay, type ExceptionKind } from '../src/reconciliation/reconciliation.matcher';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const INJECTED = Number(process.env.BENCH_EXCEPTIONS ?? 1_000);
const DATABASE = 'payhub_bench_recon';
const DATE = '2026-11-21';
const TMN_CODE = 'BENCH001';
const BILLER = 'blr_' + '0'.repeat(25) + '1';
const FEE_RULE = VNPAY_SIM_DEFAULT_FEE;

const KINDS: readonly ExceptionKind[] = [
  'missing_in_hub',
  'missing_in_gateway',
  'amount_mismatch',
  'status_mismatch',
  'duplicate',
  'fee_mismatch',
];

/** How many of each kind: INJECTED spread as evenly as it divides. */
function injectedCounts(): Record<ExceptionKind, number> {
  const counts = {} as Record<ExceptionKind, number>;
  KINDS.forEach((kind, index) => {
    counts[kind] = Math.floor(INJECTED / KINDS.length) + (index < INJECTED % KINDS.length ? 1 : 0);
  });
  return counts;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const reference = (g: number) => `PZ${pad(g, 12)}`;
const amountOf = (g: number) => BigInt(10_000 + (g % 1_000) * 1_000);
const txnOf = (g: number) => String(10_000_000 + g);

async function setUp(pool: Pool, succeeded: number, unknown: number): Promise<void> {
  const day = vietnamDay(DATE);
  await pool.query(
    `INSERT INTO billers (id, name, kind, webhook_secret) VALUES ($1, 'Bench agency', 'agency', $2)`,
    [BILLER, `whsec_${'a'.repeat(43)}`],
  );
  const total = succeeded + unknown;
  // Intents 1..succeeded were paid during the day; the last `unknown` ones are still waiting (their
  // payment is the file's missing_in_hub rows).
  for (let from = 1; from <= total; from += 250_000) {
    const to = Math.min(total, from + 249_999);
    await pool.query(
      `INSERT INTO bills (id, biller_id, kind, reference, payer, lines, amount, status, details, paid_at)
       SELECT 'bill_' || lpad(g::text, 26, '0'), $1, 'fee', 'B' || g, '{"name":"Bench"}',
              jsonb_build_array(jsonb_build_object('name', 'Fee', 'amount', 10000 + (g % 1000) * 1000)),
              10000 + (g % 1000) * 1000, CASE WHEN g <= $4 THEN 'paid' ELSE 'open' END, '{}',
              CASE WHEN g <= $4 THEN $5::timestamptz + (g * interval '80 ms') END
       FROM generate_series($2::int, $3::int) AS g`,
      [BILLER, from, to, succeeded, day.start],
    );
    await pool.query(
      `INSERT INTO payment_intents (id, biller_id, bill_id, method, status, amount, reference,
         gateway_txn_id, return_url, created_at, expires_at, paid_at)
       SELECT 'pi_' || lpad(g::text, 26, '0'), $1, 'bill_' || lpad(g::text, 26, '0'), 'vnpay',
              CASE WHEN g <= $4 THEN 'succeeded' ELSE 'requires_action' END, 10000 + (g % 1000) * 1000,
              'PZ' || lpad(g::text, 12, '0'), CASE WHEN g <= $4 THEN (10000000 + g)::text END,
              'https://bench.invalid/return', $5::timestamptz - interval '1 hour',
              $5::timestamptz + interval '2 days',
              CASE WHEN g <= $4 THEN $5::timestamptz + (g * interval '80 ms') END
       FROM generate_series($2::int, $3::int) AS g`,
      [BILLER, from, to, succeeded, day.start],
    );
  }
  await pool.query('ANALYZE');
}

/**
 * The file's records: one per succeeded intent, less the missing_in_gateway ones, with amount, status
 * and fee changed on others, some repeated, and the unknown intents' payments added.
 */
function* records(
  succeeded: number,
  unknown: number,
  picks: Map<number, ExceptionKind>,
): Generator<VnpaySettlementRecord> {
  const day = vietnamDay(DATE);
  const fees = new Map<bigint, bigint>();
  const feeOf = (amount: bigint) => {
    let fee = fees.get(amount);
    if (fee === undefined) fees.set(amount, (fee = computeFee(amount, FEE_RULE)));
    return fee;
  };
  const record = (g: number, at: Date): VnpaySettlementRecord => ({
    TmnCode: TMN_CODE,
    TxnRef: reference(g),
    TransactionNo: txnOf(g),
    TransactionType: '01',
    RefundRequestId: '',
    Amount: amountOf(g),
    Fee: feeOf(amountOf(g)),
    PayDate: at,
    ResponseCode: '00',
    TransactionStatus: '00',
  });
  let unknownNext = succeeded + 1;
  for (let g = 1; g <= succeeded; g++) {
    const at = new Date(day.start.getTime() + g * 80);
    const kind = picks.get(g);
    if (kind === 'missing_in_gateway') continue;
    const row = record(g, at);
    if (kind === 'amount_mismatch') yield { ...row, Amount: row.Amount + 1_000n };
    else if (kind === 'status_mismatch') yield { ...row, ResponseCode: '24', TransactionStatus: '02' };
    else if (kind === 'fee_mismatch') yield { ...row, Fee: row.Fee + 1n };
    else yield row;
    if (kind === 'duplicate') yield row;
    if (kind === 'missing_in_hub' && unknownNext <= succeeded + unknown) {
      yield { ...record(unknownNext, at), TransactionNo: String(90_000_000 + unknownNext) };
      unknownNext += 1;
    }
  }
}

async function writeFile(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

interface Plan {
  counts: Record<ExceptionKind, number>;
  unknown: number;
  succeeded: number;
  picks: Map<number, ExceptionKind>;
}

function plan(): Plan {
  const counts = injectedCounts();
  // rows = succeeded − missing_in_gateway + duplicate + missing_in_hub.
  const unknown = counts.missing_in_hub;
  const succeeded = ROWS + counts.missing_in_gateway - counts.duplicate - unknown;
  // Which succeeded intents carry which discrepancy: spread evenly over the file.
  const picks = new Map<number, ExceptionKind>();
  const stride = Math.max(1, Math.floor(succeeded / (INJECTED + 1)));
  let slot = 0;
  const most = Math.max(...Object.values(counts));
  for (let j = 0; j < most; j++) {
    for (const kind of KINDS) {
      if (j < counts[kind]) picks.set(1 + slot++ * stride, kind);
    }
  }
  return { counts, unknown, succeeded, picks };
}

/**
 * The file is written by a child process (`--write-file <path>`): generating a million rows is setup,
 * and its garbage must not count in the importer's peak RSS.
 */
async function writeFileMode(path: string): Promise<void> {
  const { succeeded, unknown, picks } = plan();
  await writeFile(path, writeSettlementFile(records(succeeded, unknown, picks)));
}

async function main(): Promise<void> {
  const { counts, unknown, succeeded } = plan();

  let server: RunningPostgres | null = null;
  let scratch: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  const work = mkdtempSync(join(tmpdir(), 'payhub-bench-recon-file-'));
  if (!adminUrl) {
    scratch = mkdtempSync(join(tmpdir(), 'payhub-bench-recon-'));
    // Durable settings, as the hub runs: fsync and synchronous commit stay on.
    server = await startEmbeddedPostgres({ data_dir: scratch, durable: true, max_connections: 20 });
    adminUrl = server.url;
  }
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(adminUrl, DATABASE);
  const pool = createPool(withDatabase(adminUrl, DATABASE), { max: 4 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    console.log(
      `recon bench: ${ROWS} rows, ${INJECTED} injected discrepancies ` +
        `(${KINDS.map((kind) => `${kind} ${counts[kind]}`).join(', ')}); setting up...`,
    );
    await setUp(pool, succeeded, unknown);
    const file = join(work, `vnpay-${DATE}.csv`);
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--write-file', file], {
      stdio: 'inherit',
      env: process.env,
    });
    if (child.status !== 0) throw new Error('writing the settlement file failed');
    console.log(`setup done: ${succeeded + unknown} intents, file written; importing and matching...`);

    const importer = new ReconciliationImporter(new Db(pool), new PgLedger(pool));
    const started = process.hrtime.bigint();
    const result = await importer.import({
      gateway: 'vnpay',
      settlement_date: DATE,
      source: createReadStream(file, { highWaterMark: 256 * 1024 }),
      parse: (stream) => parseSettlementFile(stream, { tmn_code: TMN_CODE }),
      fee_rule: FEE_RULE,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const found = result.exceptions_by_kind;
    const exceptions_found = Object.values(found).reduce((sum, n) => sum + (n ?? 0), 0);
    const exact = KINDS.every((kind) => (found[kind] ?? 0) === counts[kind]);
    console.log(`found: ${JSON.stringify(found)}${exact ? '' : ' (differs from what was injected)'}`);
    console.log(
      JSON.stringify({
        bench: 'recon',
        rows: result.run.rows_total,
        seconds: Number(seconds.toFixed(2)),
        rows_per_s: Math.round(result.run.rows_total / seconds),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        exceptions_found,
        exceptions_injected: INJECTED,
      }),
    );
    if (!exact) process.exitCode = 1;
  } finally {
    await pool.end();
    if (server) await server.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

const writeAt = process.argv.indexOf('--write-file');
(writeAt >= 0 ? writeFileMode(process.argv[writeAt + 1]!) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
