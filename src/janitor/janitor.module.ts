// The janitor: intents without a callback resolved by querying their gateway, expiry of intents and
// bills. Imports PaymentsModule for the callbacks' apply, GatewaysModule for the adapters.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { PaymentsModule } from '../payments/payments.module';
import { JanitorController } from './janitor.controller';
import { JanitorRepository } from './janitor.repository';
import { JanitorService } from './janitor.service';

@Module({
  imports: [BillersModule, GatewaysModule, PaymentsModule],
  controllers: [JanitorController],
  providers: [JanitorRepository, JanitorService],
  exports: [JanitorService],
})
export class JanitorModule {}
