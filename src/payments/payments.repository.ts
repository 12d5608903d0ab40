// The SQL of the gateway callbacks: the intent and its bill read and locked in the payment's transaction,
// their transitions, and the payments kept for review. Every query joins the caller's Db.transaction.
import { Injectable } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import { Db } from '../database/db';

/** An intent as stored (no expiry computed on read: a gateway's word outranks our clock). */
export interface StoredIntent {
  id: string;
  biller_id: string;
  bill_id: string;
  method: GatewayId;
  status: 'requires_action' | 'processing' | 'succeeded' | 'failed' | 'expired' | 'canceled';
  amount: bigint;
  reference: string;
  gateway_txn_id: string | null;
}

export interface StoredBill {
  id: string;
  biller_id: string;
  reference: string;
  status: 'open' | 'paid' | 'expired' | 'cancelled';
  payer: { name?: unknown; id_number?: unknown };
  lines: Array<{ name?: unknown; amount?: unknown }>;
}

export type ReviewReason =
  'amount_mismatch' | 'duplicate_payment' | 'bill_not_open' | 'gateway_pending' | 'unknown_reference';

export interface NewReview {
  gateway: GatewayId;
  reason: ReviewReason;
  reference: string;
  gateway_txn_id: string;
  payment_intent_id: string | null;
  bill_id: string | null;
  amount: bigint;
  expected_amount: bigint | null;
  transfer_id: string | null;
  gateway_code: string;
  raw: Readonly<Record<string, string>>;
}

export interface ReviewRow extends Omit<NewReview, 'raw'> {
  id: bigint;
  raw: Record<string, string>;
  resolved_at: Date | null;
  created_at: Date;
}

const INTENT_COLUMNS = 'id, biller_id, bill_id, method, status, amount, reference, gateway_txn_id';

@Injectable()
export class PaymentsRepository {
  constructor(private readonly db: Db) {}

  async findIntentByReference(reference: string, lock = false): Promise<StoredIntent | null> {
    const found = await this.db.query<StoredIntent>(
      `SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE reference = $1${lock ? ' FOR UPDATE' : ''}`,
      [reference],
    );
    return found.rows[0] ?? null;
  }

  async lockBill(id: string): Promise<StoredBill> {
    const found = await this.db.query<StoredBill>(
      'SELECT id, biller_id, reference, status, payer, lines FROM bills WHERE id = $1 FOR UPDATE',
      [id],
    );
    const bill = found.rows[0];
    if (!bill) throw new Error(`bill ${id} of a payment intent is missing`);
    return bill;
  }

  async markSucceeded(id: string, gateway_txn_id: string, paid_at: Date): Promise<void> {
    await this.db.query(
      `UPDATE payment_intents SET status = 'succeeded', gateway_txn_id = $2, paid_at = $3, failure_code = NULL,
         next_action = NULL, updated_at = clock_timestamp() WHERE id = $1`,
      [id, gateway_txn_id, paid_at],
    );
  }

  async setReceipt(id: string, receipt_id: string): Promise<void> {
    await this.db.query(
      'UPDATE payment_intents SET receipt_id = $2, updated_at = clock_timestamp() WHERE id = $1',
      [id, receipt_id],
    );
  }

  /** Money arrived for an intent that cannot pay its bill: held (processing) until a person decides. */
  async markHeld(id: string, gateway_txn_id: string, paid_at: Date): Promise<void> {
    await this.db.query(
      `UPDATE payment_intents SET status = 'processing', gateway_txn_id = $2, paid_at = $3,
         failure_code = NULL, updated_at = clock_timestamp() WHERE id = $1`,
      [id, gateway_txn_id, paid_at],
    );
  }

  /**
   * True when the intent moved to failed now (only an intent still waiting can fail: requires_action,
   * or processing with no gateway transaction, as the janitor leaves one the gateway did not settle).
   */
  async markFailed(id: string, failure_code: string): Promise<boolean> {
    const updated = await this.db.query(
      `UPDATE payment_intents SET status = 'failed', failure_code = $2, updated_at = clock_timestamp()
        WHERE id = $1
          AND (status = 'requires_action' OR (status = 'processing' AND gateway_txn_id IS NULL))`,
      [id, failure_code],
    );
    return updated.rowCount === 1;
  }

  async markBillPaid(id: string, paid_at: Date): Promise<void> {
    await this.db.query(`UPDATE bills SET status = 'paid', paid_at = $2 WHERE id = $1 AND status = 'open'`, [
      id,
      paid_at,
    ]);
  }

  /** Records a review once per (gateway, transaction, reference, reason); true when new. */
  async insertReview(review: NewReview): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO payment_reviews (gateway, reason, reference, gateway_txn_id, payment_intent_id, bill_id,
         amount, expected_amount, transfer_id, gateway_code, raw)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ON CONSTRAINT payment_reviews_once DO NOTHING`,
      [
        review.gateway,
        review.reason,
        review.reference,
        review.gateway_txn_id,
        review.payment_intent_id,
        review.bill_id,
        review.amount,
        review.expected_amount,
        review.transfer_id,
        review.gateway_code,
        JSON.stringify(review.raw),
      ],
    );
    return inserted.rowCount === 1;
  }

  async listOpenReviews(limit = 100): Promise<ReviewRow[]> {
    const found = await this.db.query<ReviewRow>(
      `SELECT id, gateway, reason, reference, gateway_txn_id, payment_intent_id, bill_id, amount,
              expected_amount, transfer_id, gateway_code, raw, resolved_at, created_at
         FROM payment_reviews WHERE resolved_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return found.rows;
  }
}
