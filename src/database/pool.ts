// One place that creates Postgres pools, so every pool parses int8 as bigint (money is never a float).
import { Pool, types, type PoolConfig } from 'pg';

const BIGINT_OID = 20;

/** Type parsers for a pool: int8 becomes bigint; everything else keeps pg's defaults. */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === BIGINT_OID && format !== 'binary') return (value: string) => BigInt(value);
    return types.getTypeParser(oid, format);
  }) as typeof types.getTypeParser,
};

export function createPool(url: string, options: Omit<PoolConfig, 'connectionString'> = {}): Pool {
  return new Pool({ connectionString: url, types: pgTypes, ...options });
}

/** Creates a database if it does not exist yet (Postgres has no CREATE DATABASE IF NOT EXISTS). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${name}`);
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        // Another instance created it between our check and our CREATE: that is what we wanted.
        if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505')
          throw error;
      }
    }
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + name;
  return parsed.toString();
}
