// The only SQL of Idempotency-Key handling. The interceptor's calls run inside the request's
// transaction (Db), and the advisory lock tryLock takes is held until that transaction ends; a streamed
// route's (StreamedIdempotency) hold the key with holdKey, on a connection of its own, for the request.
import { Inject, Injectable } from '@nestjs/common';
import { Client, type Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import { Db } from '../database/db';
import { type IdempotencyKeyMaterial, sealResponse } from './sealed-response';

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
  constructor(
    private readonly db: Db,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

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

  /**
   * Claims a key for a request that spans transactions, without waiting: a session-level advisory lock
   * (the same 64 bits tryLock takes) on a connection of its own, outside the pool (the request's work
   * takes the pool's connections, and holding one of them could starve it), unlocked and closed by
   * `release` (closing frees the lock however the unlock went); null when another request holds the key.
   */
  async holdKey(lock_id: string): Promise<{ release(): Promise<void> } | null> {
    const holder = new Client(this.pool.options);
    holder.on('error', () => undefined);
    try {
      await holder.connect();
      const locked = (
        await holder.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
          lock_id,
        ])
      ).rows[0]!.locked;
      if (locked)
        return {
          // Unlocked first: a closed connection frees it too, but only once its backend has gone.
          release: async () => {
            await holder.query('SELECT pg_advisory_unlock($1::bigint)', [lock_id]).catch(() => undefined);
            await holder.end().catch(() => undefined);
          },
        };
    } catch (error) {
      await holder.end().catch(() => undefined);
      throw error;
    }
    await holder.end().catch(() => undefined);
    return null;
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

  /** Stores an answer for the key, sealed under the key's own material (sealed-response.ts). */
  storeAnswer(
    scope: string,
    material: IdempotencyKeyMaterial,
    request: { path: string; fingerprint: Buffer },
    response_status: number,
    body: string,
  ): Promise<void> {
    return this.store({
      scope,
      key_hash: material.hash,
      path: request.path,
      fingerprint: request.fingerprint,
      response_status,
      response_sealed: sealResponse(material.sealing_key, body),
    });
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
