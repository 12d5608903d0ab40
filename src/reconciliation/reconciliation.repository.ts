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
      `SELECT * FROM reconciliation_exceptions
       WHERE ($1::text IS NULL OR run_id = $1) AND ($2::text IS NULL OR kind = $2)
         AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR id < $4)
       ORDER BY id DESC LIMIT $5`,
      [
        filter.run_id ?? null,
        filter.kind ?? null,
        filter.status ?? null,
        page.starting_after,
        page.limit + 1,
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
}
