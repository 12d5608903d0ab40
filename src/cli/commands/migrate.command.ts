// `payhub migrate`: applies pending migrations to DATABASE_URL, or to the embedded Postgres under
// HUB_DATA_DIR (started for the purpose and stopped after), and prints what it applied as JSON.
import { openHubDatabase } from '../../database/hub-database';
import { EXIT, type Command } from '../command';

export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply pending database migrations.',
  details: [
    'Applies the migrations this build knows and the database lacks, under an advisory lock (safe while',
    'hubs are running). Uses DATABASE_URL, or the embedded Postgres under HUB_DATA_DIR when it is unset.',
    'Prints {"applied": [...], "current_version": N}.',
  ].join('\n'),
  options: {},
  async run({ config, logger, stdout }) {
    const database = await openHubDatabase(config, logger, {
      migrate: true,
      own_signals: false,
      create_embedded: true,
    });
    try {
      await stdout(JSON.stringify(database.migrations) + '\n');
      return EXIT.ok;
    } finally {
      await database.close();
    }
  },
};
