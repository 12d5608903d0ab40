// Readiness: the database answers, and its schema is at the newest migration this build knows.
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import { pendingMigrations } from '../database/migrate';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import type { ReadinessDto } from './health.dto';

/** A readiness probe that hangs is worse than one that fails: the orchestrator waits on it. */
export const READINESS_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>, timeout_ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeout_ms} ms`)), timeout_ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  async readiness(): Promise<ReadinessDto> {
    try {
      const pending = await withTimeout(pendingMigrations(this.pool), READINESS_TIMEOUT_MS);
      return { status: pending === 0 ? 'ready' : 'not_ready', database: 'ok', migrations_pending: pending };
    } catch (error) {
      this.logger.warn({ err: error }, 'readiness check: database unreachable');
      return { status: 'not_ready', database: 'unreachable', migrations_pending: null };
    }
  }
}
