// The hub's one pg-boss: background jobs live in the hub's own database (schema `pgboss`), so a job can
// be enqueued in the very transaction whose rows call for it, and committed or rolled back with them.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { Client, type Pool, type QueryResult } from 'pg';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { PG_POOL } from '../database/database.module';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';

/** Where pg-boss keeps its tables; pg-boss creates and upgrades them itself at start-up. */
export const JOBS_SCHEMA = 'pgboss';
/**
 * How long shutdown waits for running jobs (a webhook delivery is at most WEBHOOK_TIMEOUT_MS, 60 s at
 * most); within main.ts's SHUTDOWN_TIMEOUT_MS. A job still running then is failed and retried later.
 */
const STOP_TIMEOUT_MS = 15_000;
/**
 * The channel a transaction that enqueued jobs notifies (payload: the queue's name). Postgres delivers a
 * NOTIFY when the transaction commits, and never if it rolls back, to every hub process listening: their
 * workers of that queue look at once instead of at their next poll.
 */
export const JOBS_CHANNEL = 'payhub_jobs';
/** Waits before listening again after the listening connection failed: doubling from 1 s to 30 s. */
const LISTEN_RETRY_MS = { first: 1_000, max: 30_000 };

/**
 * Anything that runs SQL: the PoolClient of an open transaction, in practice. Enqueueing through it
 * puts the job's row in that transaction.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
}

/** What a job's options may set; the connection is always the caller's transaction. */
export type SendOptions = Omit<PgBoss.SendOptions, 'db'>;

export type JobHandler<T> = (job: PgBoss.Job<T>) => Promise<void>;

/**
 * pg-boss's fetch takes a queue's next jobs `ORDER BY priority DESC, created_on, id` among its due ones
 * (`state < 'active' AND start_after < now()`), and its own index of waiting jobs, (name, start_after),
 * does not give that order: Postgres read and sorted every waiting job of the queue at every fetch
 * (10 ms for 10,000 waiting; a receiver down for an hour leaves that many deliveries, and a burst of
 * payments as many), ~0.3 ms of Postgres per webhook delivered under load. This index is in the fetch's
 * order: it reads the first due jobs and stops (0.1 ms). Postgres puts an index of the partitioned
 * pgboss.job on each queue's partition, those made later too. One entry more per job written.
 */
export const FETCH_ORDER_INDEX = 'payhub_job_fetch_order';

/** Creates FETCH_ORDER_INDEX once (after pg-boss has made its schema); hub processes one at a time. */
export async function ensureFetchIndex(pool: Pool): Promise<void> {
  // Looked up first: CREATE INDEX IF NOT EXISTS locks the job table against writes even when the index
  // exists, and another hub process may be enqueueing.
  const existing = await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    `${JOBS_SCHEMA}.${FETCH_ORDER_INDEX}`,
  ]);
  if (existing.rows[0]!.found !== null) return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [FETCH_ORDER_INDEX]);
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${FETCH_ORDER_INDEX} ON ${JOBS_SCHEMA}.job (name, priority DESC, created_on, id)
        WHERE state < 'active'`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function viaQueryable(client: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}

@Injectable()
export class JobQueue implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;
  private readonly logger: Logger;
  /** This process's workers, by queue: woken by a notification of their queue. */
  readonly #workers = new Map<string, string[]>();
  #listener: Client | null = null;
  #listenRetry: NodeJS.Timeout | null = null;
  #listenDelay = LISTEN_RETRY_MS.first;
  #stopped = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'jobs' });
    // pg-boss runs on the hub's pool rather than a pool of its own: one set of connections to size,
    // and DatabaseLifecycle ends it after this has stopped. Cron scheduling serves only the scheduled
    // reconciliation (src/reconciliation/reconciliation.schedule.ts): on when RECON_DROP_DIR is set.
    this.boss = new PgBoss({
      db: viaQueryable(pool),
      schema: JOBS_SCHEMA,
      migrate: true,
      supervise: true,
      schedule: config.recon_drop_dir !== null,
    });
    // An EventEmitter without an 'error' listener would throw; a failed poll is worth a line, not a crash.
    this.boss.on('error', (error) => this.logger.error({ err: error }, 'job queue error'));
  }

  /** Creates or upgrades the pgboss schema (a no-op when it is current), then starts maintenance. */
  async onModuleInit(): Promise<void> {
    await this.boss.start();
    await ensureFetchIndex(this.pool);
    await this.#listen();
    this.logger.info({ schema: JOBS_SCHEMA }, 'job queue started');
  }

  /** Stops polling, waits for running jobs (bounded), and leaves the pool to DatabaseLifecycle. */
  async onModuleDestroy(): Promise<void> {
    this.#stopped = true;
    if (this.#listenRetry) clearTimeout(this.#listenRetry);
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => undefined);
    await this.boss.stop({ graceful: true, timeout: STOP_TIMEOUT_MS, close: false });
    this.logger.info('job queue stopped');
  }

  /** Idempotent: a queue that exists is left as it is; retry settings travel with each job instead. */
  async createQueue(name: string, options: { deadLetter?: string } = {}): Promise<void> {
    await this.boss.createQueue(name, { name, ...options });
  }

  /**
   * Enqueues a job inside the caller's transaction (pg-boss's `db` send option): it becomes visible to
   * workers when that transaction commits, and vanishes if it rolls back. Answers the job's id.
   */
  async send(tx: Queryable, name: string, data: object, options: SendOptions = {}): Promise<string> {
    const id = await this.boss.send(name, data, { ...options, db: viaQueryable(tx) });
    // null means the insert matched no queue (or a singleton collided): a bug here, never load.
    if (id === null) throw new Error(`job queue ${name} refused a job: does the queue exist?`);
    await tx.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, name]);
    return id;
  }

  /**
   * Enqueues many jobs of one queue in the caller's transaction with one INSERT (pg-boss's `insert`
   * with the `db` option), each with its own id and the same options; then checks that every job is
   * there, as `send` does for one (pg-boss's insert skips a job silently when its queue is missing).
   */
  async sendMany(
    tx: Queryable,
    name: string,
    jobs: ReadonlyArray<{ id: string; data: object }>,
    options: Pick<
      SendOptions,
      'retryLimit' | 'retryDelay' | 'retryBackoff' | 'expireInSeconds' | 'deadLetter'
    >,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({ ...options, name, id: job.id, data: job.data })),
      { db: viaQueryable(tx) },
    );
    // The check, and the notification its commit will deliver, in one round trip.
    const found = await tx.query(
      `SELECT (SELECT count(*)::int FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[])) AS n,
              pg_notify($3, $1)`,
      [name, jobs.map((job) => job.id), JOBS_CHANNEL],
    );
    const n = (found.rows[0] as { n: number }).n;
    if (n !== jobs.length) throw new Error(`job queue ${name} took ${n} of ${jobs.length} jobs`);
  }

  /**
   * A cron schedule for a queue (pg-boss `schedule`: one job per tick whatever the number of hub
   * processes; sent only by processes whose cron is on). Replaces the queue's earlier schedule.
   */
  async schedule(name: string, cron: string, data: object, options: { tz: string }): Promise<void> {
    await this.boss.schedule(name, cron, data, options);
  }

  /**
   * Runs handler for each job of the queue; a throw fails that job (retried by its settings). With
   * `batch` above 1 a worker takes up to that many jobs at once and runs them concurrently, each
   * failing or completing on its own: pg-boss's fetch sorts every due job of the queue, so a backlog
   * of thousands made each one-job fetch cost tens of milliseconds of Postgres.
   * A worker that found jobs looks again at once (pg-boss would wait out its polling interval after
   * every fetch: four workers delivered two webhooks a second); one that found none waits for the
   * interval, or for a notification of its queue (JOBS_CHANNEL), whichever comes first.
   */
  async work<T>(name: string, handler: JobHandler<T>, options: { batch?: number } = {}): Promise<string> {
    let id: string | null = null;
    id = await this.boss.work<T>(
      name,
      { batchSize: options.batch ?? 1, pollingIntervalSeconds: this.config.jobs_polling_interval_ms / 1000 },
      async (jobs) => {
        try {
          // One job: pg-boss completes it, or fails it with what the handler threw.
          if (jobs.length === 1) return await handler(jobs[0]!);
          // Several: a failure is recorded for its own job here; pg-boss completes the others (its
          // completion touches only jobs still active).
          await Promise.all(
            jobs.map(async (job) => {
              try {
                await handler(job);
              } catch (error) {
                await this.boss.fail(name, job.id, error as object);
              }
            }),
          );
        } finally {
          if (id !== null && jobs.length > 0) this.boss.notifyWorker(id);
        }
      },
    );
    this.#workers.set(name, [...(this.#workers.get(name) ?? []), id]);
    return id;
  }

  /**
   * Puts a job this process is running back to wait until `until`, as if it had not been fetched: no
   * attempt is counted (pg-boss counts a retry when it fetches a job that was started before, so
   * started_on is cleared; a retry's own fetch has counted already, which the next fetch then does
   * not). Through pg-boss's table, as sendMany reads it; pg-boss's completion then leaves the job
   * alone (it completes active jobs only). Answers whether the job was active.
   */
  async postpone(name: string, id: string, until: Date): Promise<boolean> {
    const moved = await this.pool.query(
      `UPDATE ${JOBS_SCHEMA}.job SET state = 'created', started_on = NULL, start_after = $3
        WHERE name = $1 AND id = $2 AND state = 'active'`,
      [name, id, until],
    );
    return moved.rowCount === 1;
  }

  /** The queue's jobs not yet done (waiting, or waiting for a retry), and the age of the oldest, in s. */
  async waiting(name: string): Promise<{ count: number; oldest_seconds: number }> {
    const found = await this.pool.query<{ count: number; oldest_seconds: number | null }>(
      `SELECT count(*)::int AS count, extract(epoch FROM now() - min(created_on))::float8 AS oldest_seconds
         FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state < 'active'`,
      [name],
    );
    const row = found.rows[0]!;
    return { count: row.count, oldest_seconds: row.oldest_seconds ?? 0 };
  }

  /** Wakes this process's workers of the queue: they look for jobs now. */
  wake(name: string): void {
    for (const id of this.#workers.get(name) ?? []) this.boss.notifyWorker(id);
  }

  /**
   * LISTENs on JOBS_CHANNEL on a connection of its own (not one of the pool's: it is held for good).
   * If it fails, the workers still poll; it listens again after a pause.
   */
  async #listen(): Promise<void> {
    if (this.#stopped) return;
    const client = new Client(this.pool.options);
    client.on('notification', (message) => {
      if (message.channel === JOBS_CHANNEL && message.payload) this.wake(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'job notifications lost; the workers poll until they are back');
      void client.end().catch(() => undefined);
      if (this.#listener === client) this.#listener = null;
      this.#listenLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
      if (this.#stopped) {
        await client.end();
        return;
      }
      this.#listener = client;
      this.#listenDelay = LISTEN_RETRY_MS.first;
    } catch (error) {
      this.logger.warn({ err: error }, 'listening for job notifications failed; the workers poll meanwhile');
      await client.end().catch(() => undefined);
      this.#listenLater();
    }
  }

  #listenLater(): void {
    if (this.#stopped || this.#listenRetry) return;
    const wait = this.#listenDelay;
    this.#listenDelay = Math.min(this.#listenDelay * 2, LISTEN_RETRY_MS.max);
    this.#listenRetry = setTimeout(() => {
      this.#listenRetry = null;
      void this.#listen();
    }, wait);
    this.#listenRetry.unref();
  }
}
