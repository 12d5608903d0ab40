// The refunds' own small pool, for the two transactions that commit on their own (the reservation before
// the gateway call, the outcome after it). A keyed POST already holds one connection of the hub's pool
// for its whole Idempotency-Key transaction (docs/adr/0005); if it took its second one from that pool
// too, a burst of keyed refunds as large as the pool would hold every connection while waiting for one
// more, and hang. Connections of this pool never wait for the hub's pool, so no such cycle exists.
import type { Pool, PoolClient } from 'pg';
import { Pool as PgPool } from 'pg';
import { Db } from '../database/db';
import type { Logger } from '../logging/logger';

/** Refund transactions are short (a few rows and one ledger call): a handful of connections is plenty. */
export const REFUNDS_POOL_MAX = 4;

export class RefundsDb {
  readonly #pool: Pool;
  readonly #db: Db;

  constructor(main: Pool, logger: Logger) {
    // The same server and settings (int8 → bigint included); pg keeps the password out of the spread.
    this.#pool = new PgPool({ ...main.options, password: main.options.password, max: REFUNDS_POOL_MAX });
    // An idle connection the server closes (a restart) must not crash the process.
    this.#pool.on('error', (error) => logger.warn({ err: error }, 'refunds pool: idle connection lost'));
    this.#db = new Db(this.#pool);
  }

  /** A transaction of its own, committed when fn resolves; Db queries inside fn join it. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#db.detachedTransaction(fn);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
