// Applies the numbered plain-SQL migrations in migrations/ exactly once each, under an advisory lock
// so that hub instances starting together never collide.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool, PoolClient } from 'pg';

export const MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'migrations');
/** An arbitrary constant shared by every payhub process: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 0x70617968; // "payh"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file ${file} is not named NNNN_name.sql`);
      return { version: Number(match[1]), name: match[2], sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.version} is out of sequence`);
  });
  return migrations;
}

export interface MigrationReport {
  applied: string[];
  current_version: number;
}

export async function migrate(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<MigrationReport> {
  const migrations = loadMigrations(dir);
  const client: PoolClient = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(done.rows.map((row) => row.version));
      const report: MigrationReport = { applied: [], current_version: 0 };
      for (const migration of migrations) {
        if (!applied.has(migration.version)) {
          await client.query('BEGIN');
          try {
            await client.query(migration.sql);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
              migration.version,
              migration.name,
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw new Error(
              `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
            );
          }
          report.applied.push(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
        }
        report.current_version = migration.version;
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/** For readiness: is the database at the newest migration this build knows? */
export async function pendingMigrations(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<number> {
  const known = loadMigrations(dir);
  const exists = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0]?.present) return known.length;
  const done = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(done.rows.map((row) => row.version));
  return known.filter((migration) => !applied.has(migration.version)).length;
}
