// Refunds: a succeeded payment intent refunded through its gateway, with the ledger reservation made
// before the call, the receipts settled per REFUND_RECEIPTS and the sweep of refunds left pending.
import { Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RefundsDb } from './refunds-db';
import { RefundsController } from './refunds.controller';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';
import { RefundsSweeper } from './refunds.sweeper';

@Module({
  imports: [BillersModule, GatewaysModule, ReceiptsModule, WebhooksModule],
  controllers: [RefundsController],
  providers: [
    {
      provide: RefundsDb,
      inject: [PG_POOL, HUB_LOGGER],
      useFactory: (pool: Pool, logger: Logger) => new RefundsDb(pool, logger),
    },
    RefundsRepository,
    RefundsService,
    RefundsSweeper,
  ],
})
export class RefundsModule {}
