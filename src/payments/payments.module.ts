// Gateway callbacks: verified events move payment intents on, and a paid intent pays its bill, posts to
// the ledger, issues the receipt and records the webhook events in one transaction.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { PaymentIntentsModule } from '../payment-intents/payment-intents.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { PAYMENT_FEES, PaymentCallbacksService } from './payment-callbacks.service';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';

@Module({
  imports: [BillersModule, GatewaysModule, PaymentIntentsModule, ReceiptsModule, WebhooksModule],
  controllers: [PaymentsController],
  providers: [
    PaymentsRepository,
    PaymentCallbacksService,
    // No fee table is configured yet (no setting exists): no fee transfer is posted until one is.
    { provide: PAYMENT_FEES, useValue: {} },
  ],
})
export class PaymentsModule {}
