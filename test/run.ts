// `npm test`'s runner: one Postgres for the whole run (embedded, or DATABASE_URL), migrated once into a
// template database that every suite clones (test/support/database.ts), then Node's test runner.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres';
import { migrate } from '../src/database/migrate';
import { createPool, withDatabase } from '../src/database/pool';
import { Pool } from 'pg';

export const TEMPLATE_DATABASE = 'payhub_test_template';
const ROOT = resolve(__dirname, '..');
const SEARCHED = ['ledger', 'adapters', 'src', 'scripts', 'test'];

function findTests(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (entry.endsWith('.test.ts')) found.push(relative(ROOT, path));
  }
  return found;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = SEARCHED.flatMap((dir) => {
    try {
      return findTests(join(ROOT, dir));
    } catch {
      return [];
    }
  })
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort();
  if (files.length === 0) {
    console.error('no test files matched');
    return 1;
  }

  let server: RunningPostgres | null = null;
  let scratch: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    scratch = mkdtempSync(join(tmpdir(), 'payhub-test-'));
    server = await startEmbeddedPostgres({ data_dir: scratch, durable: false, max_connections: 400 });
    adminUrl = server.url;
  }
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  // A connection still closing when the server stops is cut by it: expected at the end of a run.
  admin.on('error', () => undefined);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    const template = createPool(withDatabase(adminUrl, TEMPLATE_DATABASE), { max: 1 });
    await migrate(template);
    await template.end();

    const code = await new Promise<number>((done) => {
      const child = spawn(
        process.execPath,
        ['--require', '@swc-node/register', '--test', '--test-concurrency=2', ...files],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: { ...process.env, PAYHUB_TEST_ADMIN_URL: adminUrl, PAYHUB_TEST_TEMPLATE: TEMPLATE_DATABASE },
        },
      );
      child.on('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)));
    });
    return code;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`).catch(() => undefined);
    await admin.end();
    if (server) await server.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
