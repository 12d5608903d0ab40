// The ledger stored in Postgres. Concurrent callers' transfers are coalesced into one database
// transaction (group commit, docs/adr/0002): the hot accounts' rows are locked and written once per
// batch instead of once per transfer, and each caller still gets its own results.
import type { Pool, PoolClient, QueryResult } from 'pg';
import { EXPIRY_ID_PREFIX, Engine, canonicalJson, metadataValid, type EngineState } from './engine';
import {
  ACCOUNT_COLUMNS,
  LEDGER_PG_TYPES,
  TRANSFER_COLUMNS,
  accountFromRow,
  balanceView,
  transferFromRow,
  type BalanceView,
} from './rows';
import {
  CURRENCY_PATTERN,
  ID_PATTERN,
  TRANSFER_FLAG,
  type Account,
  type AccountInput,
  type AccountResult,
  type AccountResultCode,
  type Balances,
  type Transfer,
  type TransferInput,
  type TransferResult,
} from './types';
import { verifyLedger, type VerifyReport } from './verify';
import { pendingIdsOutside, splitIntoLanes, type LanePart, type PendingAccounts } from './lanes';

/** Pending transfers whose accounts a ledger remembers for splitting batches into lanes. */
const PENDING_ACCOUNTS_CACHED_MAX = 10_000;

export interface PgLedgerOptions {
  /** Most transfers one database transaction carries. */
  batch_transfers_max?: number;
  /** Batches in flight at once from this process (each holds one connection). */
  batches_in_flight_max?: number;
  /** Times a batch is retried after a deadlock, serialization failure or a concurrent duplicate id. */
  retries_max?: number;
  /**
   * Transactions one batch is split into, by disjoint accounts (ledger/lanes.ts), so that a batch uses
   * more than one Postgres core. 1 turns the split off.
   */
  lanes_max?: number;
  /** A batch is split only into lanes of about this many transfers or more. */
  lane_transfers_min?: number;
}

interface Request {
  inputs: readonly TransferInput[];
  internal: boolean;
  resolve: (results: TransferResult[]) => void;
  reject: (error: unknown) => void;
}

const RETRYABLE_PG_CODES = new Set(['40P01', '40001', '23505']);

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code !== undefined && RETRYABLE_PG_CODES.has(code);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The new transfers and balances in one prepared statement. A duplicate id or a second resolution of
 * a pending transfer, inserted meanwhile by another process, fails the INSERT with a unique
 * violation: the transaction is then retried and sees that row. The accounts' CHECK constraints hold
 * the limits even if the engine were wrong.
 */
const WRITE_SQL = `WITH inserted AS (
    INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, flags,
      pending_id, timeout_seconds, expires_at, metadata, timestamp, dr_debits_pending, dr_debits_posted,
      dr_credits_pending, dr_credits_posted, cr_debits_pending, cr_debits_posted, cr_credits_pending,
      cr_credits_posted)
    SELECT t.id, t.dr, t.cr, t.amount, t.currency, t.code, t.flags, t.pending_id, t.timeout_seconds, t.expires_at,
      t.metadata, $12::timestamptz, t.h1, t.h2, t.h3, t.h4, t.h5, t.h6, t.h7, t.h8
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::int4[], $7::int2[],
      $8::text[], $9::int4[], $10::timestamptz[], $11::jsonb[], $13::int8[], $14::int8[],
      $15::int8[], $16::int8[], $17::int8[], $18::int8[], $19::int8[], $20::int8[])
      AS t(id, dr, cr, amount, currency, code, flags, pending_id, timeout_seconds, expires_at, metadata,
        h1, h2, h3, h4, h5, h6, h7, h8)
    RETURNING seq
  ), updated AS (
    UPDATE ledger_accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp,
      credits_posted = v.cpo
    FROM unnest($21::text[], $22::int8[], $23::int8[], $24::int8[], $25::int8[]) AS v(id, dp, dpo, cp, cpo)
    WHERE a.id = v.id
  )
  SELECT seq FROM inserted ORDER BY seq`;

/**
 * Postgres array literals built here rather than by the driver, which quotes and escapes every
 * element: ids, currencies, numbers and timestamps cannot hold a quote or a backslash (their
 * patterns), so only metadata needs escaping. Text elements are always quoted, so an id spelled
 * NULL stays an id.
 */
function quotedArray(values: ReadonlyArray<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    out += value === null ? 'NULL' : '"' + value + '"';
  }
  return out + '}';
}

function plainArray(values: ReadonlyArray<bigint | number>): string {
  return '{' + values.join(',') + '}';
}

function jsonArray(values: ReadonlyArray<Record<string, unknown> | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    out += value === null ? 'NULL' : '"' + JSON.stringify(value).replace(/[\\"]/g, '\\$&') + '"';
  }
  return out + '}';
}

function writeValues(engine: Engine, state: EngineState): unknown[] {
  const created = engine.created;
  const touched = [...engine.touched].map((id) => state.accounts.get(id)!);
  const after = (side: 'debit_account_after' | 'credit_account_after', field: keyof Balances) =>
    plainArray(created.map((t) => t[side][field]));
  return [
    quotedArray(created.map((t) => t.id)),
    quotedArray(created.map((t) => t.debit_account_id)),
    quotedArray(created.map((t) => t.credit_account_id)),
    plainArray(created.map((t) => t.amount)),
    quotedArray(created.map((t) => t.currency)),
    plainArray(created.map((t) => t.code)),
    plainArray(created.map((t) => t.flags)),
    quotedArray(created.map((t) => t.pending_id)),
    plainArray(created.map((t) => t.timeout_seconds)),
    quotedArray(created.map((t) => (t.expires_at ? t.expires_at.toISOString() : null))),
    jsonArray(created.map((t) => t.metadata)),
    // One batch, one moment: the engine stamps every transfer of a batch with the same time.
    created[0]!.timestamp.toISOString(),
    after('debit_account_after', 'debits_pending'),
    after('debit_account_after', 'debits_posted'),
    after('debit_account_after', 'credits_pending'),
    after('debit_account_after', 'credits_posted'),
    after('credit_account_after', 'debits_pending'),
    after('credit_account_after', 'debits_posted'),
    after('credit_account_after', 'credits_pending'),
    after('credit_account_after', 'credits_posted'),
    quotedArray(touched.map((a) => a.id)),
    plainArray(touched.map((a) => a.debits_pending)),
    plainArray(touched.map((a) => a.debits_posted)),
    plainArray(touched.map((a) => a.credits_pending)),
    plainArray(touched.map((a) => a.credits_posted)),
  ];
}

/** A string as a SQL literal; with a backslash, an E'' literal, which reads the same in every mode. */
function sqlLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** What the engine needs of an account, without the columns it never reads. */
const ENGINE_ACCOUNT_COLUMNS = `id, code, currency, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
  debits_pending, debits_posted, credits_pending, credits_posted`;

/**
 * The statements of a batch whose text never changes, prepared once per connection (SQL PREPARE, in a
 * round trip of their own) and run as `EXECUTE name(literals)` among others: Postgres parses them once
 * and, once a plan made without the values costs no more than one made for them (a batch's dozens of
 * accounts and transfers), plans them once per connection. Each finds its rows by primary key
 * whatever the values (test/ledger/prepared-plans.test.ts checks their generic plans). The names
 * begin `payhub_ledger_`, which the hub's own prepared statements (src/database/script.ts) never use.
 */
export const LEDGER_PREPARED = {
  payhub_ledger_write: WRITE_SQL,
  payhub_ledger_lock_accounts: `SELECT ${ENGINE_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
  payhub_ledger_known_transfers: `SELECT false AS resolution, ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::text[])`,
};
/** The connections (pg clients) that have prepared LEDGER_PREPARED; a prepared statement lasts as long as its session. */
const preparedOn = new WeakSet<object>();

/** Prepares LEDGER_PREPARED on this connection, once. PREPARE is not undone by a rollback. */
async function ensurePrepared(client: PoolClient): Promise<void> {
  if (preparedOn.has(client)) return;
  await client.query(
    Object.entries(LEDGER_PREPARED)
      .map(([name, text]) => `PREPARE ${name} AS ${text}`)
      .join(';\n'),
  );
  preparedOn.add(client);
}

/** A prepared statement's EXECUTE with its values written in as literals, to travel with others. */
function executeWith(name: keyof typeof LEDGER_PREPARED, values: readonly unknown[]): string {
  return `EXECUTE ${name}(${values.map((value) => sqlLiteral(String(value))).join(', ')})`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function engineAccountFromRow(row: Record<string, any>): Account {
  return {
    id: row.id,
    code: row.code,
    currency: row.currency,
    owner_ref: null,
    flags: {
      debits_must_not_exceed_credits: row.debits_must_not_exceed_credits,
      credits_must_not_exceed_debits: row.credits_must_not_exceed_debits,
    },
    metadata: null,
    debits_pending: row.debits_pending,
    debits_posted: row.debits_posted,
    credits_pending: row.credits_pending,
    credits_posted: row.credits_posted,
    created_at: EPOCH,
  };
}

const EPOCH = new Date(0);

interface TransactionFrame {
  open: string;
  close: string;
  abort: string;
}
/**
 * A batch touches a few hundred accounts at most: index look-ups, never a scan of every account,
 * whatever the planner's statistics say (a stale estimate made it hash-join the whole table).
 */
const OWN_TRANSACTION: TransactionFrame = {
  open: 'BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off',
  close: 'COMMIT',
  abort: 'ROLLBACK',
};
const SAVEPOINT: TransactionFrame = {
  open: 'SAVEPOINT ledger_transfers',
  close: 'RELEASE SAVEPOINT ledger_transfers',
  abort: 'ROLLBACK TO SAVEPOINT ledger_transfers',
};
/** Straight in the caller's transaction: a failure fails it (the caller runs it all again). */
const CALLERS_TRANSACTION: TransactionFrame = { open: '', close: '', abort: '' };

/** Ids that are safe to look up: the ledger's own pattern, or its expiry ids. */
function lookupId(id: unknown): id is string {
  return (
    typeof id === 'string' && (ID_PATTERN.test(id) || (id.startsWith(EXPIRY_ID_PREFIX) && id.length <= 160))
  );
}

export interface StatementEntry {
  transfer: Transfer;
  side: 'debit' | 'credit';
  /** The account's balances right after this transfer. */
  balances_after: Balances;
  /** Posted balance on the account's normal side right after this transfer. */
  running_balance: bigint;
}

export interface StatementPage {
  account_id: string;
  entries: StatementEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  next_cursor: string | null;
}

export class PgLedger {
  private readonly queue: Request[] = [];
  private inFlight = 0;
  private pumpScheduled = false;
  private readonly batchTransfersMax: number;
  private readonly inFlightMax: number;
  private readonly retriesMax: number;
  private readonly lanesMax: number;
  private readonly laneTransfersMin: number;
  private readonly pendingAccounts = new Map<string, readonly [string, string]>();
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: Pool,
    options: PgLedgerOptions = {},
  ) {
    this.batchTransfersMax = options.batch_transfers_max ?? 2000;
    this.inFlightMax = options.batches_in_flight_max ?? 2;
    this.retriesMax = options.retries_max ?? 50;
    this.lanesMax = options.lanes_max ?? 2;
    this.laneTransfersMin = options.lane_transfers_min ?? 32;
  }

  // ---- writes ------------------------------------------------------------------------------------

  /**
   * Creates transfers (normal, pending, post, void; linked chains all-or-nothing) and answers one
   * result per transfer, in order. Business failures are results; only I/O and bugs throw.
   */
  createTransfers(inputs: readonly TransferInput[]): Promise<TransferResult[]> {
    return this.submit(inputs, false);
  }

  /**
   * The same as createTransfers, inside a transaction the caller holds (BEGIN already sent), so that
   * ledger postings commit or roll back with the caller's own rows. Runs in a savepoint, retried on a
   * concurrent duplicate; no group commit. The caller's transaction must be READ COMMITTED (the
   * default): a retry needs a fresh snapshot to see what another process committed.
   * `savepoint: false`: no savepoint and so no retry here (one round trip less, for a caller that
   * counts them): a deadlock or a concurrent duplicate throws, and the caller's transaction is then
   * aborted, to be run again whole.
   */
  async createTransfersIn(
    client: PoolClient,
    inputs: readonly TransferInput[],
    options: { savepoint?: boolean } = {},
  ): Promise<TransferResult[]> {
    const frame = options.savepoint === false ? CALLERS_TRANSACTION : SAVEPOINT;
    const [results] = await this.transact(client, [{ inputs, internal: false }], frame);
    return results!;
  }

  /**
   * createTransfersIn in two halves, for a caller that counts its round trips (the hub's batched
   * payment confirmations): the accounts are locked and read in one round trip that also runs
   * `alongside` (the caller's own statements, as SQL text, after the ledger's; their results come
   * back in order), the engine decides, and the write comes back as one SQL statement (`write`, null
   * when nothing is created) for the caller to send, in this transaction, before it commits: with its
   * own statements and the COMMIT in one round trip. The write answers one row per transfer created
   * (`write.rows`). No savepoint: any failure fails the caller's transaction.
   */
  async decideTransfersIn(
    client: PoolClient,
    inputs: readonly TransferInput[],
    alongside: readonly string[] = [],
  ): Promise<{
    results: TransferResult[];
    alongside: QueryResult[];
    write: { text: string; rows: number } | null;
  }> {
    const decided = await this.decide(client, [{ inputs, internal: false }], CALLERS_TRANSACTION, alongside);
    const created = decided.engine.created.length;
    return {
      results: decided.results[0]!,
      alongside: decided.alongside,
      write:
        created === 0
          ? null
          : {
              text: executeWith('payhub_ledger_write', writeValues(decided.engine, decided.state)),
              rows: created,
            },
    };
  }

  /** A correction is a new transfer: this one moves (part of) a posted transfer's amount back. */
  async reverse(
    originalId: string,
    reversal: { id: string; amount?: bigint; code?: number; metadata?: Record<string, unknown> },
  ): Promise<TransferResult> {
    const [original] = await this.lookupTransfers([originalId]);
    if (!original) return { index: 0, id: reversal.id, result: 'pending_transfer_not_found' };
    const [result] = await this.createTransfers([
      {
        id: reversal.id,
        debit_account_id: original.credit_account_id,
        credit_account_id: original.debit_account_id,
        amount: reversal.amount ?? original.amount,
        currency: original.currency,
        code: reversal.code ?? original.code,
        metadata: { ...(reversal.metadata ?? {}), reversal_of: original.id },
      },
    ]);
    return result!;
  }

  /** Releases the reservations of pending transfers past their timeout; answers how many expired. */
  async expirePendingTransfers(limit = 1000): Promise<number> {
    const due = await this.pool.query<{ id: string }>(
      `SELECT p.id FROM ledger_transfers p
        WHERE p.expires_at IS NOT NULL AND p.expires_at <= clock_timestamp()
          AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
        ORDER BY p.expires_at LIMIT $1`,
      [limit],
    );
    if (due.rows.length === 0) return 0;
    const results = await this.submit(
      due.rows.map((row) => ({
        id: EXPIRY_ID_PREFIX + row.id,
        pending_id: row.id,
        flags: { void_pending_transfer: true },
      })),
      true,
    );
    return results.filter((r) => r.result === 'created').length;
  }

  async createAccounts(inputs: readonly AccountInput[]): Promise<AccountResult[]> {
    const results: AccountResult[] = [];
    const client = await this.pool.connect();
    try {
      for (let index = 0; index < inputs.length; index++) {
        results.push({
          index,
          id: inputs[index]!.id,
          result: await this.createAccount(client, inputs[index]!),
        });
      }
    } finally {
      client.release();
    }
    return results;
  }

  private async createAccount(client: PoolClient, input: AccountInput): Promise<AccountResultCode> {
    if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id)) return 'id_invalid';
    if (!Number.isInteger(input.code) || input.code < 1 || input.code > 9999) return 'code_invalid';
    if (typeof input.currency !== 'string' || !CURRENCY_PATTERN.test(input.currency))
      return 'currency_invalid';
    const dmnec = input.flags?.debits_must_not_exceed_credits === true;
    const cmned = input.flags?.credits_must_not_exceed_debits === true;
    if (dmnec && cmned) return 'flags_are_mutually_exclusive';
    const owner = input.owner_ref ?? null;
    if (owner !== null && (typeof owner !== 'string' || owner.length > 200)) return 'owner_ref_invalid';
    if (!metadataValid(input.metadata)) return 'metadata_invalid';
    const inserted = await client.query(
      `INSERT INTO ledger_accounts (id, code, currency, owner_ref, debits_must_not_exceed_credits,
         credits_must_not_exceed_debits, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (id) DO NOTHING`,
      [input.id, input.code, input.currency, owner, dmnec, cmned, JSON.stringify(input.metadata ?? null)],
    );
    if (inserted.rowCount === 1) return 'created';
    const [existing] = await this.lookupAccounts([input.id], client);
    if (!existing) throw new Error(`ledger account ${input.id} conflicted but cannot be read`);
    if (existing.code !== input.code) return 'exists_with_different_code';
    if (existing.currency !== input.currency) return 'exists_with_different_currency';
    if (
      existing.flags.debits_must_not_exceed_credits !== dmnec ||
      existing.flags.credits_must_not_exceed_debits !== cmned
    )
      return 'exists_with_different_flags';
    if (existing.owner_ref !== owner) return 'exists_with_different_owner_ref';
    if (canonicalJson(existing.metadata) !== canonicalJson(input.metadata ?? null))
      return 'exists_with_different_metadata';
    return 'exists';
  }

  // ---- group commit ------------------------------------------------------------------------------

  private submit(inputs: readonly TransferInput[], internal: boolean): Promise<TransferResult[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, internal, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Batches start on the next turn of the event loop, not at the first submission: callers woken by
   * the batch that just committed resubmit within the same turn, and then travel together.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.inFlightMax && this.queue.length > 0) {
      const batch: Request[] = [];
      let size = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (batch.length > 0 && size + next.inputs.length > this.batchTransfersMax) break;
        batch.push(this.queue.shift()!);
        size += next.inputs.length;
      }
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.queue.length === 0) {
          for (const wake of this.idle.splice(0)) wake();
        }
        this.schedulePump();
      });
    }
  }

  /**
   * The accounts of pending transfers a batch posts or voids without creating them, for the split into
   * lanes. A transfer's accounts never change, so answers are kept (a bounded cache); an id not found
   * (yet) stays unknown and keeps the batch whole.
   */
  private async pendingAccountsOf(batch: Request[]): Promise<PendingAccounts> {
    const missing = [...pendingIdsOutside(batch)].filter(
      (id) => lookupId(id) && !this.pendingAccounts.has(id),
    );
    if (missing.length > 0) {
      const found = await this.pool.query({
        text: 'SELECT id, debit_account_id, credit_account_id FROM ledger_transfers WHERE id = ANY($1::text[])',
        values: [missing],
      });
      if (this.pendingAccounts.size + found.rows.length > PENDING_ACCOUNTS_CACHED_MAX)
        this.pendingAccounts.clear();
      for (const row of found.rows)
        this.pendingAccounts.set(row.id, [row.debit_account_id, row.credit_account_id]);
    }
    return (id) => this.pendingAccounts.get(id);
  }

  private async runBatch(batch: Request[]): Promise<void> {
    let pendingAccounts: PendingAccounts = () => undefined;
    let units = 0;
    for (const request of batch) units += request.inputs.length;
    if (this.lanesMax > 1 && units >= 2 * this.laneTransfersMin) {
      try {
        pendingAccounts = await this.pendingAccountsOf(batch);
      } catch {
        // Only the split needs it: without the answer the batch runs whole, as it always can.
      }
    }
    const lanes = splitIntoLanes(batch, this.lanesMax, this.laneTransfersMin, pendingAccounts);
    if (lanes.length === 1) {
      await this.runRequests(batch);
      return;
    }
    // Each lane in its own transaction, at the same time; a request's results are put back together
    // from the lanes that carry its transfers, at their original positions.
    const results = batch.map((request) => new Array<TransferResult>(request.inputs.length));
    const failures = new Map<number, unknown>();
    await Promise.all(
      lanes.map(async (lane) => {
        const parts = lane.map((part) => ({
          part,
          inputs: part.positions.map((position) => batch[part.request]!.inputs[position]!),
          internal: batch[part.request]!.internal,
        }));
        const place = (part: LanePart, partResults: TransferResult[]) =>
          part.positions.forEach((position, i) => {
            results[part.request]![position] = { ...partResults[i]!, index: position };
          });
        try {
          const laneResults = await this.withClient((client) =>
            this.transact(client, parts, OWN_TRANSACTION),
          );
          parts.forEach(({ part }, i) => place(part, laneResults[i]!));
        } catch {
          // As for a whole batch: one caller's failure must not fail the others'.
          for (const { part, inputs, internal } of parts) {
            try {
              const [partResults] = await this.withClient((client) =>
                this.transact(client, [{ inputs, internal }], OWN_TRANSACTION),
              );
              place(part, partResults!);
            } catch (error) {
              failures.set(part.request, error);
            }
          }
        }
      }),
    );
    batch.forEach((request, i) => {
      if (failures.has(i)) request.reject(failures.get(i));
      else request.resolve(results[i]!);
    });
  }

  private async runRequests(batch: Request[]): Promise<void> {
    try {
      const results = await this.withClient((client) => this.transact(client, batch, OWN_TRANSACTION));
      batch.forEach((request, i) => request.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One caller's request must not fail the others': run each on its own to isolate the error.
      for (const request of batch) {
        try {
          const [results] = await this.withClient((client) =>
            this.transact(client, [request], OWN_TRANSACTION),
          );
          request.resolve(results!);
        } catch (single) {
          request.reject(single);
        }
      }
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = (error as { broken?: boolean }).broken === true;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * One batch in one transaction (or savepoint), retried on a deadlock or a concurrent duplicate.
   * Two round trips: [open; lock the accounts in id order; read the transfers named] then, after the
   * engine has decided, [insert the new transfers; write the balances; close].
   */
  private async transact(
    client: PoolClient,
    requests: ReadonlyArray<Pick<Request, 'inputs' | 'internal'>>,
    frame: TransactionFrame,
  ): Promise<TransferResult[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.executeBatch(client, requests, frame);
      } catch (error) {
        if (frame.abort === '') throw error;
        try {
          await client.query(frame.abort);
        } catch {
          Object.assign(error as object, { broken: true });
          throw error;
        }
        if (!isRetryable(error) || attempt >= this.retriesMax) throw error;
      }
      await pause(Math.min(50, 2 ** attempt) * Math.random());
    }
  }

  private async executeBatch(
    client: PoolClient,
    requests: ReadonlyArray<Pick<Request, 'inputs' | 'internal'>>,
    frame: TransactionFrame,
  ): Promise<TransferResult[][]> {
    const { results, engine, state } = await this.decide(client, requests, frame, []);
    if (engine.created.length === 0) {
      if (frame.close !== '') await client.query(frame.close);
      return results;
    }
    const written = await client.query({
      name: 'ledger_write',
      text: WRITE_SQL,
      values: writeValues(engine, state),
      types: LEDGER_PG_TYPES,
    });
    if (written.rows.length !== engine.created.length)
      throw new Error('ledger bug: not every transfer was inserted');
    for (let i = 0; i < engine.created.length; i++) engine.created[i]!.seq = written.rows[i].seq;
    if (frame.close !== '') await client.query(frame.close);
    return results;
  }

  /**
   * The first round trip of a batch: [open; lock the accounts in id order; read the transfers named;
   * the clock; then `alongside`, the caller's own statements], and the engine's decisions.
   */
  private async decide(
    client: PoolClient,
    requests: ReadonlyArray<Pick<Request, 'inputs' | 'internal'>>,
    frame: TransactionFrame,
    alongside: readonly string[],
  ): Promise<{ results: TransferResult[][]; engine: Engine; state: EngineState; alongside: QueryResult[] }> {
    // Only well-formed ids are looked up (the engine rejects the others before it needs them), so
    // every id can travel as an escaped literal and the whole read is one round trip.
    const transferIds = new Set<string>();
    const pendingIds = new Set<string>();
    const accountIds = new Set<string>();
    for (const request of requests) {
      for (const input of request.inputs) {
        if (lookupId(input.id)) transferIds.add(input.id);
        if (lookupId(input.pending_id)) pendingIds.add(input.pending_id);
        if (lookupId(input.debit_account_id)) accountIds.add(input.debit_account_id);
        if (lookupId(input.credit_account_id)) accountIds.add(input.credit_account_id);
      }
    }
    // One array literal per list: cheaper to parse than a long IN list. lookupId admits only ids
    // without quotes or backslashes; escapeLiteral guards the SQL string all the same.
    const lit = (ids: Iterable<string>) => `${client.escapeLiteral(quotedArray([...ids]))}::text[]`;
    // A pending transfer's accounts are locked with the others: a post or void moves their balances.
    const pendingAccounts =
      pendingIds.size === 0
        ? ''
        : ` OR id IN (SELECT debit_account_id FROM ledger_transfers WHERE id = ANY(${lit(pendingIds)}))` +
          ` OR id IN (SELECT credit_account_id FROM ledger_transfers WHERE id = ANY(${lit(pendingIds)}))`;
    // Separate statements on purpose: under READ COMMITTED each takes its snapshot after the one
    // before it, so the transfers are read after the account locks are held. Without pending
    // transfers (every payment) both are prepared statements.
    await ensurePrepared(client);
    const reads =
      pendingIds.size === 0
        ? `EXECUTE payhub_ledger_lock_accounts(${lit(accountIds)});` +
          `EXECUTE payhub_ledger_known_transfers(${lit(transferIds)});`
        : `SELECT ${ENGINE_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY(${lit(accountIds)})${pendingAccounts} ORDER BY id FOR UPDATE;` +
          `SELECT false AS resolution, ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY(${lit([...transferIds, ...pendingIds])})` +
          ` UNION ALL SELECT true, ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE pending_id = ANY(${lit(pendingIds)});`;
    const loaded = (await client.query({
      text:
        (frame.open === '' ? '' : `${frame.open};`) +
        reads +
        'SELECT clock_timestamp() AS now' +
        alongside.map((statement) => `;\n${statement}`).join(''),
      types: LEDGER_PG_TYPES,
    })) as unknown as QueryResult[];
    const opened = frame.open === '' ? 0 : frame.open.split(';').length;
    const [locked, known, clock] = loaded.slice(opened, opened + 3) as [
      QueryResult,
      QueryResult,
      QueryResult,
    ];
    const state: EngineState = { accounts: new Map(), transfers: new Map(), resolutions: new Map() };
    for (const row of locked.rows) state.accounts.set(row.id, engineAccountFromRow(row));
    for (const row of known.rows) {
      const transfer = transferFromRow(row);
      state.transfers.set(transfer.id, transfer);
      if (row.resolution) state.resolutions.set(transfer.pending_id!, transfer);
    }
    // A pending transfer committed by another process between our lock and our read: its accounts
    // were not in the lock statement's snapshot, so they are not locked. Run the batch again.
    for (const pendingId of pendingIds) {
      const pending = state.transfers.get(pendingId);
      if (
        pending &&
        !(state.accounts.has(pending.debit_account_id) && state.accounts.has(pending.credit_account_id))
      )
        throw Object.assign(new Error(`accounts of pending transfer ${pendingId} appeared after the lock`), {
          code: '40001',
        });
    }
    const engine = new Engine(state, clock.rows[0].now as Date);
    const results = requests.map((request) => engine.apply(request.inputs, { internal: request.internal }));
    return { results, engine, state, alongside: loaded.slice(opened + 3) };
  }

  /** Waits until every submitted batch has finished (for shutdown). */
  async drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  // ---- reads -------------------------------------------------------------------------------------

  async lookupAccounts(ids: readonly string[], client?: PoolClient): Promise<Account[]> {
    const result = await (client ?? this.pool).query({
      text: `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::text[]) ORDER BY id`,
      values: [ids],
      types: LEDGER_PG_TYPES,
    });
    return result.rows.map(accountFromRow);
  }

  async lookupTransfers(ids: readonly string[]): Promise<Transfer[]> {
    const result = await this.pool.query({
      text: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::text[]) ORDER BY seq`,
      values: [ids],
      types: LEDGER_PG_TYPES,
    });
    return result.rows.map(transferFromRow);
  }

  /** Posted, pending and available balance of one account, or null when there is no such account. */
  async balance(accountId: string): Promise<BalanceView | null> {
    const [account] = await this.lookupAccounts([accountId]);
    return account ? balanceView(account, account) : null;
  }

  /** The account's balances right after the last transfer at or before `at` (zero before any). */
  async balanceAt(accountId: string, at: Date): Promise<BalanceView | null> {
    const [account] = await this.lookupAccounts([accountId]);
    if (!account) return null;
    const result = await this.pool.query({
      text: `SELECT * FROM (
               (SELECT seq, dr_debits_pending AS dp, dr_debits_posted AS dpo, dr_credits_pending AS cp,
                       dr_credits_posted AS cpo
                  FROM ledger_transfers WHERE debit_account_id = $1 AND timestamp <= $2 ORDER BY seq DESC LIMIT 1)
               UNION ALL
               (SELECT seq, cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted
                  FROM ledger_transfers WHERE credit_account_id = $1 AND timestamp <= $2 ORDER BY seq DESC LIMIT 1)
             ) last ORDER BY seq DESC LIMIT 1`,
      values: [accountId, at.toISOString()],
      types: LEDGER_PG_TYPES,
    });
    const row = result.rows[0];
    const zero = { debits_pending: 0n, debits_posted: 0n, credits_pending: 0n, credits_posted: 0n };
    return balanceView(
      account,
      row
        ? { debits_pending: row.dp, debits_posted: row.dpo, credits_pending: row.cp, credits_posted: row.cpo }
        : zero,
    );
  }

  /** The account's transfers in the order they were applied, with the running balance, a page at a time. */
  async statement(
    accountId: string,
    page: { after?: string | null; limit?: number } = {},
  ): Promise<StatementPage | null> {
    const [account] = await this.lookupAccounts([accountId]);
    if (!account) return null;
    const limit = Math.max(1, Math.min(page.limit ?? 100, 1000));
    const after = page.after && /^\d{1,19}$/.test(page.after) ? page.after : '0';
    const result = await this.pool.query({
      text: `SELECT ${TRANSFER_COLUMNS} FROM (
               (SELECT * FROM ledger_transfers WHERE debit_account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3)
               UNION ALL
               (SELECT * FROM ledger_transfers WHERE credit_account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3)
             ) page ORDER BY seq LIMIT $3`,
      values: [accountId, after, limit + 1],
      types: LEDGER_PG_TYPES,
    });
    const rows = result.rows.slice(0, limit);
    const entries = rows.map((row): StatementEntry => {
      const transfer = transferFromRow(row);
      const side = transfer.debit_account_id === accountId ? 'debit' : 'credit';
      const balances_after = side === 'debit' ? transfer.debit_account_after : transfer.credit_account_after;
      return { transfer, side, balances_after, running_balance: balanceView(account, balances_after).posted };
    });
    const last = entries[entries.length - 1];
    return {
      account_id: accountId,
      entries,
      next_cursor: result.rows.length > limit && last ? last.transfer.seq.toString() : null,
    };
  }

  /** Recomputes every balance from the transfers and checks every invariant (docs/ledger.md). */
  verify(): Promise<VerifyReport> {
    return verifyLedger(this.pool);
  }
}

export { TRANSFER_FLAG };
