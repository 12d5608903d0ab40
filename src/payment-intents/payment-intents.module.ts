// Payment intents: attempts to pay a bill through a gateway. Imports BillsModule for the bills they pay,
// BillersModule for @Authenticated(...), and GatewaysModule for the adapters.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { BillsModule } from '../bills/bills.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { PaymentIntentsController } from './payment-intents.controller';
import { PaymentIntentsRepository } from './payment-intents.repository';
import { PaymentIntentsService } from './payment-intents.service';

@Module({
  imports: [BillersModule, BillsModule, GatewaysModule],
  controllers: [PaymentIntentsController],
  providers: [PaymentIntentsRepository, PaymentIntentsService],
  exports: [PaymentIntentsRepository, PaymentIntentsService],
})
export class PaymentIntentsModule {}
