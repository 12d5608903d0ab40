// `npm run bench:payments`: how many gateway confirmations per second the hub applies end to end (intent,
// bill, ledger group, numbered and signed receipt, webhook events, each payment all or nothing;
// concurrent ones share a transaction, docs/adr/0007), beside a
// baseline measured in the same run on the same Postgres: an endpoint that checks the same signatures
// and does one INSERT per callback.
//
// Workload: the hub runs as `npm start` runs it (its own process, src/main.ts) on an embedded Postgres
// (or DATABASE_URL); 3 agencies, 20,000 bills with one payment intent each (VNPay and MoMo alternating),
// created through the API; then every intent's signed success callback (VNPay IPN GET, MoMo IPN POST,
// built with the simulators' keys exactly as the gateways send them), 10% of them sent twice, in random
// order, 64 at a time. Latency: from sending a callback to the gateway's acknowledgement. The tables are
// ANALYZEd once the bills exist, as autovacuum keeps a running hub's statistics. Before each measured
// phase, the callbacks of BENCH_WARMUP (1,000) other bills go to the same server unmeasured: a hub that
// has been running has its callback path compiled by V8 (its first second otherwise runs ~25% slower,
// BENCH_PER_SECOND=1 shows it), and the baseline gets the same.
// Afterwards: every intent succeeded exactly once (`lost`, `double_posted`) and `payhub ledger verify`.
// Each measured phase is followed by where its CPU went (scripts/process-cpu.ts): the hub, Postgres and
// the bench in cores, how busy the machine was, and the CPU milliseconds per payment.
// Knobs: BENCH_BILLS, BENCH_WARMUP, BENCH_CALLERS, BENCH_DUPLICATES (share), BENCH_PG_STATS=1 (the hub phase's
// statements from pg_stat_statements and the tables' scan counts, printed at the end; embedded Postgres
// only), BENCH_HUB_PROFILE (a directory for the hub's CPU profile), BENCH_HUB_FLAGS (Node options for
// the hub, whose stdout is then shown), BENCH_PER_SECOND=1 (each phase's answers per second),
// BENCH_WEBHOOKS=1 (the agencies have webhook endpoints: each payment also enqueues two deliveries,
// which the hub's workers send to a receiver in this process during the run), DATABASE_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import type { CallbackRequest } from '../adapters/contract';
import { MomoClient, toWireJson } from '../adapters/momo/momo.client';
import { IPN_FIELDS, sign as momoSign } from '../adapters/momo/momo.signature';
import { toWireAmount, VnpayClient } from '../adapters/vnpay/vnpay.client';
import { canonicalQuery, signQuery } from '../adapters/vnpay/vnpay.signature';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres';
import { ensureDatabase, withDatabase } from '../src/database/pool';
import { SIMULATOR_KEYS_FILE, type SimulatorKeys } from '../src/gateways/local-simulators';
import { cpuSnapshot, cpuUse, describeCpu } from './process-cpu';
import { KeepAliveCallers } from './keep-alive-caller';

const BILLS = Number(process.env.BENCH_BILLS ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 64);
const DUPLICATES = Number(process.env.BENCH_DUPLICATES ?? 0.1);
const PG_STATS = process.env.BENCH_PG_STATS === '1';
const PER_SECOND = process.env.BENCH_PER_SECOND === '1';
/** BENCH_WEBHOOKS=1: the agencies have webhook endpoints (a receiver in this process answering 204). */
const WEBHOOKS = process.env.BENCH_WEBHOOKS === '1';
const AGENCIES = 3;
const DATABASE = 'payhub_bench_payments';
const ROOT = resolve(__dirname, '..');
const ADMIN_TOKEN = randomBytes(24).toString('hex');

interface Payment {
  method: 'vnpay' | 'momo';
  intent_id: string;
  reference: string;
  amount: bigint;
  /** The gateway's transaction number for its success, unique in the run. */
  txn: string;
}

interface Callback {
  method: 'GET' | 'POST';
  /** Path and query, relative to the server under test. */
  path: string;
  body: string | null;
}

interface PhaseResult {
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  seconds: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `work` over `items` with `callers` concurrent workers, timing each item. */
async function phase<T>(
  name: string,
  items: readonly T[],
  callers: number,
  work: (item: T) => Promise<void>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  /** BENCH_PER_SECOND: requests answered in each second of the phase (warm-up, stalls). */
  const perSecond: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let index = next++; index < items.length; index = next++) {
        const t0 = process.hrtime.bigint();
        await work(items[index]!);
        const now = process.hrtime.bigint();
        latencies.push(Number(now - t0) / 1e6);
        const second = Math.floor(Number(now - started) / 1e9);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const result = {
    per_s: Math.round(items.length / seconds),
    p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    p99_ms: Number(percentile(latencies, 99).toFixed(2)),
    seconds: Number(seconds.toFixed(2)),
  };
  console.log(
    `${name.padEnd(9)} ${String(result.per_s).padStart(6)} ${name === 'setup' ? 'bills+intents' : 'callbacks'}/s  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  (${items.length} in ${result.seconds} s)`,
  );
  if (PER_SECOND)
    console.log(`${name.padEnd(9)} per second: ${Array.from(perSecond, (n) => n ?? 0).join(' ')}`);
  return result;
}

async function api<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The hub as `npm start` runs it, in its own process, on the given database. */
async function startHub(
  database_url: string,
  data_dir: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_HUB_PROFILE=<dir>: the hub writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_HUB_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_HUB_PROFILE}`]
    : [];
  // BENCH_HUB_FLAGS: Node options for the hub (a diagnosis: --trace-deopt, say), its stdout shown.
  const flags = (process.env.BENCH_HUB_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...profile, ...flags, '--require', '@swc-node/register', 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: database_url,
        PORT: String(port),
        HUB_PUBLIC_URL: url,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        HUB_DATA_DIR: data_dir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', flags.length > 0 ? 'inherit' : 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the hub did not become ready within 60 s');
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

/** BENCH_PG_STATS: what Postgres did in the hub phase, statement by statement and table by table. */
async function printPgStats(pool: Pool): Promise<void> {
  const statements = await pool.query(
    `SELECT calls, round(total_exec_time)::int AS exec_ms, round(total_plan_time)::int AS plan_ms, rows,
            wal_bytes::bigint AS wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS statement
       FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 25`,
  );
  console.table(statements.rows);
  const tables = await pool.query(
    `SELECT relname AS table, seq_scan, seq_tup_read, idx_scan, n_tup_ins AS inserted, n_tup_upd AS updated,
            n_tup_hot_upd AS hot_updated, autovacuum_count + autoanalyze_count AS autovacuum_runs
       FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + seq_scan + idx_scan > 0
      ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 15`,
  );
  console.table(tables.rows);
  const wal = await pool.query(
    `SELECT w.wal_records::bigint AS records, w.wal_fpi::bigint AS full_page_images, w.wal_bytes::bigint AS bytes,
            c.num_timed AS checkpoints_timed, c.num_requested AS checkpoints_requested
       FROM pg_stat_wal w, pg_stat_checkpointer c`,
  );
  console.table(wal.rows);
}

interface WebhookReceiver {
  url: string;
  received: number;
  close(): Promise<void>;
}

/** The agencies' webhook endpoint (BENCH_WEBHOOKS): reads each delivery and answers 204. */
async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', received: 0, close: async () => undefined };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      receiver.received++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address() as { port: number };
  receiver.url = `http://127.0.0.1:${address.port}/payhub-webhooks`;
  receiver.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return receiver;
}

/** Bills and intents through the API, as billers create them. */
async function createPayments(hub: string, count: number, webhook_url: string | null): Promise<Payment[]> {
  const agencies = await Promise.all(
    Array.from({ length: AGENCIES }, (_, i) =>
      api<{ api_key: string }>(hub, 'POST', '/v1/billers', ADMIN_TOKEN, {
        name: `Bench agency ${i + 1}`,
        kind: 'agency',
        ...(webhook_url ? { webhook_url } : {}),
      }),
    ),
  );
  const payments: Payment[] = new Array(count);
  const t0 = Date.now();
  await phase(
    'setup',
    Array.from({ length: count }, (_, i) => i),
    CALLERS,
    async (i) => {
      const key = agencies[i % AGENCIES]!.api_key;
      const amount = 10_000 + randomInt(2_000_000);
      const bill = await api<{ id: string }>(hub, 'POST', '/v1/bills', key, {
        kind: 'fee',
        reference: `BENCH-${i}`,
        payer: { name: 'Nguyễn Văn An' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [{ name: 'Lệ phí', amount, legal_basis: 'Thông tư 85/2019/TT-BTC' }],
      });
      const method = i % 2 === 0 ? 'vnpay' : 'momo';
      const intent = await api<{ id: string; reference: string }>(hub, 'POST', '/v1/payment_intents', key, {
        bill_id: bill.id,
        method,
      });
      payments[i] = {
        method,
        intent_id: intent.id,
        reference: intent.reference,
        amount: BigInt(amount),
        txn: String(70_000_000 + i),
      };
    },
  );
  console.log(
    `created ${count} bills and intents for ${AGENCIES} agencies in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return payments;
}

/** Each payment's success callback as its gateway sends it, signed with the simulator's keys. */
function callbacksOf(payments: readonly Payment[], keys: SimulatorKeys, prefix: string): Callback[] {
  const callbacks = payments.map((payment): Callback => {
    const txn = payment.txn;
    if (payment.method === 'vnpay') {
      const params: Record<string, string> = {
        vnp_Amount: toWireAmount(payment.amount),
        vnp_BankCode: 'NCB',
        vnp_OrderInfo: 'Thanh toan',
        vnp_PayDate: '20261207103000',
        vnp_ResponseCode: '00',
        vnp_TmnCode: keys.vnpay.tmn_code,
        vnp_TransactionNo: txn,
        vnp_TransactionStatus: '00',
        vnp_TxnRef: payment.reference,
      };
      const query = `${canonicalQuery(params)}&vnp_SecureHash=${signQuery(params, keys.vnpay.hash_secret)}`;
      return { method: 'GET', path: `${prefix}/vnpay/ipn?${query}`, body: null };
    }
    const fields = {
      partnerCode: keys.momo.partner_code,
      orderId: payment.reference,
      requestId: payment.reference,
      amount: payment.amount.toString(),
      orderInfo: 'Thanh toan',
      orderType: 'momo_wallet',
      transId: txn,
      resultCode: '0',
      message: 'Successful.',
      payType: 'qr',
      responseTime: '1796619000000',
      extraData: '',
    };
    const signature = momoSign(
      IPN_FIELDS,
      { ...fields, accessKey: keys.momo.access_key },
      keys.momo.secret_key,
    );
    const body = toWireJson({
      ...fields,
      amount: payment.amount,
      transId: BigInt(txn),
      resultCode: 0,
      responseTime: 1796619000000,
      signature,
    });
    return { method: 'POST', path: `${prefix}/momo/ipn`, body };
  });
  // 10% sent twice, and the whole lot shuffled: duplicates arrive close together and apart.
  const all = [...callbacks, ...callbacks.filter(() => Math.random() < DUPLICATES)];
  for (let i = all.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

const MOMO_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Keep-alive connections per server, one per caller in flight, as a gateway's sender pool holds them. */
const callers = new Map<string, KeepAliveCallers>();

async function send(base: string, callback: Callback): Promise<void> {
  let pool = callers.get(base);
  if (!pool) callers.set(base, (pool = new KeepAliveCallers(base)));
  const response = await pool.request(callback.method, callback.path, callback.body, MOMO_CONTENT_TYPE);
  // VNPay: 200 {RspCode 00|02}; MoMo: 204 (or 200) once recorded or already confirmed.
  const text = response.body.toString('utf8');
  const ok = callback.method === 'GET' ? /"RspCode":"0[02]"/.test(text) : response.status < 300;
  if (!ok)
    throw new Error(`callback ${callback.method} ${callback.path.slice(0, 40)}: ${response.status} ${text}`);
}

/**
 * The baseline: the same callbacks, each checked by the same adapter code and stored by one INSERT
 * (a duplicate is absorbed by the primary key), answered in the gateway's format.
 */
async function startBaseline(
  pool: Pool,
  keys: SimulatorKeys,
): Promise<{ url: string; close(): Promise<void> }> {
  await pool.query('DROP TABLE IF EXISTS bench_callbacks');
  await pool.query(`CREATE TABLE bench_callbacks (gateway text NOT NULL, reference text NOT NULL, txn text NOT NULL,
    amount bigint NOT NULL, received_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (gateway, txn))`);
  const vnpay = new VnpayClient({
    tmn_code: keys.vnpay.tmn_code,
    hash_secret: keys.vnpay.hash_secret,
    pay_url: 'http://127.0.0.1/pay',
    api_url: 'http://127.0.0.1/api',
  });
  const momo = new MomoClient({
    partner_code: keys.momo.partner_code,
    access_key: keys.momo.access_key,
    secret_key: keys.momo.secret_key,
    api_base_url: 'http://127.0.0.1/momo',
    ipn_url: 'http://127.0.0.1/ipn',
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const adapter = url.pathname.endsWith('/vnpay/ipn') ? vnpay : momo;
      const callback: CallbackRequest = {
        method: request.method ?? 'GET',
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        rawBody: Buffer.concat(chunks),
      };
      const parsed = adapter.parseCallback(callback);
      const answer = (outcome: Parameters<typeof adapter.callbackReply>[0]) => {
        const reply = adapter.callbackReply(outcome);
        response.writeHead(reply.status, reply.headers).end(reply.body);
      };
      if (!parsed.ok) return answer(parsed.rejection.reason);
      const event = parsed.event;
      pool
        .query(
          'INSERT INTO bench_callbacks (gateway, reference, txn, amount) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [event.gateway, event.merchant_ref, event.gateway_txn_id, event.amount],
        )
        .then(
          (result) => answer(result.rowCount === 1 ? 'recorded' : 'already_confirmed'),
          () => answer('error'),
        );
    });
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'payhub-bench-payments-'));
  const hubData = mkdtempSync(join(tmpdir(), 'payhub-bench-hub-'));
  let postgres: RunningPostgres | null = null;
  let hub: ChildProcess | null = null;
  let receiver: WebhookReceiver | null = null;
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      // Durable, as the hub runs: fsync and synchronous commit stay on.
      postgres = await startEmbeddedPostgres({
        data_dir: scratch,
        durable: true,
        max_connections: 200,
        postgres_flags: PG_STATS
          ? [
              '-c',
              'shared_preload_libraries=pg_stat_statements',
              '-c',
              'pg_stat_statements.track=all',
              '-c',
              'pg_stat_statements.track_planning=on',
            ]
          : [],
      });
      adminUrl = postgres.url;
    }
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
    await ensureDatabase(adminUrl, DATABASE);
    const url = withDatabase(adminUrl, DATABASE);
    console.log(
      `payments bench: ${BILLS} bills (and ${WARMUP} for warm-up) across ${AGENCIES} agencies, VNPay and MoMo, ${CALLERS} concurrent callbacks, ` +
        `${Math.round(DUPLICATES * 100)}% duplicates`,
    );
    const started = await startHub(url, hubData);
    hub = started.child;
    const keys = JSON.parse(readFileSync(join(hubData, SIMULATOR_KEYS_FILE), 'utf8')) as SimulatorKeys;
    receiver = WEBHOOKS ? await startWebhookReceiver() : null;
    const created = await createPayments(started.url, WARMUP + BILLS, receiver?.url ?? null);
    const warmup = created.slice(0, WARMUP);
    const payments = created.slice(WARMUP);

    const pool = new Pool({ connectionString: url, max: 20 });
    // Statistics for the tables just filled, as autovacuum keeps them on a running hub: without them
    // the planner takes 20,000 fresh bills for a handful and scans them all to pay one.
    await pool.query('ANALYZE');
    const baselineServer = await startBaseline(pool, keys);
    const baselineCallbacks = callbacksOf(payments, keys, '/baseline');
    const local_postgres = postgres !== null;
    await phase('warm-up', callbacksOf(warmup, keys, '/baseline'), CALLERS, (cb) =>
      send(baselineServer.url, cb),
    );
    let cpuFrom = cpuSnapshot(started.child.pid);
    const baseline = await phase('baseline', baselineCallbacks, CALLERS, (cb) =>
      send(baselineServer.url, cb),
    );
    console.log(
      describeCpu(cpuUse(cpuFrom, cpuSnapshot(started.child.pid), BILLS), 'payment', { local_postgres }),
    );
    callers.get(baselineServer.url)?.close();
    await baselineServer.close();

    const pgStats = PG_STATS && postgres !== null;
    if (pgStats) {
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await pool.query(
        `SELECT pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal'),
                pg_stat_reset_shared('checkpointer')`,
      );
    }
    const hubCallbacks = callbacksOf(payments, keys, '/v1/gateways');
    await phase('warm-up', callbacksOf(warmup, keys, '/v1/gateways'), CALLERS, (cb) => send(started.url, cb));
    cpuFrom = cpuSnapshot(started.child.pid);
    const result = await phase('hub', hubCallbacks, CALLERS, (cb) => send(started.url, cb));
    console.log(
      describeCpu(cpuUse(cpuFrom, cpuSnapshot(started.child.pid), BILLS), 'payment', { local_postgres }),
    );

    const counts = (
      await pool.query<{ succeeded: number; receipts: number; posted: number; events: number }>(
        `SELECT (SELECT count(*)::int FROM payment_intents WHERE status = 'succeeded') AS succeeded,
           (SELECT count(*)::int FROM receipts) AS receipts,
           (SELECT count(*)::int FROM ledger_transfers WHERE code = 1) AS posted,
           (SELECT count(*)::int FROM events WHERE type = 'payment_intent.succeeded') AS events`,
      )
    ).rows[0]!;
    if (pgStats) await printPgStats(pool);
    await pool.end();
    // Every payment the run made, the warm-up's included.
    const lost = created.length - counts.succeeded;
    const double_posted =
      Math.max(0, counts.receipts - created.length) +
      Math.max(0, counts.posted - created.length) +
      Math.max(0, counts.events - created.length);
    const verify = await api<{ ok: boolean }>(started.url, 'GET', '/v1/ledger/verify', ADMIN_TOKEN);
    // Confirmations: the payments the hub applied, per second of the phase that applied them.
    const confirmations_per_s = Math.round(BILLS / result.seconds);
    const baseline_per_s = Math.round(BILLS / baseline.seconds);
    console.log(
      JSON.stringify({
        bench: 'payments',
        confirmations_per_s,
        baseline_per_s,
        ratio: Number((confirmations_per_s / baseline_per_s).toFixed(2)),
        p99_ms: result.p99_ms,
        lost,
        double_posted,
        verify: verify.ok ? 'ok' : 'failed',
      }),
    );
    if (receiver) console.log(`webhooks  ${receiver.received} deliveries received during the run`);
    if (lost !== 0 || double_posted !== 0 || !verify.ok) process.exitCode = 1;
  } finally {
    for (const open of callers.values()) open.close();
    if (hub && hub.exitCode === null) {
      const exited = new Promise((done) => hub!.once('exit', done));
      hub.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
    await postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(hubData, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
