// The ledger inside the app: its admin API and the sweep that expires pending transfers. The ledger
// itself (ledger/) is plain TypeScript; DatabaseModule provides the instance.
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LedgerExpirySweeper } from './ledger-expiry.service';
import { LedgerController } from './ledger.controller';

@Module({
  imports: [AuthModule],
  controllers: [LedgerController],
  providers: [LedgerExpirySweeper],
})
export class LedgerModule {}
