// The pages for people: the citizen checkout (/pay/:bill_id) and the receipts (/receipts/:id), on a
// foundation the merchant and agency pages share: layout and escaping (html.ts), words in vi/en
// (i18n.ts), cookie sessions and CSRF tokens (session.ts), static files (web-pages.ts). docs/pages.md.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { BillsModule } from '../bills/bills.module';
import { ReportsModule } from '../reports/reports.module';
import { AgencyController, AgencyRepository } from './agency.controller';
import { BillerSignIn } from './biller-sign-in';
import { MerchantController, MerchantRepository } from './merchant.controller';
import { PaymentIntentsModule } from '../payment-intents/payment-intents.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { CheckoutController, CheckoutRepository } from './checkout.controller';
import { ReceiptsPagesController } from './receipts-pages.controller';
import { WebSessions } from './session';
import { WebAssetsController, WebPages } from './web-pages';
import { WebSecretsModule } from './web-secrets';

@Module({
  imports: [
    WebSecretsModule,
    BillersModule,
    BillsModule,
    PaymentIntentsModule,
    ReceiptsModule,
    ReportsModule,
  ],
  controllers: [
    WebAssetsController,
    CheckoutController,
    ReceiptsPagesController,
    MerchantController,
    AgencyController,
  ],
  providers: [
    WebSessions,
    WebPages,
    CheckoutRepository,
    // The merchant counter and the agency dashboard.
    BillerSignIn,
    MerchantRepository,
    AgencyRepository,
  ],
  exports: [WebSessions, WebPages, WebSecretsModule],
})
export class WebModule {}
