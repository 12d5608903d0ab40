// Agency payouts: what each agency is owed, batches reserved in the ledger with their file for the bank,
// and their confirmation or cancellation (docs/reports.md#payouts).
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { PayoutsController } from './payouts.controller';
import { PayoutsRepository } from './payouts.repository';
import { PayoutsService } from './payouts.service';

@Module({
  imports: [BillersModule],
  controllers: [PayoutsController],
  providers: [PayoutsRepository, PayoutsService],
})
export class PayoutsModule {}
