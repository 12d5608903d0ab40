// What every command that works on an existing hub database does first: open it without migrating it
// or creating an embedded cluster, refuse if it lacks migrations, and close it whatever happens.
import type { Pool } from 'pg';
import { openHubDatabase } from '../database/hub-database';
import { pendingMigrations } from '../database/migrate';
import { EXIT, type CommandContext } from './command';

/** Runs fn on the migrated database's pool and answers its exit code (3 when not migrated). */
export async function withMigratedDatabase(
  { config, logger, stderr }: Pick<CommandContext, 'config' | 'logger' | 'stderr'>,
  fn: (pool: Pool) => Promise<number>,
): Promise<number> {
  const database = await openHubDatabase(config, logger, {
    migrate: false,
    own_signals: false,
    create_embedded: false,
  });
  try {
    const pending = await pendingMigrations(database.pool);
    if (pending > 0) {
      await stderr(`payhub: the database lacks ${pending} migration(s); run \`payhub migrate\` first\n`);
      return EXIT.unavailable;
    }
    return await fn(database.pool);
  } finally {
    await database.close();
  }
}
