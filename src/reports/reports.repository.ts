// The only SQL of the reports module. A statement reads everything in one REPEATABLE READ, READ ONLY
// transaction on a connection of its own (`openSnapshot`), so its entries, its totals and the ledger
// figure they are compared with all see the same moment, however long the download takes. Entries are
// read a page at a time by key (ids sort by creation), never a whole year at once.
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { idLowerBound } from '../common/ids';
import { PG_POOL } from '../database/database.module';
import { payableAccount } from '../payments/payment-postings';
import type {
  AdjustmentEntry,
  LedgerMovement,
  PaymentEntry,
  PayoutEntry,
  RefundEntry,
  StatementPeriod,
} from './statement';

const DAY_MS = 86_400_000;
/**
 * A receipt's id is made in the same transaction that posts its payment, so its time and the ledger's
 * differ by far less than a day: the id range [start − 1 day, end + 1 day) holds every receipt booked
 * in the period, and the index on (biller_id, id) reads only that range.
 */
const ID_MARGIN_MS = DAY_MS;

export interface Snapshot {
  client: PoolClient;
  close(): Promise<void>;
}

interface PaymentRow {
  id: string;
  number: bigint;
  template_symbol: string;
  series_symbol: string;
  status: 'issued' | 'cancelled';
  payer_name: string;
  lines: Array<{ fee_name: string; amount: string }>;
  amount: bigint;
  payment_method: string;
  gateway_transaction_id: string | null;
  payment_intent_id: string | null;
  paid_at: Date;
  booked_at: Date;
  fee: bigint | null;
}

interface RefundRow {
  id: string;
  payment_intent_id: string;
  amount: bigint;
  gateway: string;
  gateway_refund_id: string | null;
  receipt_action: 'cancelled' | 'refund_receipt' | null;
  receipt_id: string | null;
  original_id: string | null;
  original_number: bigint | null;
  template_symbol: string | null;
  series_symbol: string | null;
  payer_name: string | null;
  refund_receipt_number: bigint | null;
  refund_receipt_template: string | null;
  refund_receipt_series: string | null;
  booked_at: Date;
}

@Injectable()
export class ReportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async billerName(biller_id: string): Promise<string | null> {
    const found = await this.pool.query<{ name: string }>('SELECT name FROM billers WHERE id = $1', [
      biller_id,
    ]);
    return found.rows[0]?.name ?? null;
  }

  async openSnapshot(): Promise<Snapshot> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    } catch (error) {
      client.release(true);
      throw error;
    }
    let closed = false;
    return {
      client,
      close: async () => {
        if (closed) return;
        closed = true;
        let broken = false;
        await client.query('COMMIT').catch(() => (broken = true));
        client.release(broken);
      },
    };
  }

  /** Payment receipts booked in the period, after `after` (a receipt id), in id order. */
  async payments(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
    after: string | null,
    limit: number,
  ): Promise<PaymentEntry[]> {
    const found = await client.query<PaymentRow>(
      `SELECT r.id, r.number, r.template_symbol, r.series_symbol, r.status, r.payer_name, r.lines, r.amount,
              r.payment_method, r.gateway_transaction_id, r.payment_intent_id, r.paid_at, t.timestamp AS booked_at,
              f.amount AS fee
         FROM receipts r
         JOIN ledger_transfers t ON t.id = 'pay:' || r.payment_intent_id
         LEFT JOIN ledger_transfers f ON f.id = 'pay:' || r.payment_intent_id || ':fee' AND f.debit_account_id = $2
        WHERE r.biller_id = $1 AND r.kind = 'payment' AND r.id >= $3 AND r.id < $4 AND r.id > $5
          AND t.timestamp >= $6 AND t.timestamp < $7
        ORDER BY r.id
        LIMIT $8`,
      [
        biller_id,
        payableAccount(biller_id),
        idLowerBound('receipt', period.start.getTime() - ID_MARGIN_MS),
        idLowerBound('receipt', period.end.getTime() + ID_MARGIN_MS),
        after ?? '',
        period.start,
        period.end,
        limit,
      ],
    );
    return found.rows.map((row) => ({
      type: 'payment',
      receipt_id: row.id,
      number: row.number,
      template_symbol: row.template_symbol,
      series_symbol: row.series_symbol,
      status: row.status,
      payer_name: row.payer_name,
      lines: row.lines.map((line) => ({ fee_name: line.fee_name, amount: BigInt(line.amount) })),
      amount: row.amount,
      method: row.payment_method,
      gateway_transaction_id: row.gateway_transaction_id,
      payment_intent_id: row.payment_intent_id,
      paid_at: row.paid_at,
      booked_at: row.booked_at,
      fee: row.fee ?? 0n,
    }));
  }

  /**
   * Succeeded refunds whose posting is in the period. A refund is made before it is posted, so only
   * refunds made before the period's end (by id) are looked at.
   */
  async refunds(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
    after: string | null,
    limit: number,
  ): Promise<RefundEntry[]> {
    const found = await client.query<RefundRow>(
      `SELECT f.id, f.payment_intent_id, f.amount, f.gateway, f.gateway_refund_id, f.receipt_action, f.receipt_id,
              o.id AS original_id, o.number AS original_number, o.template_symbol, o.series_symbol, o.payer_name,
              rr.number AS refund_receipt_number, rr.template_symbol AS refund_receipt_template,
              rr.series_symbol AS refund_receipt_series, t.timestamp AS booked_at
         FROM refunds f
         JOIN ledger_transfers t ON t.id IN ('refund:' || f.id || ':post', 'refund:' || f.id || ':late')
         LEFT JOIN payment_intents i ON i.id = f.payment_intent_id
         LEFT JOIN receipts o ON o.id = i.receipt_id
         LEFT JOIN receipts rr ON rr.id = f.receipt_id AND f.receipt_action = 'refund_receipt'
        WHERE f.biller_id = $1 AND f.status = 'succeeded' AND f.id < $2 AND f.id > $3
          AND t.timestamp >= $4 AND t.timestamp < $5
        ORDER BY f.id
        LIMIT $6`,
      [
        biller_id,
        idLowerBound('refund', period.end.getTime() + ID_MARGIN_MS),
        after ?? '',
        period.start,
        period.end,
        limit,
      ],
    );
    return found.rows.map((row) => ({
      type: 'refund',
      refund_id: row.id,
      payment_intent_id: row.payment_intent_id,
      amount: row.amount,
      method: row.gateway,
      gateway_refund_id: row.gateway_refund_id,
      receipt_id: row.original_id,
      receipt_number: row.original_number,
      template_symbol: row.template_symbol,
      series_symbol: row.series_symbol,
      payer_name: row.payer_name,
      receipt_action: row.receipt_action,
      refund_receipt_id: row.receipt_action === 'refund_receipt' ? row.receipt_id : null,
      refund_receipt_number: row.refund_receipt_number,
      refund_receipt_template: row.refund_receipt_template,
      refund_receipt_series: row.refund_receipt_series,
      booked_at: row.booked_at,
    }));
  }

  /** Confirmed payout items whose posting is in the period. */
  async payouts(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
    after: string | null,
    limit: number,
  ): Promise<PayoutEntry[]> {
    const found = await client.query<{ id: string; payout_id: string; amount: bigint; booked_at: Date }>(
      `SELECT p.id, p.payout_id, p.amount, t.timestamp AS booked_at
         FROM payout_items p
         JOIN ledger_transfers t ON t.id = 'payout:' || p.id || ':post'
        WHERE p.biller_id = $1 AND p.id < $2 AND p.id > $3 AND t.timestamp >= $4 AND t.timestamp < $5
        ORDER BY p.id
        LIMIT $6`,
      [
        biller_id,
        idLowerBound('payout_item', period.end.getTime() + ID_MARGIN_MS),
        after ?? '',
        period.start,
        period.end,
        limit,
      ],
    );
    return found.rows.map((row) => ({
      type: 'payout',
      payout_id: row.payout_id,
      item_id: row.id,
      amount: row.amount,
      booked_at: row.booked_at,
    }));
  }

  /**
   * Reconciliation resolutions that moved the agency's payable in the period (`recon:<exception>:…`
   * transfers: a fee adjustment it bears, a reversed payment), in transfer id order. Signed: a credit of
   * the payable is +.
   */
  async adjustments(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
    after: string | null,
    limit: number,
  ): Promise<AdjustmentEntry[]> {
    const account = payableAccount(biller_id);
    const found = await client.query<{
      id: string;
      amount: bigint;
      credit_account_id: string;
      metadata: Record<string, unknown> | null;
      booked_at: Date;
    }>(
      `SELECT id, amount, credit_account_id, metadata, timestamp AS booked_at
         FROM ledger_transfers
        WHERE (debit_account_id = $1 OR credit_account_id = $1) AND id LIKE 'recon:%' AND id > $2
          AND timestamp >= $3 AND timestamp < $4 AND flags & 2 = 0 AND flags & 8 = 0
        ORDER BY id
        LIMIT $5`,
      [account, after ?? '', period.start, period.end, limit],
    );
    return found.rows.map((row) => ({
      type: 'adjustment',
      transfer_id: row.id,
      exception_id: row.id.split(':')[1] ?? '',
      action: typeof row.metadata?.action === 'string' ? row.metadata.action : null,
      payment_intent_id:
        typeof row.metadata?.payment_intent === 'string' ? row.metadata.payment_intent : null,
      amount: row.credit_account_id === account ? row.amount : -row.amount,
      booked_at: row.booked_at,
    }));
  }

  /**
   * The ledger's own figure: every posted movement of the agency's payable account with a timestamp in
   * the period (plain transfers and posts of pending ones; pending reservations and voids move nothing
   * posted).
   */
  async ledgerMovement(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
  ): Promise<LedgerMovement> {
    const account = payableAccount(biller_id);
    const found = await client.query<{ credits: string; debits: string }>(
      `SELECT COALESCE(sum(amount) FILTER (WHERE credit_account_id = $1), 0)::text AS credits,
              COALESCE(sum(amount) FILTER (WHERE debit_account_id = $1), 0)::text AS debits
         FROM ledger_transfers
        WHERE (debit_account_id = $1 OR credit_account_id = $1)
          AND timestamp >= $2 AND timestamp < $3 AND flags & 2 = 0 AND flags & 8 = 0`,
      [account, period.start, period.end],
    );
    const credits = BigInt(found.rows[0]!.credits);
    const debits = BigInt(found.rows[0]!.debits);
    return { account, payable_credits: credits, payable_debits: debits, net: credits - debits };
  }

  /** The agency's bills cancelled in the period: closed without a payment through the hub. */
  async billsClosedOtherwise(
    client: PoolClient,
    biller_id: string,
    period: StatementPeriod,
  ): Promise<number> {
    const found = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bills
        WHERE biller_id = $1 AND status = 'cancelled' AND cancelled_at >= $2 AND cancelled_at < $3`,
      [biller_id, period.start, period.end],
    );
    return found.rows[0]!.n;
  }
}
