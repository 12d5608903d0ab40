// Biller webhooks: events recorded in the transaction that caused them (WebhooksService.recordEvent,
// for the payment, receipt and refund flows), delivered and retried by pg-boss, and the events API.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { JobsModule } from '../jobs/jobs.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { EventsController } from './events.controller';
import { WebhookDelivery } from './webhook-delivery';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [BillersModule, JobsModule, MetricsModule, ReceiptsModule],
  controllers: [EventsController],
  providers: [WebhooksRepository, WebhookDelivery, WebhooksService],
  exports: [WebhooksService],
})
export class WebhooksModule {}
