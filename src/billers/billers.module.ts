// Billers and their API keys. Exports the guard behind @Authenticated(...), so the modules that come
// next (bills, payment intents, receipts) authenticate billers and scope their queries the same way.
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BillersController } from './billers.controller';
import { BillersRepository } from './billers.repository';
import { BillersService } from './billers.service';
import { CallerGuard } from './caller.guard';

@Module({
  imports: [AuthModule],
  controllers: [BillersController],
  providers: [BillersRepository, BillersService, CallerGuard],
  exports: [AuthModule, BillersRepository, CallerGuard],
})
export class BillersModule {}
