// Reconciliation of the gateways' daily settlement files (docs/reconciliation.md). Imports
// PaymentsModule for the callbacks' apply (late postings), GatewaysModule for the adapters and fees.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { PaymentsModule } from '../payments/payments.module';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';

@Module({
  imports: [BillersModule, GatewaysModule, PaymentsModule],
  controllers: [ReconciliationController],
  providers: [ReconciliationRepository, ReconciliationService],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
