// The import of one settlement file as ONE database transaction: the file streams through the gateway's
// parser into reconciliation_rows in large multi-row INSERTs (never held in memory), then set-based SQL
// matches every row and writes the exceptions, and the settlement is posted to the ledger. A bad line
// anywhere rolls all of it back. The same file again (same gateway, day and SHA-256) finds its first run
// and changes nothing. Plain code over Db and the ledger, so the benchmark drives it without Nest.
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { SettlementFileError, type GatewayId, type SettlementRow } from '../../adapters/contract';
import type { FeeRule } from '../../adapters/fees';
import type { PgLedger } from '../../ledger';
import { newId } from '../common/ids';
import type { Db } from '../database/db';
import { ACCOUNT_CODES, BANK_ACCOUNT, clearingAccount } from '../payments/payment-postings';
import { fileRefused, ReconciliationError } from './reconciliation.errors';
import {
  feeParameters,
  INSERT_MISSING_IN_GATEWAY_SQL,
  INSERT_ROW_EXCEPTIONS_SQL,
  RESOLVE_TIMING_DIFFERENCES_SQL,
  RUN_TOTALS_SQL,
  settlementTransfer,
  vietnamDay,
  type ExceptionKind,
} from './reconciliation.matcher';
import { RUN_COLUMNS, type RunRow } from './reconciliation.repository';

/** Rows per INSERT: large enough that round trips do not count, small enough to keep memory flat. */
export const STAGE_BATCH_ROWS = 5_000;
const POSTED = new Set(['created', 'exists']);

export interface ImportProgress {
  rows: number;
  bytes: number;
}

export interface ImportInput {
  gateway: GatewayId;
  /** `YYYY-MM-DD`, already checked. */
  settlement_date: string;
  /** The file's bytes, streamed. */
  source: AsyncIterable<string | Buffer>;
  /** The gateway adapter's parseSettlementFile. */
  parse: (stream: AsyncIterable<string | Buffer>) => AsyncIterable<SettlementRow>;
  /** The gateway's configured fee (src/gateways/fee-schedule.ts); undefined: no fee. */
  fee_rule: FeeRule | undefined;
  /** Called every batch with the rows and bytes read so far. */
  on_progress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  run: RunRow;
  /** false: this very file was imported before; `run` is that first run and nothing changed. */
  created: boolean;
  exceptions_by_kind: Partial<Record<ExceptionKind, number>>;
  /** Earlier runs' missing_in_gateway exceptions this file lists, resolved as timing differences. */
  timing_differences: number;
}

const STAGE_SQL = `
INSERT INTO reconciliation_rows
  (run_id, line, kind, merchant_ref, gateway_txn_id, refund_ref, amount, fee, status, transacted_at)
SELECT $1, line, kind, merchant_ref, gateway_txn_id, refund_ref, amount, fee, status,
       to_timestamp(at_ms / 1000.0)
FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
            $9::text[], $10::float8[])
  AS t(line, kind, merchant_ref, gateway_txn_id, refund_ref, amount, fee, status, at_ms)`;

/** One batch of rows as the column arrays STAGE_SQL unnests. */
class Batch {
  line: number[] = [];
  kind: string[] = [];
  merchant_ref: string[] = [];
  gateway_txn_id: string[] = [];
  refund_ref: (string | null)[] = [];
  amount: string[] = [];
  fee: string[] = [];
  status: string[] = [];
  at_ms: number[] = [];

  push(row: SettlementRow): void {
    this.line.push(row.line);
    this.kind.push(row.kind);
    this.merchant_ref.push(row.merchant_ref);
    this.gateway_txn_id.push(row.gateway_txn_id);
    this.refund_ref.push(row.refund_ref);
    this.amount.push(row.amount.toString());
    this.fee.push(row.fee.toString());
    this.status.push(row.status);
    this.at_ms.push(row.transacted_at.getTime());
  }

  get size(): number {
    return this.line.length;
  }

  values(run_id: string): unknown[] {
    return [
      run_id,
      this.line,
      this.kind,
      this.merchant_ref,
      this.gateway_txn_id,
      this.refund_ref,
      this.amount,
      this.fee,
      this.status,
      this.at_ms,
    ];
  }
}

const ZERO_HASH = Buffer.alloc(32);

/**
 * The transaction-scoped advisory lock of one gateway's import for one day: one import per gateway and
 * day at a time, across hub processes; a resolution that must see that day's run waits on it too.
 */
export const importLock = (gateway: string, settlement_date: string) =>
  `reconciliation:${gateway}:${settlement_date}`;

export class ReconciliationImporter {
  constructor(
    private readonly db: Db,
    private readonly ledger: PgLedger,
  ) {}

  async import(input: ImportInput): Promise<ImportResult> {
    await this.#ensureAccounts(input.gateway);
    const hash = createHash('sha256');
    const progress: ImportProgress = { rows: 0, bytes: 0 };
    // The bytes go through the hash on their way to the parser.
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of input.source) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        hash.update(bytes);
        progress.bytes += bytes.length;
        yield bytes;
      }
    }
    return this.db.transaction(async (client) => {
      // One import per gateway and day at a time, across hub processes.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        importLock(input.gateway, input.settlement_date),
      ]);
      const existing = await client.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE gateway = $1 AND settlement_date = $2`,
        [input.gateway, input.settlement_date],
      );
      if (existing.rows.length > 0) {
        for await (const chunk of hashed()) void chunk;
        const digest = hash.digest();
        const same = existing.rows.find((run) => run.file_sha256.equals(digest));
        if (same) return { run: same, created: false, exceptions_by_kind: {}, timing_differences: 0 };
        throw new ReconciliationError(
          'reconciliation_date_reconciled',
          `Another ${input.gateway} file for ${input.settlement_date} was reconciled already ` +
            `(${existing.rows[0]!.id}); a corrected file needs a person's review.`,
          'file',
        );
      }
      const run_id = newId('reconciliation_run');
      await client.query(
        `INSERT INTO reconciliation_runs
           (id, gateway, settlement_date, file_sha256, file_bytes, status, rows_total, payment_rows,
            refund_rows, matched, exceptions, amount_total, fee_total, payout)
         VALUES ($1, $2, $3, $4, 0, 'matched', 0, 0, 0, 0, 0, 0, 0, 0)`,
        [run_id, input.gateway, input.settlement_date, ZERO_HASH],
      );
      await this.#stage(client, run_id, input.parse(hashed()), progress, input.on_progress);
      const file_sha256 = hash.digest();
      await client.query("SELECT set_config('work_mem', '64MB', true)");
      // The rows are uncommitted, so autovacuum has not seen them: without this the planner thinks the
      // run has a handful of rows and picks a nested loop over a million.
      await client.query('ANALYZE reconciliation_rows');
      const exceptions_by_kind = await this.#match(client, run_id, input);
      const totals = (await client.query<TotalsRow>(RUN_TOTALS_SQL, [run_id])).rows[0]!;
      const matched = exceptions_by_kind.matched ?? 0;
      delete exceptions_by_kind.matched;
      const exceptions = Object.values(exceptions_by_kind).reduce((sum, n) => sum + (n ?? 0), 0);
      const transfer = settlementTransfer({
        run_id,
        gateway: input.gateway,
        settlement_date: input.settlement_date,
        payout: totals.payout,
      });
      if (transfer) {
        const [result] = await this.ledger.createTransfersIn(client, [transfer]);
        if (!result || !POSTED.has(result.result))
          throw new Error(`ledger refused the settlement ${transfer.id}: ${result?.result}`);
      }
      // What other days' runs found missing and this file lists: a timing difference, resolved now,
      // in this transaction (an operator who resolved one first keeps it: only open ones change).
      const timing = await client.query(RESOLVE_TIMING_DIFFERENCES_SQL, [
        run_id,
        input.gateway,
        transfer?.id ?? null,
        input.settlement_date,
      ]);
      const updated = await client.query<RunRow>(
        `UPDATE reconciliation_runs SET file_sha256 = $2, file_bytes = $3, rows_total = $4,
           payment_rows = $5, refund_rows = $6, matched = $7, exceptions = $8, amount_total = $9,
           fee_total = $10, payout = $11, settlement_transfer_id = $12
         WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
        [
          run_id,
          file_sha256,
          progress.bytes,
          totals.rows_total,
          totals.payment_rows,
          totals.refund_rows,
          matched,
          exceptions,
          totals.amount_total,
          totals.fee_total,
          totals.payout,
          transfer?.id ?? null,
        ],
      );
      return {
        run: updated.rows[0]!,
        created: true,
        exceptions_by_kind,
        timing_differences: timing.rowCount ?? 0,
      };
    });
  }

  /** Parses while the previous batch is written: at most one INSERT in flight, one batch being filled. */
  async #stage(
    client: PoolClient,
    run_id: string,
    rows: AsyncIterable<SettlementRow>,
    progress: ImportProgress,
    on_progress: ImportInput['on_progress'],
  ): Promise<void> {
    let batch = new Batch();
    let inFlight: Promise<unknown> | null = null;
    const flush = async () => {
      if (inFlight) await inFlight;
      const values = batch.values(run_id);
      progress.rows += batch.size;
      batch = new Batch();
      inFlight = client.query(STAGE_SQL, values);
      // Surfaced at the next await of inFlight; never an unhandled rejection meanwhile.
      inFlight.catch(() => undefined);
      on_progress?.({ ...progress });
    };
    try {
      for await (const row of rows) {
        batch.push(row);
        if (batch.size >= STAGE_BATCH_ROWS) await flush();
      }
      if (batch.size > 0) await flush();
      if (inFlight) await inFlight;
    } catch (error) {
      if (inFlight) await (inFlight as Promise<unknown>).catch(() => undefined);
      if (error instanceof SettlementFileError) throw fileRefused(error);
      throw error;
    }
  }

  async #match(
    client: PoolClient,
    run_id: string,
    input: ImportInput,
  ): Promise<Partial<Record<ExceptionKind | 'matched', number>>> {
    const counts: Partial<Record<ExceptionKind | 'matched', number>> = {};
    const fee = feeParameters(input.fee_rule);
    const rows = await client.query<{ kind: ExceptionKind | null; n: number }>(INSERT_ROW_EXCEPTIONS_SQL, [
      run_id,
      input.gateway,
      ...fee,
    ]);
    for (const { kind, n } of rows.rows) {
      if (n > 0) counts[kind ?? 'matched'] = (counts[kind ?? 'matched'] ?? 0) + n;
    }
    const day = vietnamDay(input.settlement_date);
    const missing = await client.query<{ n: number }>(INSERT_MISSING_IN_GATEWAY_SQL, [
      run_id,
      input.gateway,
      day.start,
      day.end,
      input.settlement_date,
    ]);
    const n = missing.rows[0]!.n;
    if (n > 0) counts.missing_in_gateway = n;
    if (counts.matched === undefined) counts.matched = 0;
    return counts;
  }

  async #ensureAccounts(gateway: GatewayId): Promise<void> {
    const results = await this.ledger.createAccounts([
      {
        id: clearingAccount(gateway),
        code: ACCOUNT_CODES.clearing,
        currency: 'VND',
        owner_ref: `gateway:${gateway}`,
      },
      { id: BANK_ACCOUNT, code: ACCOUNT_CODES.bank, currency: 'VND', owner_ref: 'hub:bank' },
    ]);
    // `exists_with_different_*`: the account is there (another module made it its own way); it will do.
    const failed = results.find(
      (result) => result.result !== 'created' && !result.result.startsWith('exists'),
    );
    if (failed) throw new Error(`ledger account ${failed.id}: ${failed.result}`);
  }
}

interface TotalsRow {
  rows_total: number;
  payment_rows: number;
  refund_rows: number;
  amount_total: bigint;
  fee_total: bigint;
  payout: bigint;
}
