// Queries that join the caller's transaction: a request that runs inside Db.transaction (the
// Idempotency-Key interceptor runs every keyed POST in one) has every repository query on that
// transaction's connection, so its writes and its stored response commit or roll back together.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { runScript, type Statement } from './script';

const current = new AsyncLocalStorage<PoolClient>();
let savepoints = 0;

/** Provided by DatabaseModule over the hub's pool: `constructor(private readonly db: Db)`. */
export class Db {
  constructor(private readonly pool: Pool) {}

  /** Whether the caller runs inside a Db.transaction (its queries join that transaction). */
  inTransaction(): boolean {
    return current.getStore() !== undefined;
  }

  /** Runs on the surrounding transaction's connection if there is one, else on the pool. */
  query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<QueryResult<R>> {
    return (current.getStore() ?? this.pool).query<R>(text, values as unknown[]);
  }

  /**
   * query for a statement run often with the same text (a webhook delivery's reads and writes): sent
   * as node-postgres's named statement, so each connection has Postgres parse and plan it once and
   * then only bind and execute it, instead of planning it every time. `name` belongs to this text
   * alone and begins with `q_` (the scripts' PREPAREd statements begin with `payhub_`, and a session
   * has one namespace for both; test/database/db.test.ts).
   */
  queryPrepared<R extends QueryResultRow>(
    name: `q_${string}`,
    text: string,
    values: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    return (current.getStore() ?? this.pool).query<R>({ name, text, values: values as unknown[] });
  }

  /**
   * Runs fn in a transaction of its own on another connection, which commits when fn resolves even
   * inside a request's transaction: for what must be durable before a call that moves money (a refund
   * recorded before the gateway is asked). Every Db.query inside fn uses the new transaction.
   */
  detachedTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return current.exit(() => this.transaction(fn));
  }

  /**
   * detachedTransaction whose BEGIN travels with its first statements (one round trip, src/database/
   * script.ts); fn gets their results. For hot paths where every round trip counts: with
   * `committed: true` fn ends the transaction itself (a COMMIT sent with its last statements), and
   * nothing may fail after that COMMIT.
   */
  detachedTransactionOpening<T>(
    opening: readonly Statement[],
    fn: (client: PoolClient, opened: QueryResult[]) => Promise<T>,
    options: { committed?: boolean } = {},
  ): Promise<T> {
    return current.exit(() => this.#begin(opening, fn, options.committed ?? false));
  }

  /**
   * Runs fn in a transaction; every Db.query made inside it, however deep, uses it. Inside another
   * transaction it becomes a savepoint, so a repository can ask for atomicity without knowing whether
   * a request-wide transaction surrounds it.
   */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const outer = current.getStore();
    if (outer) {
      const name = `sp_${++savepoints}`;
      await outer.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(outer);
        await outer.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await outer.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    }
    return this.#begin([], (client) => fn(client), false);
  }

  /** A transaction of its own on a pooled connection: BEGIN and `opening` in one round trip, then fn. */
  async #begin<T>(
    opening: readonly Statement[],
    fn: (client: PoolClient, opened: QueryResult[]) => Promise<T>,
    committed: boolean,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      const [, ...opened] = await runScript(client, [{ text: 'BEGIN' }, ...opening]);
      const result = await current.run(client, () => fn(client, opened));
      if (!committed) await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection whose ROLLBACK fails is not reused: its state is unknown.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
