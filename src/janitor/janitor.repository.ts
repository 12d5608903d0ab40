// The janitor's SQL: claims of intents to query (one process at a time per intent), what each query
// found, and the expiry of intents and bills. Every query joins the caller's Db transaction, if any.
import { Injectable } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';

/** An intent claimed for a query: what the gateway needs to find it. */
export interface ClaimedIntent {
  id: string;
  method: GatewayId;
  reference: string;
  amount: bigint;
  created_at: Date;
  expires_at: Date;
}

export interface UnresolvedRow {
  id: string;
  biller_id: string;
  bill_id: string;
  method: GatewayId;
  amount: bigint;
  reference: string;
  created_at: Date;
  expires_at: Date;
  last_queried_at: Date;
  query_attempts: number;
  last_query_result: string | null;
}

@Injectable()
export class JanitorRepository {
  constructor(private readonly db: Db) {}

  /** The database's clock: a run's start, so one run never claims an intent twice. */
  async now(): Promise<Date> {
    const found = await this.db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    return found.rows[0]!.now;
  }

  /**
   * Claims up to `limit` intents still waiting for a gateway's word (no gateway transaction yet), older
   * than `after_seconds` and not queried in the last `after_seconds` nor since `run_started_at`. The
   * claim is the update of last_queried_at itself, under FOR UPDATE SKIP LOCKED: another process skips
   * these rows now and finds them recently queried afterwards, so no intent is queried twice at once.
   */
  async claimForQuery(
    methods: readonly GatewayId[],
    after_seconds: number,
    run_started_at: Date,
    limit: number,
  ): Promise<ClaimedIntent[]> {
    const claimed = await this.db.query<ClaimedIntent>(
      `UPDATE payment_intents SET last_queried_at = clock_timestamp(), query_attempts = query_attempts + 1
        WHERE id IN (
          SELECT id FROM payment_intents
           WHERE status IN ('requires_action', 'processing') AND gateway_txn_id IS NULL
             AND method = ANY($1::text[])
             AND created_at <= clock_timestamp() - make_interval(secs => $2)
             AND (last_queried_at IS NULL
                  OR last_queried_at <= LEAST($3::timestamptz, clock_timestamp() - make_interval(secs => $2)))
           ORDER BY created_at
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING id, method, reference, amount, created_at, expires_at`,
      [methods, after_seconds, run_started_at, limit],
    );
    return claimed.rows;
  }

  /**
   * Records what a query found. `unresolved`: the gateway gave no final word; an intent past its expiry
   * (or one whose payment the hub could not apply) then reads `processing` and is listed for operators,
   * one the payer may still be paying keeps `requires_action`. Answers whether it is now processing.
   */
  async recordQuery(
    id: string,
    result: string,
    unresolved: { force_processing: boolean } | null,
  ): Promise<boolean> {
    const updated = await this.db.query<{ status: string }>(
      `UPDATE payment_intents
          SET last_query_result = $2,
              status = CASE WHEN $3::boolean AND status = 'requires_action' AND gateway_txn_id IS NULL
                             AND ($4::boolean OR expires_at <= clock_timestamp())
                            THEN 'processing' ELSE status END,
              updated_at = clock_timestamp()
        WHERE id = $1
        RETURNING status`,
      [id, result.slice(0, 200), unresolved !== null, unresolved?.force_processing ?? false],
    );
    return updated.rows[0]?.status === 'processing';
  }

  /**
   * Stores `expired` on intents still waiting for the payer past their expiry whose gateway cannot be
   * queried (a bank transfer has no query): no payment is known, and the bill stays open for another
   * attempt. A transfer that arrives later is still applied (docs/payment-intents.md).
   */
  async expireIntents(unqueryable: readonly GatewayId[]): Promise<number> {
    const updated = await this.db.query(
      `UPDATE payment_intents SET status = 'expired', updated_at = clock_timestamp()
        WHERE status = 'requires_action' AND gateway_txn_id IS NULL AND expires_at <= clock_timestamp()
          AND method = ANY($1::text[])`,
      [unqueryable],
    );
    return updated.rowCount ?? 0;
  }

  /**
   * Stores `expired` on open bills past their expiry with no intent that succeeded, waits for the payer
   * or is still unknown at its gateway: such a bill stays open, so a late payment still pays it.
   */
  async expireBills(): Promise<number> {
    const updated = await this.db.query(
      `UPDATE bills b SET status = 'expired'
        WHERE b.status = 'open' AND b.expires_at IS NOT NULL AND b.expires_at <= clock_timestamp()
          AND NOT EXISTS (
            SELECT 1 FROM payment_intents p
             WHERE p.bill_id = b.id AND p.status IN ('succeeded', 'requires_action', 'processing'))`,
    );
    return updated.rowCount ?? 0;
  }

  /** Intents the gateway left unsettled after a query (processing, no gateway transaction), newest first. */
  async listUnresolved(page: PageRequest): Promise<UnresolvedRow[]> {
    const found = await this.db.query<UnresolvedRow>(
      `SELECT id, biller_id, bill_id, method, amount, reference, created_at, expires_at, last_queried_at,
              query_attempts, last_query_result
         FROM payment_intents
        WHERE status = 'processing' AND gateway_txn_id IS NULL AND last_queried_at IS NOT NULL
          AND ($1::text IS NULL OR id < $1)
        ORDER BY id DESC LIMIT $2`,
      [page.starting_after, page.limit + 1],
    );
    return found.rows;
  }
}
