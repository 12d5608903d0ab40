// Pending transfers past their timeout must release their reservation even when nobody asks: this
// sweeps them every LEDGER_EXPIRY_SWEEP_MS, one sweep at a time, and stops before the ledger drains.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PgLedger } from '../../ledger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { LEDGER } from '../database/database.module';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';

@Injectable()
export class LedgerExpirySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(
    @Inject(LEDGER) private readonly ledger: PgLedger,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'ledger-expiry' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.ledger_expiry_sweep_ms);
    // The sweep never keeps the process alive on its own.
    this.timer.unref();
  }

  /** Starts a sweep unless one is still running (a slow database must not pile sweeps up). */
  private tick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep().then(() => {
      this.sweeping = null;
    });
  }

  /** Expires what is due; answers how many. Failures are logged and retried on the next tick. */
  async sweep(): Promise<number> {
    try {
      const expired = await this.ledger.expirePendingTransfers();
      if (expired > 0) this.logger.info({ expired }, 'expired pending transfers');
      return expired;
    } catch (error) {
      this.logger.warn({ err: error }, 'expiry sweep failed');
      return 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
