// Refunds the gateway left pending (it answered "processing", or nothing at all) must still end: this
// asks the gateway again every SWEEP_INTERVAL_MS about each refund pending for STALE_AFTER_MS, and
// posts or voids its ledger reservation once the gateway has decided. One sweep at a time per process;
// several hubs sweeping the same refund finish it once (RefundsService.finish locks the refund row).
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { RefundsDb } from './refunds-db';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

export const SWEEP_INTERVAL_MS = 60_000;
/**
 * A refund is left alone this long after the hub last heard of it: far beyond any gateway call's
 * timeout, so the sweep never races the request still waiting for the gateway's first answer.
 */
export const STALE_AFTER_MS = 10 * 60_000;
/** Refunds handled per sweep; the rest wait for the next one. */
const SWEEP_BATCH_MAX = 100;

@Injectable()
export class RefundsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly repository: RefundsRepository,
    private readonly refunds: RefundsService,
    private readonly db: RefundsDb,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'refunds-sweep' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), SWEEP_INTERVAL_MS);
    // The sweep never keeps the process alive on its own.
    this.timer.unref();
  }

  private tick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep().finally(() => {
      this.sweeping = null;
    });
  }

  /**
   * Asks about each stale pending refund once; answers how many it finished. A refund the gateway has
   * not decided (or cannot be asked about) is touched, so it waits STALE_AFTER_MS before the next try.
   */
  async sweep(stale_after_ms = STALE_AFTER_MS): Promise<number> {
    let finished = 0;
    try {
      const pending = await this.repository.listStalePending(stale_after_ms, SWEEP_BATCH_MAX);
      for (const refund of pending) {
        const outcome = await this.refunds.probe(refund);
        if (outcome && outcome.status !== 'pending') {
          await this.refunds.finish(refund.id, outcome);
          finished++;
        } else {
          await this.refunds.notePending(refund.id, outcome);
          if (!outcome)
            this.logger.warn(
              { refund: refund.id, gateway: refund.gateway },
              'refund still pending and the gateway cannot be asked about it; check it by hand',
            );
        }
      }
      if (finished > 0) this.logger.info({ finished }, 'finished pending refunds');
    } catch (error) {
      this.logger.warn({ err: error }, 'refund sweep failed');
    }
    return finished;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
    // Last user of the refunds' pool gone (the HTTP server closed before the shutdown hooks): end it.
    await this.db.close();
  }
}
