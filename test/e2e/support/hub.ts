// Boots the real hub for e2e suites: on 127.0.0.1, a free port, against a suite's test database, with
// real HTTP. Also spawns the real entry points (server and CLI) for the tests that need a process.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig, type Environment } from '../../../src/config/config.schema';
import { freePort } from '../../../src/database/embedded-postgres';
import { startHub, type HubOptions, type RunningHub } from '../../../src/main';
import type { TestDatabase } from '../../support/database';

export const ROOT = resolve(__dirname, '..', '..', '..');
/** A fresh admin token per run, so no test can pass by knowing a constant. */
export const ADMIN_TOKEN = randomBytes(24).toString('hex');
/**
 * A data directory per test process: what a hub generates there (the receipt key-encryption key, the
 * simulator keys) must not land in the repository's own .data, nor leak from one run into the next.
 */
export const DATA_DIR = mkdtempSync(join(tmpdir(), 'payhub-e2e-'));
process.once('exit', () => rmSync(DATA_DIR, { recursive: true, force: true }));

export function bootHub(
  db: TestDatabase,
  env: Environment = {},
  options: HubOptions = {},
): Promise<RunningHub> {
  const config = parseConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    HUB_ADMIN_TOKEN: ADMIN_TOKEN,
    HUB_DATA_DIR: DATA_DIR,
    LOG_LEVEL: 'silent',
    DB_POOL_MAX: '5',
    ...env,
  });
  return startHub(config, options);
}

/**
 * bootHub on a port chosen here that is also its HUB_PUBLIC_URL (simulators call it back there). A free
 * port can be taken by another test process between the choice and the listen: then another is tried.
 */
export async function bootHubOnFreePort(db: TestDatabase, env: Environment = {}): Promise<RunningHub> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await bootHub(db, { ...env, PORT: String(port), HUB_PUBLIC_URL: `http://127.0.0.1:${port}` });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}

export function adminHeaders(token: string = ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A log destination that keeps every line, for assertions on what the hub logged. */
export class LogCapture extends Writable {
  private readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  text(): string {
    return this.chunks.join('');
  }

  lines(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment for a child: this process's, minus anything that would point it elsewhere. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'HUB_ADMIN_TOKEN',
    'HUB_DATA_DIR',
    'PORT',
    'HOST',
    'LOG_LEVEL',
    'HUB_PUBLIC_URL',
  ]) {
    delete base[name];
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** Runs a command to completion (bounded by timeout_ms). */
export function run(
  args: readonly string[],
  env: Record<string, string | undefined>,
  timeout_ms = 60_000,
): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args.join(' ')} did not finish within ${timeout_ms} ms\n${stdout}\n${stderr}`));
    }, timeout_ms);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

export function payhub(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ProcessResult> {
  return run(['bin/payhub.js', ...args], env);
}

export interface SpawnedHub {
  pid: number;
  /** Resolves with the first JSON log line whose msg is `msg`. */
  waitForLog(msg: string, timeout_ms?: number): Promise<Record<string, unknown>>;
  logs(): Record<string, unknown>[];
  signal(signal: NodeJS.Signals): void;
  exited: Promise<ProcessResult>;
}

/** Starts `npm start`'s command (node --require @swc-node/register src/main.ts) as a child process. */
export function spawnHub(env: Record<string, string | undefined>): SpawnedHub {
  const child = spawn(process.execPath, ['--require', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: childEnv(env),
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const parsed = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    waiters.splice(0).forEach((wake) => wake());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ProcessResult>((done) =>
    child.on('close', (code, signal) => {
      done({ code, signal, stdout, stderr });
      waiters.splice(0).forEach((wake) => wake());
    }),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    pid: child.pid!,
    logs: parsed,
    signal: (signal) => child.kill(signal),
    exited,
    waitForLog: async (msg, timeout_ms = 30_000) => {
      const deadline = Date.now() + timeout_ms;
      for (;;) {
        const found = parsed().find((line) => line.msg === msg);
        if (found) return found;
        if (ended) throw new Error(`hub exited before logging "${msg}"\n${stdout}\n${stderr}`);
        const left = deadline - Date.now();
        if (left <= 0) {
          child.kill('SIGKILL');
          throw new Error(`hub did not log "${msg}" within ${timeout_ms} ms\n${stdout}\n${stderr}`);
        }
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, left);
          waiters.push(() => {
            clearTimeout(timer);
            wake();
          });
        });
      }
    },
  };
}
