// Opens the hub's database: DATABASE_URL when given, otherwise an embedded Postgres kept under
// HUB_DATA_DIR (so `npm start` needs nothing installed), migrated at start-up, and closed in order.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { HubConfig } from '../config/config.schema';
import type { Logger } from '../logging/logger';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { migrate, type MigrationReport } from './migrate';
import { createPool, ensureDatabase, withDatabase } from './pool';

/** The database the embedded cluster serves the hub from. */
export const EMBEDDED_DATABASE = 'payhub';
const CONNECT_TIMEOUT_MS = 10_000;

export interface HubDatabaseConnection {
  pool: Pool;
  /** Where the database is, without credentials, for logs and messages. */
  location: string;
  embedded: boolean;
  /** What start-up migrated, when it was asked to. */
  migrations: MigrationReport | null;
  /** Ends the pool, then stops the embedded Postgres if there is one. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations before answering (the hub and `payhub migrate` do). */
  migrate: boolean;
  /**
   * The caller handles SIGINT and SIGTERM itself. The embedded-postgres package installs handlers
   * that stop every cluster and exit at once, which would cut a graceful shutdown short, so the hub
   * removes them; a one-shot command keeps them so that Ctrl-C still stops its Postgres.
   */
  own_signals: boolean;
  /** false: fail rather than initialise a new embedded cluster (a read-only command on a wrong dir). */
  create_embedded: boolean;
}

/** Thrown when the database cannot be opened for a reason the operator can fix. */
export class DatabaseSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseSetupError';
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

type Listener = (...args: unknown[]) => void;

function signalListeners(): Map<string, Set<Listener>> {
  return new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal) as Listener[])]));
}

function removeSignalListenersAddedSince(before: Map<string, Set<Listener>>): void {
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal) as Listener[]) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
}

export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'local socket'}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
}

async function startEmbedded(
  config: HubConfig,
  logger: Logger,
  options: OpenDatabaseOptions,
): Promise<RunningPostgres> {
  const clusterDir = join(config.data_dir, 'postgres');
  if (!options.create_embedded && !existsSync(join(clusterDir, 'PG_VERSION'))) {
    throw new DatabaseSetupError(
      `no embedded database under ${config.data_dir} (and DATABASE_URL is unset); run \`payhub migrate\` or start the hub first`,
    );
  }
  logger.info({ data_dir: config.data_dir }, 'starting embedded postgres');
  const postgresLog = logger.child({ component: 'postgres' });
  const before = signalListeners();
  try {
    const server = await startEmbeddedPostgres({
      data_dir: config.data_dir,
      durable: true,
      log: (line) => postgresLog.debug(line),
    });
    logger.info({ port: server.port }, 'embedded postgres started');
    return server;
  } finally {
    if (options.own_signals) removeSignalListenersAddedSince(before);
  }
}

const POSTMASTER_POLL_MS = 100;

/**
 * Stops the embedded Postgres. A Ctrl-C in a terminal reaches Postgres too (it shares the hub's
 * process group) and it shuts itself down; embedded-postgres's stop() then waits for an exit event
 * that has already fired, forever. So this also returns once Postgres has removed its postmaster.pid,
 * which it does last when it stops.
 */
async function stopEmbedded(server: RunningPostgres, clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  let stopped = false;
  const gone = (async () => {
    while (!stopped && existsSync(pidFile)) await new Promise((wake) => setTimeout(wake, POSTMASTER_POLL_MS));
  })();
  try {
    await Promise.race([server.stop(), gone]);
  } finally {
    stopped = true;
  }
}

/** How long closing waits for the pool's sessions to be gone before stopping the embedded Postgres. */
const SESSIONS_CLOSED_WAIT_MS = 5_000;

async function sessionsClosed(live: ReadonlySet<PoolClient>, wait_ms: number): Promise<void> {
  const deadline = Date.now() + wait_ms;
  while (live.size > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 5));
}

export async function openHubDatabase(
  config: HubConfig,
  logger: Logger,
  options: OpenDatabaseOptions,
): Promise<HubDatabaseConnection> {
  let server: RunningPostgres | null = null;
  let pool: Pool | null = null;
  const stopServer = async () => {
    if (!server) return;
    const running = server;
    server = null;
    await stopEmbedded(running, join(config.data_dir, 'postgres'));
    logger.info('embedded postgres stopped');
  };
  try {
    let url: string;
    if (config.database_url) {
      url = config.database_url;
    } else {
      server = await startEmbedded(config, logger, options);
      await ensureDatabase(server.url, EMBEDDED_DATABASE);
      url = withDatabase(server.url, EMBEDDED_DATABASE);
    }
    const location = config.database_url ? describeDatabaseUrl(url) : `embedded:${config.data_dir}`;
    const opened = createPool(url, {
      max: config.db_pool_max,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'payhub',
    });
    pool = opened;
    // An idle connection that dies (a Postgres restart) is reported here; unhandled, it would end the
    // process. The pool replaces the connection on next use.
    opened.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
    // pool.end() resolves once its clients are told to end, not once their sockets have closed: the
    // embedded Postgres must not be stopped under a session still closing (it would cut it, loudly).
    const live = new Set<PoolClient>();
    opened.on('connect', (client) => {
      live.add(client);
      client.once('end', () => live.delete(client));
    });
    let migrations: MigrationReport | null = null;
    if (options.migrate) {
      migrations = await migrate(opened);
      logger.info(
        { applied: migrations.applied, schema_version: migrations.current_version },
        migrations.applied.length > 0 ? 'migrations applied' : 'database schema is up to date',
      );
    } else {
      await opened.query('SELECT 1');
    }
    let closing: Promise<void> | null = null;
    return {
      pool: opened,
      location,
      embedded: !config.database_url,
      migrations,
      close: () =>
        (closing ??= (async () => {
          try {
            await opened.end();
            await sessionsClosed(live, SESSIONS_CLOSED_WAIT_MS);
          } finally {
            await stopServer();
          }
        })()),
    };
  } catch (error) {
    await pool?.end().catch(() => undefined);
    await stopServer().catch((stopError: unknown) =>
      logger.error({ err: stopError }, 'could not stop embedded postgres'),
    );
    throw error;
  }
}
