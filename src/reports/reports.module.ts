// Agency statements (docs/reports.md): receipts, refunds and payouts of a period, their totals and the
// cashless share, in JSON, CSV or XLSX, tied to the ledger.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

@Module({
  imports: [BillersModule],
  controllers: [ReportsController],
  providers: [ReportsRepository, ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
