// Bills: issuing, reading and cancelling them, and the parking tariffs that price stays. Imports
// BillersModule for @Authenticated(...) and to find a biller the admin names.
import { Module } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { BillsController } from './bills.controller';
import { BillsRepository } from './bills.repository';
import { BillsService } from './bills.service';
import { ParkingTariffsController } from './parking-tariffs.controller';
import { WebSecretsModule } from '../web/web-secrets';

@Module({
  imports: [BillersModule, WebSecretsModule],
  controllers: [BillsController, ParkingTariffsController],
  providers: [BillsRepository, BillsService],
  exports: [BillsRepository, BillsService],
})
export class BillsModule {}
