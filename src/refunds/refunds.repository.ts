// The only SQL of the refunds module: refunds, and the payment intent they refund read (and locked)
// in the refund's transaction. Every query goes through Db, so it joins the caller's transaction.
import { Injectable } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface RefundRow {
  id: string;
  biller_id: string;
  payment_intent_id: string;
  gateway: GatewayId;
  amount: bigint;
  currency: 'VND';
  reason: string;
  status: RefundStatus;
  gateway_refund_id: string | null;
  gateway_code: string | null;
  failure_code: string | null;
  idempotency_key_hash: Buffer | null;
  receipt_action: 'cancelled' | 'refund_receipt' | null;
  receipt_id: string | null;
  created_at: Date;
  updated_at: Date;
  succeeded_at: Date | null;
}

/** What a refund needs of the intent it refunds. */
export interface RefundableIntent {
  id: string;
  biller_id: string;
  bill_id: string;
  method: GatewayId;
  status: string;
  amount: bigint;
  reference: string;
  gateway_txn_id: string | null;
  receipt_id: string | null;
  created_at: Date;
}

export interface NewRefund {
  id: string;
  biller_id: string;
  payment_intent_id: string;
  gateway: GatewayId;
  amount: bigint;
  reason: string;
  idempotency_key_hash: Buffer | null;
}

const COLUMNS = `id, biller_id, payment_intent_id, gateway, amount, currency, reason, status,
  gateway_refund_id, gateway_code, failure_code, idempotency_key_hash, receipt_action, receipt_id,
  created_at, updated_at, succeeded_at`;
const INTENT_COLUMNS =
  'id, biller_id, bill_id, method, status, amount, reference, gateway_txn_id, receipt_id, created_at';

@Injectable()
export class RefundsRepository {
  constructor(private readonly db: Db) {}

  /** The biller's intent; `lock` holds its row until the transaction ends (refunds of it queue here). */
  async findIntent(biller_id: string, id: string, lock = false): Promise<RefundableIntent | null> {
    const found = await this.db.query<RefundableIntent>(
      `SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE id = $1 AND biller_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [id, biller_id],
    );
    return found.rows[0] ?? null;
  }

  /** What pending and succeeded refunds of the intent hold: the part no longer refundable. */
  async reservedAmount(payment_intent_id: string): Promise<bigint> {
    const found = await this.db.query<{ reserved: bigint }>(
      `SELECT COALESCE(sum(amount), 0)::bigint AS reserved FROM refunds
        WHERE payment_intent_id = $1 AND status IN ('pending', 'succeeded')`,
      [payment_intent_id],
    );
    return found.rows[0]!.reserved;
  }

  async insert(refund: NewRefund): Promise<RefundRow> {
    const inserted = await this.db.query<RefundRow>(
      `INSERT INTO refunds (id, biller_id, payment_intent_id, gateway, amount, reason, idempotency_key_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        refund.id,
        refund.biller_id,
        refund.payment_intent_id,
        refund.gateway,
        refund.amount,
        refund.reason,
        refund.idempotency_key_hash,
      ],
    );
    return inserted.rows[0]!;
  }

  /** Scoped to a biller unless biller_id is null (the sweep); `lock` for the transition that follows. */
  async find(id: string, biller_id: string | null, lock = false): Promise<RefundRow | null> {
    const found = await this.db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM refunds WHERE id = $1 AND ($2::text IS NULL OR biller_id = $2)${lock ? ' FOR UPDATE' : ''}`,
      [id, biller_id],
    );
    return found.rows[0] ?? null;
  }

  async findByIdempotencyKey(biller_id: string, key_hash: Buffer): Promise<RefundRow | null> {
    const found = await this.db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM refunds WHERE biller_id = $1 AND idempotency_key_hash = $2`,
      [biller_id, key_hash],
    );
    return found.rows[0] ?? null;
  }

  async list(
    filter: { biller_id: string; payment_intent_id: string | null },
    page: PageRequest,
  ): Promise<RefundRow[]> {
    const found = await this.db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM refunds
        WHERE biller_id = $1 AND ($2::text IS NULL OR payment_intent_id = $2) AND ($3::text IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [filter.biller_id, filter.payment_intent_id, page.starting_after, page.limit + 1],
    );
    return found.rows;
  }

  /** Pending refunds untouched for grace_ms: the request that made them has given up on an answer. */
  async listStalePending(grace_ms: number, limit: number): Promise<RefundRow[]> {
    const found = await this.db.query<RefundRow>(
      `SELECT ${COLUMNS} FROM refunds
        WHERE status = 'pending' AND updated_at <= clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY updated_at LIMIT $2`,
      [grace_ms, limit],
    );
    return found.rows;
  }

  /** The gateway's latest word on a refund still pending (its id and code), and the time of asking. */
  async notePending(
    id: string,
    gateway_refund_id: string | null,
    gateway_code: string | null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET gateway_refund_id = COALESCE($2, gateway_refund_id),
              gateway_code = COALESCE($3, gateway_code), updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'pending'`,
      [id, gateway_refund_id, gateway_code],
    );
  }

  async markSucceeded(
    id: string,
    gateway: { gateway_refund_id: string | null; gateway_code: string | null },
  ): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET status = 'succeeded', gateway_refund_id = COALESCE($2, gateway_refund_id),
              gateway_code = COALESCE($3, gateway_code), succeeded_at = clock_timestamp(),
              updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'pending'`,
      [id, gateway.gateway_refund_id, gateway.gateway_code],
    );
  }

  async markFailed(id: string, failure_code: string, gateway_code: string | null): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET status = 'failed', failure_code = $2, gateway_code = COALESCE($3, gateway_code),
              updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'pending'`,
      [id, failure_code, gateway_code],
    );
  }

  async setReceipt(id: string, action: 'cancelled' | 'refund_receipt', receipt_id: string): Promise<void> {
    await this.db.query(
      'UPDATE refunds SET receipt_action = $2, receipt_id = $3, updated_at = clock_timestamp() WHERE id = $1',
      [id, action, receipt_id],
    );
  }
}
