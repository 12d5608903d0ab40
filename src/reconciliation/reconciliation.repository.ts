// Reads of runs and exceptions, and the few writes after a run's import (the confirmations' outcome,
// the run's completion). The import itself lives in reconciliation.importer.ts.
import { Injectable } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';
import type { ExceptionKind } from './reconciliation.matcher';

export const RUN_COLUMNS = `id, gateway, to_char(settlement_date, 'YYYY-MM-DD') AS settlement_date, file_sha256,
  file_bytes, status, rows_total, payment_rows, refund_rows, matched, exceptions, amount_total, fee_total,
  payout, settlement_transfer_id, clearing_balance, created_at, completed_at`;

export interface RunRow {
  id: string;
  gateway: GatewayId;
  settlement_date: string;
  file_sha256: Buffer;
  file_bytes: bigint;
  status: 'matched' | 'completed';
  rows_total: number;
  payment_rows: number;
  refund_rows: number;
  matched: number;
  exceptions: number;
  amount_total: bigint;
  fee_total: bigint;
  payout: bigint;
  settlement_transfer_id: string | null;
  clearing_balance: bigint | null;
  created_at: Date;
  completed_at: Date | null;
}

export const EXCEPTION_STATUSES = ['open', 'resolved'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

export interface ExceptionRow {
  id: string;
  run_id: string;
  gateway: GatewayId;
  kind: ExceptionKind;
  status: ExceptionStatus;
  line: number | null;
  row_kind: 'payment' | 'refund';
  merchant_ref: string | null;
  gateway_txn_id: string | null;
  refund_ref: string | null;
  payment_intent_id: string | null;
  refund_id: string | null;
  file_amount: bigint | null;
  hub_amount: bigint | null;
  file_fee: bigint | null;
  expected_fee: bigint | null;
  file_status: string | null;
  hub_status: string | null;
  details: Record<string, unknown>;
  resolution: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  transfer_id: string | null;
  resolution_reason: string | null;
  transfer_ids: string[] | null;
  created_at: Date;
}

/** One row of an exception's audit trail (append-only, migrations/0013_reconciliation_audit.sql). */
export interface AuditRow {
  id: bigint;
  exception_id: string;
  action: string;
  resolution: string;
  reason: string;
  operator: string;
  transfer_ids: string[];
  amount: bigint;
  details: Record<string, unknown>;
  created_at: Date;
}

export interface ReportRow {
  id: string;
  settlement_date: string;
  trigger: 'cron' | 'manual';
  report: Record<string, unknown>;
  created_at: Date;
}

/** A missing_in_hub payment the hub has an intent for: what the gateway query needs. */
export interface UnconfirmedPayment {
  exception_id: string;
  gateway: GatewayId;
  line: number;
  gateway_txn_id: string;
  file_amount: bigint;
  intent_id: string;
  reference: string;
  intent_created_at: Date;
  intent_amount: bigint;
}

export interface ExceptionFilter {
  run_id?: string;
  kind?: ExceptionKind;
  status?: ExceptionStatus;
  gateway?: GatewayId;
  /** The settlement day of the exception's run, YYYY-MM-DD. */
  date?: string;
}

@Injectable()
export class ReconciliationRepository {
  constructor(private readonly db: Db) {}

  async findRun(id: string): Promise<RunRow | null> {
    const result = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = $1`,
      [id],
    );
    return result.rows[0] ?? null;
  }

  /** Newest first; LIMIT limit + 1 (toPage). */
  async listRuns(page: PageRequest, gateway: GatewayId | null): Promise<RunRow[]> {
    const result = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM reconciliation_runs
       WHERE ($1::text IS NULL OR gateway = $1) AND ($2::text IS NULL OR id < $2)
       ORDER BY id DESC LIMIT $3`,
      [gateway, page.starting_after, page.limit + 1],
    );
    return result.rows;
  }

  /** Newest first; LIMIT limit + 1 (toPage). */
  async listExceptions(page: PageRequest, filter: ExceptionFilter): Promise<ExceptionRow[]> {
    const result = await this.db.query<ExceptionRow>(
      `SELECT e.* FROM reconciliation_exceptions e
       WHERE ($1::text IS NULL OR e.run_id = $1) AND ($2::text IS NULL OR e.kind = $2)
         AND ($3::text IS NULL OR e.status = $3) AND ($4::text IS NULL OR e.id < $4)
         AND ($6::text IS NULL OR e.gateway = $6)
         AND ($7::date IS NULL OR e.run_id IN (SELECT r.id FROM reconciliation_runs r WHERE r.settlement_date = $7))
       ORDER BY e.id DESC LIMIT $5`,
      [
        filter.run_id ?? null,
        filter.kind ?? null,
        filter.status ?? null,
        page.starting_after,
        page.limit + 1,
        filter.gateway ?? null,
        filter.date ?? null,
      ],
    );
    return result.rows;
  }

  /** The run's open missing_in_hub payment rows whose reference names an intent of its gateway. */
  async unconfirmedPayments(run_id: string): Promise<UnconfirmedPayment[]> {
    const result = await this.db.query<UnconfirmedPayment>(
      `SELECT e.id AS exception_id, e.gateway, e.line, e.gateway_txn_id, e.file_amount,
              i.id AS intent_id, i.reference, i.created_at AS intent_created_at, i.amount AS intent_amount
       FROM reconciliation_exceptions e JOIN payment_intents i ON i.id = e.payment_intent_id
       WHERE e.run_id = $1 AND e.kind = 'missing_in_hub' AND e.status = 'open' AND e.row_kind = 'payment'
       ORDER BY e.line`,
      [run_id],
    );
    return result.rows;
  }

  /** What the gateway query said about a missing_in_hub row, and (when posted late) its resolution. */
  async recordConfirmation(
    exception_id: string,
    confirmation: Record<string, unknown>,
    resolution: { resolution: string; transfer_id: string | null } | null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE reconciliation_exceptions
       SET details = details || jsonb_build_object('confirmation', $2::jsonb),
           status = CASE WHEN $3::text IS NULL THEN status ELSE 'resolved' END,
           resolution = coalesce($3, resolution),
           resolved_at = CASE WHEN $3::text IS NULL THEN resolved_at ELSE clock_timestamp() END,
           resolved_by = CASE WHEN $3::text IS NULL THEN resolved_by ELSE 'reconciliation' END,
           transfer_id = coalesce($4, transfer_id)
       WHERE id = $1 AND status = 'open'`,
      [
        exception_id,
        JSON.stringify(confirmation),
        resolution?.resolution ?? null,
        resolution?.transfer_id ?? null,
      ],
    );
  }

  /** Where the money of a late-applied payment went: the intent (posted) or suspense (held). */
  async postingOf(
    intent_id: string,
    gateway: GatewayId,
    gateway_txn_id: string,
  ): Promise<{ resolution: string; transfer_id: string | null } | null> {
    const intent = await this.db.query<{ status: string; gateway_txn_id: string | null }>(
      'SELECT status, gateway_txn_id FROM payment_intents WHERE id = $1',
      [intent_id],
    );
    const row = intent.rows[0];
    if (row?.status === 'succeeded' && row.gateway_txn_id === gateway_txn_id)
      return { resolution: 'late_capture', transfer_id: `pay:${intent_id}` };
    const review = await this.db.query<{ transfer_id: string }>(
      `SELECT transfer_id FROM payment_reviews
       WHERE gateway = $1 AND gateway_txn_id = $2 AND transfer_id IS NOT NULL LIMIT 1`,
      [gateway, gateway_txn_id],
    );
    return review.rows[0]
      ? { resolution: 'held_in_suspense', transfer_id: review.rows[0].transfer_id }
      : null;
  }

  async complete(run_id: string, clearing_balance: bigint): Promise<RunRow> {
    const result = await this.db.query<RunRow>(
      `UPDATE reconciliation_runs
       SET status = 'completed', clearing_balance = $2, completed_at = coalesce(completed_at, clock_timestamp())
       WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
      [run_id, clearing_balance],
    );
    return result.rows[0]!;
  }

  /** The clearing account's posted balance on its normal (debit) side; 0 when it does not exist. */
  async clearingBalance(account_id: string): Promise<bigint> {
    const result = await this.db.query<{ balance: bigint }>(
      'SELECT debits_posted - credits_posted AS balance FROM ledger_accounts WHERE id = $1',
      [account_id],
    );
    return result.rows[0]?.balance ?? 0n;
  }

  async findException(id: string): Promise<ExceptionRow | null> {
    const result = await this.db.query<ExceptionRow>(
      'SELECT * FROM reconciliation_exceptions WHERE id = $1',
      [id],
    );
    return result.rows[0] ?? null;
  }

  /** The exception, its row locked until the caller's transaction ends (resolutions queue on it). */
  /**
   * The days of `dates` for which gateway's file has not been reconciled, after waiting for any import
   * of those days in progress (their import locks, taken in this transaction).
   */
  async unreconciledDays(gateway: string, dates: readonly string[], lockKey: (date: string) => string) {
    for (const date of dates)
      await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(date)]);
    const found = await this.db.query<{ day: string }>(
      `SELECT settlement_date::text AS day FROM reconciliation_runs
        WHERE gateway = $1 AND settlement_date = ANY($2::date[])`,
      [gateway, dates],
    );
    const reconciled = new Set(found.rows.map((row) => row.day));
    return dates.filter((date) => !reconciled.has(date));
  }

  /** An exception with its run's day, read without a lock. */
  async exceptionDay(
    id: string,
  ): Promise<{ kind: string; status: string; gateway: string; settlement_date: string } | null> {
    const result = await this.db.query<{
      kind: string;
      status: string;
      gateway: string;
      settlement_date: string;
    }>(
      `SELECT e.kind, e.status, e.gateway, r.settlement_date::text AS settlement_date
         FROM reconciliation_exceptions e JOIN reconciliation_runs r ON r.id = e.run_id WHERE e.id = $1`,
      [id],
    );
    return result.rows[0] ?? null;
  }

  async lockException(id: string): Promise<ExceptionRow | null> {
    const result = await this.db.query<ExceptionRow>(
      'SELECT * FROM reconciliation_exceptions WHERE id = $1 FOR UPDATE',
      [id],
    );
    return result.rows[0] ?? null;
  }

  async markResolved(
    id: string,
    resolution: { resolution: string; operator: string; reason: string; transfer_ids: string[] },
  ): Promise<ExceptionRow> {
    const result = await this.db.query<ExceptionRow>(
      `UPDATE reconciliation_exceptions
       SET status = 'resolved', resolution = $2, resolved_at = clock_timestamp(), resolved_by = $3,
           resolution_reason = $4, transfer_ids = $5::text[], transfer_id = $5[1]
       WHERE id = $1 AND status = 'open' RETURNING *`,
      [id, resolution.resolution, resolution.operator, resolution.reason, resolution.transfer_ids],
    );
    if (!result.rows[0]) throw new Error(`exception ${id} was not open`);
    return result.rows[0];
  }

  async insertAudit(row: Omit<AuditRow, 'id' | 'created_at'>): Promise<void> {
    await this.db.query(
      `INSERT INTO reconciliation_audit
         (exception_id, action, resolution, reason, operator, transfer_ids, amount, details)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8)`,
      [
        row.exception_id,
        row.action,
        row.resolution,
        row.reason,
        row.operator,
        row.transfer_ids,
        row.amount,
        JSON.stringify(row.details),
      ],
    );
  }

  async auditOf(exception_id: string): Promise<AuditRow[]> {
    const result = await this.db.query<AuditRow>(
      'SELECT * FROM reconciliation_audit WHERE exception_id = $1 ORDER BY id',
      [exception_id],
    );
    return result.rows;
  }

  async intentReference(intent_id: string): Promise<{ id: string; reference: string } | null> {
    const result = await this.db.query<{ id: string; reference: string }>(
      'SELECT id, reference FROM payment_intents WHERE id = $1',
      [intent_id],
    );
    return result.rows[0] ?? null;
  }

  async succeededRefundAmount(refund_id: string): Promise<bigint | null> {
    const result = await this.db.query<{ amount: bigint }>(
      `SELECT amount FROM refunds WHERE id = $1 AND status = 'succeeded'`,
      [refund_id],
    );
    return result.rows[0]?.amount ?? null;
  }

  /**
   * How the hub booked an intent paid with this transaction: its `pay:<intent>` transfer and its fee's
   * (null when the intent did not succeed with it), less any resolution that reversed them already.
   */
  async bookingOf(
    intent_id: string,
    gateway_txn_id: string,
  ): Promise<{
    biller_id: string;
    bill_id: string;
    amount: bigint;
    pay: { id: string; amount: bigint; credit_account_id: string } | null;
    fee: { id: string; amount: bigint; debit_account_id: string } | null;
  } | null> {
    const intent = await this.db.query<{
      biller_id: string;
      bill_id: string;
      amount: bigint;
      status: string;
      gateway_txn_id: string | null;
    }>('SELECT biller_id, bill_id, amount, status, gateway_txn_id FROM payment_intents WHERE id = $1', [
      intent_id,
    ]);
    const row = intent.rows[0];
    if (!row) return null;
    const base = { biller_id: row.biller_id, bill_id: row.bill_id, amount: row.amount };
    if (row.status !== 'succeeded' || row.gateway_txn_id !== gateway_txn_id)
      return { ...base, pay: null, fee: null };
    const transfers = await this.db.query<{
      id: string;
      amount: bigint;
      debit_account_id: string;
      credit_account_id: string;
    }>(
      `SELECT id, amount, debit_account_id, credit_account_id FROM ledger_transfers WHERE id = ANY($1::text[])`,
      [[`pay:${intent_id}`, `pay:${intent_id}:fee`]],
    );
    // A booking reversed by an earlier resolution (a refund of another exception) counts as none.
    const reversed = await this.db.query(
      `SELECT 1 FROM reconciliation_exceptions
       WHERE payment_intent_id = $1 AND resolution = 'refund' AND status = 'resolved' LIMIT 1`,
      [intent_id],
    );
    if (reversed.rows.length > 0) return { ...base, pay: null, fee: null };
    const pay = transfers.rows.find((transfer) => transfer.id === `pay:${intent_id}`) ?? null;
    const fee = transfers.rows.find((transfer) => transfer.id === `pay:${intent_id}:fee`) ?? null;
    return { ...base, pay, fee };
  }

  async insertReport(row: Omit<ReportRow, 'created_at'>): Promise<ReportRow> {
    const result = await this.db.query<ReportRow>(
      `INSERT INTO reconciliation_reports (id, settlement_date, trigger, report) VALUES ($1, $2, $3, $4)
       RETURNING id, to_char(settlement_date, 'YYYY-MM-DD') AS settlement_date, trigger, report, created_at`,
      [row.id, row.settlement_date, row.trigger, JSON.stringify(row.report)],
    );
    return result.rows[0]!;
  }

  /** Newest first; LIMIT limit + 1 (toPage). */
  async listReports(page: PageRequest, date: string | null): Promise<ReportRow[]> {
    const result = await this.db.query<ReportRow>(
      `SELECT id, to_char(settlement_date, 'YYYY-MM-DD') AS settlement_date, trigger, report, created_at
       FROM reconciliation_reports
       WHERE ($1::date IS NULL OR settlement_date = $1) AND ($2::text IS NULL OR id < $2)
       ORDER BY id DESC LIMIT $3`,
      [date, page.starting_after, page.limit + 1],
    );
    return result.rows;
  }
}
