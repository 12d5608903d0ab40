// `npm run bench:ledger`: the ledger's throughput beside a hand-written SQL baseline, measured in the
// same run on the same Postgres with the same workload and concurrency (docs/adr/0002).
//
// Workload: 10,000 accounts, 200,000 two-account transfers, 30% of them on one hot account, 64
// concurrent callers, each sending its postings BENCH_CALL_SIZE (default 8) at a time, as a client
// batches its events; the baseline gets the very same calls. The baseline does them in plain SQL:
// per call one statement that locks the accounts in id order, inserts the transfers and applies the
// summed balance deltas (BASELINE_SQL): batched as well as plain SQL can without coalescing different
// callers. BENCH_CALL_SIZE=1 measures one posting per call (the gateway-callback pattern).
// Other knobs: BENCH_TRANSFERS, BENCH_ACCOUNTS, BENCH_CALLERS, BENCH_HOT_SHARE, BENCH_BATCH_MAX,
// BENCH_IN_FLIGHT, BENCH_LANES, BENCH_PG_FLAGS ("-c name=value ..."), BENCH_LATENCY_LOG (a file prefix for
// each call's start and latency), DATABASE_URL (an external Postgres).
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PgLedger, type TransferInput } from '../ledger';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres';
import { migrate } from '../src/database/migrate';
import { createPool, ensureDatabase, withDatabase } from '../src/database/pool';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10_000);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 200_000);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 64);
const HOT_SHARE = Number(process.env.BENCH_HOT_SHARE ?? 0.3);
const CALL_SIZE = Number(process.env.BENCH_CALL_SIZE ?? 8);
/**
 * Transfers each phase posts first, with the same callers and call size, before it is measured: the
 * pool's connections, Postgres's caches and plans and V8's compiled code are then warm for both. A
 * latency log showed every call at or above the p99 in the first 400 ms of a cold phase.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
const DATABASE = 'payhub_bench';

interface Posting {
  id: string;
  debit: number;
  credit: number;
  amount: bigint;
}

/** The same postings for both phases: account 0 is the hot account. */
function workload(prefix: string, count = TRANSFERS): Posting[] {
  const postings: Posting[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const hot = Math.random() < HOT_SHARE;
    let debit = randomInt(1, ACCOUNTS);
    let credit = hot ? 0 : randomInt(1, ACCOUNTS);
    while (credit === debit) credit = randomInt(1, ACCOUNTS);
    if (hot && Math.random() < 0.5) [debit, credit] = [credit, debit];
    postings[i] = { id: `${prefix}-${i}`, debit, credit, amount: BigInt(randomInt(1_000, 5_000_000)) };
  }
  return postings;
}

interface PhaseResult {
  name: string;
  transfers_per_s: number;
  p50_ms: number;
  p99_ms: number;
  seconds: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs CALLERS concurrent callers over the postings, CALL_SIZE postings per call. */
async function phase(
  name: string,
  postings: Posting[],
  call: (chunk: Posting[]) => Promise<void>,
): Promise<PhaseResult> {
  const chunks: Posting[][] = [];
  for (let i = 0; i < postings.length; i += CALL_SIZE) chunks.push(postings.slice(i, i + CALL_SIZE));
  const latencies: number[] = [];
  // BENCH_LATENCY_LOG=<file>: every call's start (ms into the phase) and latency, to see whether slow
  // calls cluster in time (a stall) or are spread out.
  const timeline: string[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      for (let index = next++; index < chunks.length; index = next++) {
        const t0 = process.hrtime.bigint();
        await call(chunks[index]!);
        const latency = Number(process.hrtime.bigint() - t0) / 1e6;
        latencies.push(latency);
        if (process.env.BENCH_LATENCY_LOG)
          timeline.push(`${(Number(t0 - started) / 1e6).toFixed(2)} ${latency.toFixed(2)}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (process.env.BENCH_LATENCY_LOG)
    writeFileSync(`${process.env.BENCH_LATENCY_LOG}.${name}`, timeline.join('\n') + '\n');
  latencies.sort((a, b) => a - b);
  const result = {
    name,
    transfers_per_s: Math.round(postings.length / seconds),
    p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    p99_ms: Number(percentile(latencies, 99).toFixed(2)),
    seconds: Number(seconds.toFixed(2)),
  };
  console.log(
    `${name.padEnd(9)} ${String(result.transfers_per_s).padStart(7)} transfers/s  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  (${result.seconds} s)`,
  );
  return result;
}

async function baselineSetup(pool: Pool): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS bench_transfers, bench_accounts`);
  await pool.query(`CREATE TABLE bench_accounts (id integer PRIMARY KEY, debits_posted bigint NOT NULL DEFAULT 0,
    credits_posted bigint NOT NULL DEFAULT 0) WITH (fillfactor = 50)`);
  await pool.query(`CREATE TABLE bench_transfers (id text PRIMARY KEY, debit integer NOT NULL REFERENCES bench_accounts,
    credit integer NOT NULL REFERENCES bench_accounts, amount bigint NOT NULL CHECK (amount > 0),
    timestamp timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await pool.query(`INSERT INTO bench_accounts (id) SELECT generate_series(0, $1 - 1)`, [ACCOUNTS]);
}

/**
 * One call of the baseline: a single statement in autocommit (one round trip, one commit) that locks
 * the call's accounts in id order (no deadlocks), inserts its transfers and applies the summed balance
 * deltas: the best plain SQL can do without coalescing different callers' postings.
 */
const BASELINE_SQL = `WITH locked AS MATERIALIZED (
    SELECT id FROM bench_accounts WHERE id = ANY($5::int[]) ORDER BY id FOR UPDATE
  ), inserted AS (
    INSERT INTO bench_transfers (id, debit, credit, amount)
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int8[])
  )
  UPDATE bench_accounts a SET debits_posted = a.debits_posted + v.d, credits_posted = a.credits_posted + v.c
  FROM unnest($5::int[], $6::int8[], $7::int8[]) AS v(id, d, c)
  WHERE a.id = v.id AND (SELECT count(*) FROM locked) > 0`;

async function baselineCall(pool: Pool, chunk: Posting[]): Promise<void> {
  const deltas = new Map<number, [bigint, bigint]>();
  for (const p of chunk) {
    const d = deltas.get(p.debit) ?? [0n, 0n];
    d[0] += p.amount;
    deltas.set(p.debit, d);
    const c = deltas.get(p.credit) ?? [0n, 0n];
    c[1] += p.amount;
    deltas.set(p.credit, c);
  }
  const ids = [...deltas.keys()].sort((a, b) => a - b);
  for (let attempt = 0; ; attempt++) {
    try {
      await pool.query({
        name: 'baseline_post',
        text: BASELINE_SQL,
        values: [
          chunk.map((p) => p.id),
          chunk.map((p) => p.debit),
          chunk.map((p) => p.credit),
          chunk.map((p) => p.amount.toString()),
          ids,
          ids.map((id) => deltas.get(id)![0].toString()),
          ids.map((id) => deltas.get(id)![1].toString()),
        ],
      });
      return;
    } catch (error) {
      // A deadlock is not expected (locks are taken in id order) but would be retried, as the ledger does.
      if ((error as { code?: string }).code !== '40P01' || attempt > 10) throw error;
    }
  }
}

async function main(): Promise<void> {
  let server: RunningPostgres | null = null;
  let scratch: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    scratch = mkdtempSync(join(tmpdir(), 'payhub-bench-'));
    // Durable settings, as the hub runs: fsync and synchronous commit stay on.
    server = await startEmbeddedPostgres({
      data_dir: scratch,
      durable: true,
      max_connections: 200,
      postgres_flags: (process.env.BENCH_PG_FLAGS ?? '').split(' ').filter(Boolean),
    });
    adminUrl = server.url;
  }
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(adminUrl, DATABASE);
  const url = withDatabase(adminUrl, DATABASE);
  const pool = createPool(url, { max: CALLERS + 4 });
  // Idle connections are cut when the embedded Postgres stops at the end: nothing to report then.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    console.log(
      `ledger bench: ${ACCOUNTS} accounts, ${TRANSFERS} transfers, ${Math.round(HOT_SHARE * 100)}% on one hot account, ` +
        `${CALLERS} concurrent callers, ${CALL_SIZE} transfer(s) per call; each phase after ${WARMUP} warm-up transfers`,
    );

    // Every workload is made before anything is measured: 200,000 fresh postings allocated between a
    // warm-up and its phase would be copied and promoted by V8's first scavenges inside the phase
    // (a --trace-gc run showed 20-25 ms pauses there), slowing the load generator, not the ledger.
    const workloads = {
      baseline_warmup: workload('bw', WARMUP),
      baseline: workload('b'),
      ledger_warmup: workload('lw', WARMUP),
      ledger: workload('l'),
    };
    await baselineSetup(pool);
    const baselineCallOf = (chunk: Posting[]) => baselineCall(pool, chunk);
    await phase('warm-up', workloads.baseline_warmup, baselineCallOf);
    const baseline = await phase('baseline', workloads.baseline, baselineCallOf);

    const ledger = new PgLedger(pool, {
      batch_transfers_max: Number(process.env.BENCH_BATCH_MAX ?? 2000),
      batches_in_flight_max: Number(process.env.BENCH_IN_FLIGHT ?? 2),
      ...(process.env.BENCH_LANES ? { lanes_max: Number(process.env.BENCH_LANES) } : {}),
    });
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
      id: `acct-${i}`,
      code: i === 0 ? 2100 : 1100,
      currency: 'VND',
    }));
    for (let i = 0; i < accounts.length; i += 1000) await ledger.createAccounts(accounts.slice(i, i + 1000));
    const toInput = (p: Posting): TransferInput => ({
      id: p.id,
      debit_account_id: `acct-${p.debit}`,
      credit_account_id: `acct-${p.credit}`,
      amount: p.amount,
      currency: 'VND',
      code: 1,
    });
    let failed = 0;
    const ledgerCall = async (chunk: Posting[]) => {
      const results = await ledger.createTransfers(chunk.map(toInput));
      for (const r of results) if (r.result !== 'created') failed++;
    };
    await phase('warm-up', workloads.ledger_warmup, ledgerCall);
    const result = await phase('ledger', workloads.ledger, ledgerCall);
    await ledger.drain();
    const report = await ledger.verify();
    if (failed > 0) console.log(`${failed} transfers were not created`);
    console.log(
      JSON.stringify({
        bench: 'ledger',
        transfers_per_s: result.transfers_per_s,
        baseline_transfers_per_s: baseline.transfers_per_s,
        ratio: Number((result.transfers_per_s / baseline.transfers_per_s).toFixed(2)),
        p99_ms: result.p99_ms,
        verify: report.ok && failed === 0 ? 'ok' : 'failed',
      }),
    );
  } finally {
    await pool.end();
    if (server) await server.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
