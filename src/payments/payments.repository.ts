// The SQL of the gateway callbacks: the intent and its bill read and locked in the payment's transaction,
// their transitions, and the payments kept for review. Every query joins the caller's Db.transaction.
import { Injectable } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import { Db } from '../database/db';
import type { Statement } from '../database/script';
import type { PaymentIntentRow } from '../payment-intents/payment-intents.repository';

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
const BILL_COLUMNS = 'id, biller_id, reference, status, payer, lines';

/** An intent as stored with every column a PaymentIntentDto shows (its status as stored). */
export type LockedIntent = StoredIntent & Omit<PaymentIntentRow, keyof StoredIntent>;

/** One payment of a batch of confirmations (src/payments/payment-confirmations.ts). */
export interface ConfirmedPayment {
  intent_id: string;
  bill_id: string;
  gateway_txn_id: string;
  paid_at: Date;
  receipt_id: string;
}

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

  /**
   * The intents with these references and their bills, locked (each table in id order, as every
   * batch and the one-callback path lock them, so they queue rather than deadlock): two statements
   * sent with others (src/database/script.ts); rows as LockedIntent and StoredBill.
   */
  lockForConfirmationStatements(references: readonly string[]): [Statement, Statement] {
    return [
      {
        text: `SELECT ${INTENT_COLUMNS}, currency, next_action, return_url, failure_code, receipt_id, created_at,
                updated_at, expires_at
           FROM payment_intents WHERE reference = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        values: [[...references]],
        prepared: 'payhub_lock_confirmed_intents',
      },
      {
        text: `SELECT ${BILL_COLUMNS} FROM bills
                WHERE id IN (SELECT bill_id FROM payment_intents WHERE reference = ANY($1::text[]))
                ORDER BY id FOR UPDATE`,
        values: [[...references]],
        prepared: 'payhub_lock_confirmed_bills',
      },
    ];
  }

  /**
   * markSucceeded, markBillPaid and setReceipt for many payments, as two statements sent with others:
   * the bills (open ones only) and the intents. Each must change exactly payments.length rows.
   */
  confirmPaymentsStatements(payments: readonly ConfirmedPayment[]): [Statement, Statement] {
    return [
      {
        text: `UPDATE bills b SET status = 'paid', paid_at = v.paid_at
                 FROM unnest($1::text[], $2::timestamptz[]) AS v(id, paid_at)
                WHERE b.id = v.id AND b.status = 'open'`,
        values: [payments.map((p) => p.bill_id), payments.map((p) => p.paid_at)],
        prepared: 'payhub_pay_confirmed_bills',
      },
      {
        text: `UPDATE payment_intents p SET status = 'succeeded', gateway_txn_id = v.gateway_txn_id,
                      paid_at = v.paid_at, failure_code = NULL, next_action = NULL, receipt_id = v.receipt_id,
                      updated_at = clock_timestamp()
                 FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
                        AS v(id, gateway_txn_id, paid_at, receipt_id)
                WHERE p.id = v.id`,
        values: [
          payments.map((p) => p.intent_id),
          payments.map((p) => p.gateway_txn_id),
          payments.map((p) => p.paid_at),
          payments.map((p) => p.receipt_id),
        ],
        prepared: 'payhub_pay_confirmed_intents',
      },
    ];
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
