// The only SQL of the payment intents module. Every read a biller makes is scoped by biller_id; the one
// unscoped read serves the public QR image, which the intent's unguessable id stands in for a key.
import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';

export const PAYMENT_INTENT_METHODS = ['vnpay', 'momo', 'zalopay', 'vietqr'] as const;
export type PaymentIntentMethod = (typeof PAYMENT_INTENT_METHODS)[number];

export const PAYMENT_INTENT_STATUSES = [
  'requires_action',
  'processing',
  'succeeded',
  'failed',
  'expired',
  'canceled',
] as const;
export type PaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];

/** The stored next action: the adapter's NextAction as JSON. */
export type StoredNextAction =
  { type: 'redirect' | 'deeplink'; url: string } | { type: 'vietqr'; payload: string };

export interface PaymentIntentRow {
  id: string;
  biller_id: string;
  bill_id: string;
  method: PaymentIntentMethod;
  /** As read: an intent still waiting for the payer past its expires_at reads 'expired'. */
  status: PaymentIntentStatus;
  amount: bigint;
  currency: 'VND';
  reference: string;
  gateway_txn_id: string | null;
  next_action: StoredNextAction | null;
  return_url: string;
  failure_code: string | null;
  receipt_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

export type NewPaymentIntentRow = Pick<
  PaymentIntentRow,
  'id' | 'biller_id' | 'bill_id' | 'method' | 'amount' | 'reference' | 'return_url'
> & {
  /** How long the payer has, counted from the row's own created_at (one clock: the database's). */
  ttl_ms: number;
  /** The bill's own expiry, when it has one: the attempt never outlives it. */
  not_after: Date | null;
};

export interface PaymentIntentFilters {
  bill_id: string | null;
  status: PaymentIntentStatus | null;
}

/** Expiry is computed on read, as for bills: every read agrees at every instant, without a sweep. */
const STATUS_SQL = `(CASE WHEN status = 'requires_action' AND expires_at <= clock_timestamp() THEN 'expired'
  ELSE status END)`;

const COLUMNS = `id, biller_id, bill_id, method, ${STATUS_SQL} AS status, amount, currency, reference,
  gateway_txn_id, next_action, return_url, failure_code, receipt_id, created_at, updated_at, expires_at`;

@Injectable()
export class PaymentIntentsRepository {
  constructor(private readonly db: Db) {}

  /** Records an attempt; null when its reference is taken (the caller draws another). */
  async insert(intent: NewPaymentIntentRow): Promise<PaymentIntentRow | null> {
    const inserted = await this.db.query<PaymentIntentRow>(
      `WITH clock AS (SELECT clock_timestamp() AS now)
       INSERT INTO payment_intents
              (id, biller_id, bill_id, method, amount, reference, return_url, created_at, updated_at, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, now, now, LEAST(now + $8 * interval '1 millisecond', $9)
         FROM clock
       ON CONFLICT (reference) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        intent.id,
        intent.biller_id,
        intent.bill_id,
        intent.method,
        intent.amount,
        intent.reference,
        intent.return_url,
        intent.ttl_ms,
        intent.not_after,
      ],
    );
    return inserted.rows[0] ?? null;
  }

  /**
   * insert, unless an attempt of the bill by this method still waits for the payer (requires_action,
   * not expired) with its link, or without one yet and younger than `pending_ms` (a hub process is
   * asking the gateway for it now): then that attempt's id. Under a transaction-scoped advisory lock on
   * (bill, method), so that two processes deciding at once decide one after the other.
   */
  async insertUnlessWaiting(
    intent: NewPaymentIntentRow,
    pending_ms: number,
  ): Promise<{ created: PaymentIntentRow | null } | { waiting: string }> {
    return this.db.transaction(async () => {
      await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `checkout:${intent.bill_id}:${intent.method}`,
      ]);
      const waiting = await this.db.query<{ id: string }>(
        `SELECT id FROM payment_intents
          WHERE bill_id = $1 AND method = $2 AND status = 'requires_action' AND expires_at > clock_timestamp()
            AND (next_action IS NOT NULL OR created_at > clock_timestamp() - $3 * interval '1 millisecond')
          ORDER BY created_at DESC LIMIT 1`,
        [intent.bill_id, intent.method, pending_ms],
      );
      if (waiting.rows[0]) return { waiting: waiting.rows[0].id };
      return { created: await this.insert(intent) };
    });
  }

  /** Stores the gateway's answer on an attempt still waiting for it. */
  async setNextAction(id: string, next_action: StoredNextAction): Promise<PaymentIntentRow> {
    const updated = await this.db.query<PaymentIntentRow>(
      `UPDATE payment_intents SET next_action = $2, updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'requires_action' RETURNING ${COLUMNS}`,
      [id, JSON.stringify(next_action)],
    );
    const row = updated.rows[0];
    if (!row) throw new Error(`payment intent ${id} changed while its gateway was asked`);
    return row;
  }

  async markFailed(id: string, failure_code: string): Promise<void> {
    await this.db.query(
      `UPDATE payment_intents SET status = 'failed', failure_code = $2, updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'requires_action'`,
      [id, failure_code],
    );
  }

  /** Forgets an attempt the adapter refused before calling its gateway: a refusal changes nothing. */
  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM payment_intents WHERE id = $1 AND status = 'requires_action'`, [id]);
  }

  async find(biller_id: string, id: string): Promise<PaymentIntentRow | null> {
    const found = await this.db.query<PaymentIntentRow>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE id = $1 AND biller_id = $2`,
      [id, biller_id],
    );
    return found.rows[0] ?? null;
  }

  /** Unscoped: for the payer's checkout page, which has the id but no credential. */
  async findForPayer(id: string): Promise<PaymentIntentRow | null> {
    const found = await this.db.query<PaymentIntentRow>(
      `SELECT ${COLUMNS} FROM payment_intents WHERE id = $1`,
      [id],
    );
    return found.rows[0] ?? null;
  }

  /** Newest first; one row more than the page, so the caller knows whether there is more. */
  async list(
    biller_id: string,
    filters: PaymentIntentFilters,
    page: PageRequest,
  ): Promise<PaymentIntentRow[]> {
    const found = await this.db.query<PaymentIntentRow>(
      `SELECT ${COLUMNS} FROM payment_intents
        WHERE biller_id = $1 AND ($2::text IS NULL OR id < $2)
          AND ($3::text IS NULL OR bill_id = $3) AND ($4::text IS NULL OR ${STATUS_SQL} = $4)
        ORDER BY id DESC LIMIT $5`,
      [biller_id, page.starting_after, filters.bill_id, filters.status, page.limit + 1],
    );
    return found.rows;
  }

  /** Cancels an attempt still waiting for the payer and not expired; null when there is none. */
  async cancel(biller_id: string, id: string): Promise<PaymentIntentRow | null> {
    const updated = await this.db.query<PaymentIntentRow>(
      `UPDATE payment_intents SET status = 'canceled', updated_at = clock_timestamp()
        WHERE id = $1 AND biller_id = $2 AND status = 'requires_action' AND expires_at > clock_timestamp()
        RETURNING ${COLUMNS}`,
      [id, biller_id],
    );
    return updated.rows[0] ?? null;
  }
}
