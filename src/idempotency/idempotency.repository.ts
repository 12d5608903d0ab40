// The only SQL of Idempotency-Key handling. Every call runs inside the request's transaction (Db), and
// the advisory lock it takes is held until that transaction ends.
import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';

/** How long a key is remembered; older rows are ignored, then deleted by the sweep. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;
const EXPIRED = `created_at < clock_timestamp() - make_interval(hours => ${IDEMPOTENCY_RETENTION_HOURS})`;

export interface StoredRequest {
  path: string;
  fingerprint: Buffer;
  response_status: number;
  /** Encrypted (sealed-response.ts). */
  response_sealed: Buffer;
}

export interface NewStoredRequest extends StoredRequest {
  scope: string;
  key_hash: Buffer;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims a key for this transaction without waiting: false when another request with the same key
   * holds it. lock_id is 64 bits of the key's hash; two keys sharing one would only make one of them
   * answer "in use" needlessly.
   */
  async tryLock(lock_id: string): Promise<boolean> {
    const locked = await this.db.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
      [lock_id],
    );
    return locked.rows[0]!.locked;
  }

  /** The stored answer for the key, if it is younger than the retention; an older one is removed. */
  async find(scope: string, key_hash: Buffer): Promise<StoredRequest | null> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND ${EXPIRED}`, [
      scope,
      key_hash,
    ]);
    const found = await this.db.query<StoredRequest>(
      `SELECT path, fingerprint, response_status, response_sealed FROM idempotency_keys
        WHERE scope = $1 AND key_hash = $2`,
      [scope, key_hash],
    );
    return found.rows[0] ?? null;
  }

  async store(request: NewStoredRequest): Promise<void> {
    await this.db.query(
      `INSERT INTO idempotency_keys (scope, key_hash, method, path, fingerprint, response_status, response_sealed)
       VALUES ($1, $2, 'POST', $3, $4, $5, $6)`,
      [
        request.scope,
        request.key_hash,
        request.path,
        request.fingerprint,
        request.response_status,
        request.response_sealed,
      ],
    );
  }

  /** Deletes up to batch_size_max expired rows; answers how many went. */
  async pruneExpired(batch_size_max: number): Promise<number> {
    const pruned = await this.db.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE ${EXPIRED} LIMIT $1)`,
      [batch_size_max],
    );
    return pruned.rowCount ?? 0;
  }
}
