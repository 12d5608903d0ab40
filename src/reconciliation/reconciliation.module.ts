// Reconciliation of the gateways' daily settlement files (docs/reconciliation.md). Imports
// PaymentsModule for the callbacks' apply (late postings), GatewaysModule for the adapters and fees,
// JanitorModule and JobsModule for the scheduled run (pg-boss cron).
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { JanitorModule } from '../janitor/janitor.module';
import { JobsModule } from '../jobs/jobs.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationResolutions } from './reconciliation.resolutions';
import { ReconciliationScheduler } from './reconciliation.schedule';
import { ReconciliationService } from './reconciliation.service';

@Module({
  imports: [BillersModule, GatewaysModule, PaymentsModule, JanitorModule, JobsModule],
  controllers: [ReconciliationController],
  providers: [
    ReconciliationRepository,
    ReconciliationService,
    ReconciliationResolutions,
    ReconciliationScheduler,
  ],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
