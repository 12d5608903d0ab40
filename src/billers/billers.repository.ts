// The only SQL of the billers module: billers, their API keys, and the look-up that authenticates a
// request by its key's hash.
import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';

export const BILLER_KINDS = ['agency', 'parking_operator', 'hospital', 'merchant'] as const;
export type BillerKind = (typeof BILLER_KINDS)[number];

export interface BillerRow {
  id: string;
  name: string;
  kind: BillerKind;
  tax_id: string | null;
  webhook_url: string | null;
  created_at: Date;
}

export interface NewBiller extends Omit<BillerRow, 'created_at'> {
  webhook_secret: string;
}

export interface ApiKeyRow {
  id: string;
  biller_id: string;
  key_prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface NewApiKey {
  id: string;
  hash: Buffer;
  prefix: string;
}

export interface AuthenticatedKey {
  key_id: string;
  biller_id: string;
}

const BILLER_COLUMNS = 'id, name, kind, tax_id, webhook_url, created_at';
const KEY_COLUMNS = 'id, biller_id, key_prefix, created_at, expires_at, revoked_at';
/** A key works until its expires_at; a revoked key has one (now, or after its grace period). */
const KEY_ACTIVE = '(expires_at IS NULL OR expires_at > clock_timestamp())';

@Injectable()
export class BillersRepository {
  constructor(private readonly db: Db) {}

  /** The biller and its first key, together: a biller never exists without a way to call. */
  async createBiller(biller: NewBiller, key: NewApiKey): Promise<BillerRow> {
    return this.db.transaction(async () => {
      const inserted = await this.db.query<BillerRow>(
        `INSERT INTO billers (id, name, kind, tax_id, webhook_url, webhook_secret)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${BILLER_COLUMNS}`,
        [biller.id, biller.name, biller.kind, biller.tax_id, biller.webhook_url, biller.webhook_secret],
      );
      await this.insertKey(biller.id, key);
      return inserted.rows[0]!;
    });
  }

  async findBiller(id: string): Promise<BillerRow | null> {
    const found = await this.db.query<BillerRow>(`SELECT ${BILLER_COLUMNS} FROM billers WHERE id = $1`, [id]);
    return found.rows[0] ?? null;
  }

  /** The biller, while this key of its own is active (a page session signed in with the key). */
  async findBillerWithActiveKey(id: string, key_id: string): Promise<BillerRow | null> {
    const found = await this.db.query<BillerRow>(
      `SELECT ${BILLER_COLUMNS} FROM billers
        WHERE id = $1
          AND EXISTS (SELECT 1 FROM biller_api_keys WHERE id = $2 AND biller_id = $1 AND ${KEY_ACTIVE})`,
      [id, key_id],
    );
    return found.rows[0] ?? null;
  }

  /** Newest first; one row more than the page, so the caller knows whether there is more. */
  async listBillers(page: PageRequest): Promise<BillerRow[]> {
    const found = await this.db.query<BillerRow>(
      `SELECT ${BILLER_COLUMNS} FROM billers WHERE ($1::text IS NULL OR id < $1)
       ORDER BY id DESC LIMIT $2`,
      [page.starting_after, page.limit + 1],
    );
    return found.rows;
  }

  /**
   * Adds a key unless the biller already has active_max active ones. The biller's row is locked so
   * that two concurrent creations cannot both see room for one more.
   */
  async createApiKey(
    biller_id: string,
    key: NewApiKey,
    active_max: number,
  ): Promise<ApiKeyRow | 'biller_not_found' | 'limit_reached'> {
    return this.db.transaction(async () => {
      const biller = await this.db.query('SELECT 1 FROM billers WHERE id = $1 FOR UPDATE', [biller_id]);
      if (biller.rowCount === 0) return 'biller_not_found';
      const active = await this.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM biller_api_keys WHERE biller_id = $1 AND ${KEY_ACTIVE}`,
        [biller_id],
      );
      if (active.rows[0]!.count >= active_max) return 'limit_reached';
      return this.insertKey(biller_id, key);
    });
  }

  private async insertKey(biller_id: string, key: NewApiKey): Promise<ApiKeyRow> {
    const inserted = await this.db.query<ApiKeyRow>(
      `INSERT INTO biller_api_keys (id, biller_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)
       RETURNING ${KEY_COLUMNS}`,
      [key.id, biller_id, key.hash, key.prefix],
    );
    return inserted.rows[0]!;
  }

  async listApiKeys(biller_id: string, page: PageRequest): Promise<ApiKeyRow[]> {
    const found = await this.db.query<ApiKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM biller_api_keys WHERE biller_id = $1 AND ($2::text IS NULL OR id < $2)
       ORDER BY id DESC LIMIT $3`,
      [biller_id, page.starting_after, page.limit + 1],
    );
    return found.rows;
  }

  /**
   * Revokes a key: it stops working after grace_seconds (0: now). Revoking again can only bring the
   * end nearer (a key thought leaked after a graceful rotation must be stoppable at once), never later.
   */
  async revokeApiKey(biller_id: string, key_id: string, grace_seconds: number): Promise<ApiKeyRow | null> {
    const updated = await this.db.query<ApiKeyRow>(
      `UPDATE biller_api_keys
          SET revoked_at = COALESCE(revoked_at, clock_timestamp()),
              expires_at = LEAST(COALESCE(expires_at, 'infinity'),
                                 clock_timestamp() + make_interval(secs => $3))
        WHERE id = $1 AND biller_id = $2
        RETURNING ${KEY_COLUMNS}`,
      [key_id, biller_id, grace_seconds],
    );
    return updated.rows[0] ?? null;
  }

  /**
   * The active key with this hash. Looking the hash up through the unique index is safe without a
   * constant-time comparison: timing could at most reveal something about the hash of a guess, and
   * turning that into a key would mean inverting SHA-256.
   */
  async findActiveKey(hash: Buffer): Promise<AuthenticatedKey | null> {
    const found = await this.db.query<AuthenticatedKey>(
      `SELECT id AS key_id, biller_id FROM biller_api_keys WHERE key_hash = $1 AND ${KEY_ACTIVE}`,
      [hash],
    );
    return found.rows[0] ?? null;
  }
}
