// Statistics for young tables, sooner than autovacuum gives them. A foreign-key check is a plan each
// Postgres connection makes once and keeps until the table's statistics change: made while `receipts`
// held a few rows, it scans the whole table; as the table grows by thousands of rows a minute, every
// payment's check scans it all, until autovacuum (which looks once a minute) analyzes the table and
// the plan is made again. One bench run went from 700 to 150 payments/s that way and recovered after
// 57 s (docs/adr/0007). Every second this analyzes the hub's tables that have more than doubled since
// their last analysis (and grown by at least GROWTH_MIN rows): a few analyses while a table is young,
// none once it is large, where autovacuum's own rule (10% changed) takes over. Every 5 s and from 500
// rows was too late: a table analyzed while empty (a new province, or a bench that analyzes after its
// set-up) had the first 1,000 receipts' checks scan it for seconds, a tenth of Postgres's time.
// These analyses are for row counts (what those plans turn on), so they sample SAMPLE_TARGET's 3,000
// rows, not the default 30,000 (a whole young table, its JWS and JSON columns included: ~12% of
// Postgres's CPU in a bench phase that grew the tables from 1,000 to 40,000 rows); autovacuum's own
// analysis, due once a table has grown by a tenth, brings the full statistics soon after. The queues'
// tables in pg-boss's schema are watched too (its fetch is planned on their statistics).
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { Db } from './db';

export const STATISTICS_INTERVAL_MS = 1_000;
/** Below this many changed rows a table's plans cannot go far wrong. */
export const GROWTH_MIN = 200;
/** default_statistics_target for these analyses: 300 x this many rows sampled, histograms of 10. */
export const SAMPLE_TARGET = 10;
/**
 * pg-boss's schema (src/jobs/job-queue.ts JOBS_SCHEMA; test/database/statistics-keeper.test.ts holds
 * them equal): each queue's partition of its job table is young as well, and its fetch, planned on the
 * statistics of an empty table, read every job the partition held instead of the waiting ones.
 */
export const JOBS_TABLES_SCHEMA = 'pgboss';

/** A name grownTables answers, quoted for SQL: `table` or `schema.table`. */
function qualified(name: string): string {
  const quote = (part: string) => `"${part.replace(/"/g, '""')}"`;
  const dot = name.startsWith(`${JOBS_TABLES_SCHEMA}.`) ? JOBS_TABLES_SCHEMA.length : -1;
  return dot < 0 ? quote(name) : `${quote(name.slice(0, dot))}.${quote(name.slice(dot + 1))}`;
}

/** One hub process analyzes at a time (any constant shared by every payhub process). */
const STATISTICS_LOCK = 7_318_004_221;

@Injectable()
export class StatisticsKeeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly db: Db,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'statistics' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), STATISTICS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Analyzes the tables that outgrew their statistics; answers their names. One run at a time. */
  run(): Promise<string[]> {
    this.running ??= this.analyzeGrown().finally(() => (this.running = null));
    return this.running;
  }

  /** The tables of the hub's schema changed by more than their size at the last analysis. */
  async grownTables(): Promise<string[]> {
    const found = await this.db.query<{ name: string }>(
      `SELECT CASE WHEN s.schemaname = current_schema() THEN s.relname
                   ELSE s.schemaname || '.' || s.relname END AS name
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE (s.schemaname = current_schema() OR (s.schemaname = $2 AND c.relkind = 'r'))
          AND s.n_mod_since_analyze >= GREATEST($1::int, c.reltuples::bigint)
        ORDER BY s.schemaname = current_schema() DESC, s.relname`,
      [GROWTH_MIN, JOBS_TABLES_SCHEMA],
    );
    return found.rows.map((row) => row.name);
  }

  private async analyzeGrown(): Promise<string[]> {
    try {
      return await this.db.transaction(async () => {
        const locked = await this.db.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
          STATISTICS_LOCK,
        ]);
        if (!locked.rows[0]!.ok) return [];
        const tables = await this.grownTables();
        if (tables.length === 0) return [];
        await this.db.query(`SET LOCAL default_statistics_target = ${SAMPLE_TARGET}`);
        // Names from the catalog, quoted as identifiers (a job table's with its schema).
        for (const table of tables) await this.db.query(`ANALYZE ${qualified(table)}`);
        const hubTables = tables.filter((table) => !table.startsWith(`${JOBS_TABLES_SCHEMA}.`));
        // A job queue's table churns (each job written three times): its analyses are routine.
        if (hubTables.length > 0)
          this.logger.info({ tables }, 'analyzed tables that outgrew their statistics');
        else this.logger.debug({ tables }, 'analyzed job tables that outgrew their statistics');
        return tables;
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'analyzing grown tables failed');
      return [];
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
