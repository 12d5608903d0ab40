// Makes the Postgres pool and the ledger injectable, and closes them in order at shutdown: the HTTP
// server has stopped by then (Nest closes it before the shutdown hooks), so the ledger's last batches
// drain, the pool ends, and the embedded Postgres, if any, stops last.
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { PgLedger } from '../../ledger';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { Db } from './db';
import type { HubDatabaseConnection } from './hub-database';
import { StatisticsKeeper } from './statistics-keeper';

/** Injection token of the pg Pool: `@Inject(PG_POOL) pool: Pool`. */
export const PG_POOL = Symbol('PG_POOL');
/** Injection token of the PgLedger: `@Inject(LEDGER) ledger: PgLedger`. */
export const LEDGER = Symbol('LEDGER');
/** Injection token of the HubDatabaseConnection (pool plus the embedded Postgres, if any). */
export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');

@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE_CONNECTION) private readonly connection: HubDatabaseConnection,
    @Inject(LEDGER) private readonly ledger: PgLedger,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.ledger.drain();
    this.logger.info('ledger drained');
    await this.connection.close();
    this.logger.info('database closed');
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(connection: HubDatabaseConnection): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        { provide: DATABASE_CONNECTION, useValue: connection },
        { provide: PG_POOL, useValue: connection.pool },
        { provide: LEDGER, useFactory: (pool: Pool) => new PgLedger(pool), inject: [PG_POOL] },
        { provide: Db, useFactory: (pool: Pool) => new Db(pool), inject: [PG_POOL] },
        DatabaseLifecycle,
        StatisticsKeeper,
      ],
      exports: [PG_POOL, LEDGER, DATABASE_CONNECTION, Db],
    };
  }
}
