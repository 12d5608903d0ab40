// The ledger's admin API. GET /v1/ledger/verify recomputes every balance from the transfers; a report
// with faults is still a 200: the check ran, and its findings are data.
import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { PgLedger, VerifyReport } from '../../ledger';
import { AdminGuard } from '../auth/admin.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { type Jsonified, toJson } from '../common/json';
import { LEDGER } from '../database/database.module';
import { VerifyReportDto } from './dto/verify-report.dto';

export const ADMIN_SECURITY = 'admin';

@ApiTags('ledger')
@ApiBearerAuth(ADMIN_SECURITY)
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No admin token, or a wrong one.' })
@UseGuards(AdminGuard)
@Controller('v1/ledger')
export class LedgerController {
  constructor(@Inject(LEDGER) private readonly ledger: PgLedger) {}

  @Get('verify')
  @ApiOperation({ summary: 'Recompute every balance and check every ledger invariant.' })
  @ApiOkResponse({ type: VerifyReportDto })
  async verify(): Promise<Jsonified<VerifyReport>> {
    return toJson(await this.ledger.verify());
  }
}
