// Gateway callbacks: verified events move payment intents on, and a paid intent pays its bill, posts to
// the ledger, issues the receipt and records the webhook events in one transaction.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { MetricsModule } from '../metrics/metrics.module';
import { PaymentIntentsModule } from '../payment-intents/payment-intents.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { PaymentCallbacksService } from './payment-callbacks.service';
import { PaymentConfirmations } from './payment-confirmations';
import { BankTransferController } from './bank-transfer.controller';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { ReturnController, ReturnPagesRepository } from './return.controller';

@Module({
  imports: [
    BillersModule,
    GatewaysModule,
    MetricsModule,
    PaymentIntentsModule,
    ReceiptsModule,
    WebhooksModule,
  ],
  controllers: [PaymentsController, BankTransferController, ReturnController],
  providers: [PaymentsRepository, PaymentCallbacksService, PaymentConfirmations, ReturnPagesRepository],
  // The janitor (src/janitor/) applies what a gateway query finds through the same path.
  exports: [PaymentCallbacksService],
})
export class PaymentsModule {}
