// The hub's one pg-boss: background jobs live in the hub's own database (schema `pgboss`), so a job can
// be enqueued in the very transaction whose rows call for it, and committed or rolled back with them.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Pool, QueryResult } from 'pg';
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
 * Anything that runs SQL: the PoolClient of an open transaction, in practice. Enqueueing through it
 * puts the job's row in that transaction.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
}

/** What a job's options may set; the connection is always the caller's transaction. */
export type SendOptions = Omit<PgBoss.SendOptions, 'db'>;

export type JobHandler<T> = (job: PgBoss.Job<T>) => Promise<void>;

function viaQueryable(client: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}

@Injectable()
export class JobQueue implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;
  private readonly logger: Logger;

  constructor(
    @Inject(PG_POOL) pool: Pool,
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
    this.logger.info({ schema: JOBS_SCHEMA }, 'job queue started');
  }

  /** Stops polling, waits for running jobs (bounded), and leaves the pool to DatabaseLifecycle. */
  async onModuleDestroy(): Promise<void> {
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
    const found = await tx.query(
      `SELECT count(*)::int AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
      [name, jobs.map((job) => job.id)],
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

  /** Runs handler for each job of the queue, one at a time per call; a throw fails the job (retried). */
  async work<T>(name: string, handler: JobHandler<T>): Promise<string> {
    return this.boss.work<T>(
      name,
      { batchSize: 1, pollingIntervalSeconds: this.config.jobs_polling_interval_ms / 1000 },
      async (jobs) => {
        for (const job of jobs) await handler(job);
      },
    );
  }
}
