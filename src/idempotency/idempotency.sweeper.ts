// Idempotency-Key rows are only needed for 24 hours (older ones are already ignored): this deletes them
// hourly, in bounded batches, so the table stays the size of one day of POSTs.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const BATCH_SIZE_MAX = 5_000;
/** A day's backlog after a long outage is worked off over several sweeps, not in one long burst. */
const BATCHES_PER_SWEEP_MAX = 100;

@Injectable()
export class IdempotencySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly repository: IdempotencyRepository,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'idempotency-sweep' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), IDEMPOTENCY_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Deletes expired rows; answers how many. One sweep at a time; failures are logged and retried. */
  sweep(): Promise<number> {
    this.sweeping ??= this.prune().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async prune(): Promise<number> {
    let pruned = 0;
    try {
      for (let batch = 0; batch < BATCHES_PER_SWEEP_MAX; batch++) {
        const deleted = await this.repository.pruneExpired(BATCH_SIZE_MAX);
        pruned += deleted;
        if (deleted < BATCH_SIZE_MAX) break;
      }
      if (pruned > 0) this.logger.info({ pruned }, 'pruned expired idempotency keys');
    } catch (error) {
      this.logger.warn({ err: error }, 'idempotency sweep failed');
    }
    return pruned;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
