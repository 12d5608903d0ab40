// The application's module graph. Everything start-up resolved outside Nest (the validated config, the
// logger, the opened database) comes in through forRoot, so tests can build the same graph.
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { BillersModule } from './billers/billers.module';
import { BillsModule } from './bills/bills.module';
import { HubExceptionFilter } from './common/hub-exception.filter';
import { ConfigModule } from './config/config.module';
import type { HubConfig } from './config/config.schema';
import { DatabaseModule } from './database/database.module';
import type { HubDatabaseConnection } from './database/hub-database';
import { GatewaysModule } from './gateways/gateways.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { JanitorModule } from './janitor/janitor.module';
import { LedgerModule } from './ledger/ledger.module';
import { LoggingModule } from './logging/logging.module';
import type { Logger } from './logging/logger';
import { MetricsModule } from './metrics/metrics.module';
import { PaymentIntentsModule } from './payment-intents/payment-intents.module';
import { PaymentsModule } from './payments/payments.module';
import { PayoutsModule } from './payouts/payouts.module';
import { ReceiptsModule } from './receipts/receipts.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { RefundsModule } from './refunds/refunds.module';
import { WebModule } from './web/web.module';
import { ReportsModule } from './reports/reports.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  config: HubConfig;
  logger: Logger;
  database: HubDatabaseConnection;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        LoggingModule.forRoot(options.logger),
        DatabaseModule.forRoot(options.database),
        AuthModule,
        HealthModule,
        MetricsModule,
        LedgerModule,
        IdempotencyModule,
        BillersModule,
        BillsModule,
        GatewaysModule,
        PaymentIntentsModule,
        PaymentsModule,
        ReceiptsModule,
        RefundsModule,
        WebhooksModule,
        JanitorModule,
        ReportsModule,
        PayoutsModule,
        ReconciliationModule,
        WebModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HubExceptionFilter }],
    };
  }
}
