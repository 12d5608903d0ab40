// Agency statements: GET /v1/reports/statements in JSON, CSV or XLSX, streamed. A biller reads only its
// own (another biller's answers 404); the admin names the biller.
import { Controller, Get, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { StatementDto } from './dto/statement.dto';
import { ReportsService } from './reports.service';
import { STATEMENT_CONTENT_TYPES, statementStream } from './statement-writers';

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('statements')
  @Authenticated('admin', 'biller')
  @ApiOperation({
    summary:
      'An agency’s statement for a day or a period: receipts, refunds, payouts, totals, the tie to the ledger.',
    description:
      'Entries are placed in the period by the time the ledger booked them (Vietnam dates, both ends ' +
      'inclusive, at most 366 days). `ties` says whether the statement’s payable movement equals the ' +
      'ledger’s (docs/reports.md).',
  })
  @ApiQuery({ name: 'biller', required: false, description: 'Required for the admin; a biller may omit it.' })
  @ApiQuery({ name: 'from', required: true, example: '2026-12-01', description: 'YYYY-MM-DD, Vietnam time.' })
  @ApiQuery({ name: 'to', required: false, example: '2026-12-31', description: 'YYYY-MM-DD; absent: from.' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'], description: 'Default json.' })
  @ApiProduces(STATEMENT_CONTENT_TYPES.json, 'text/csv', STATEMENT_CONTENT_TYPES.xlsx)
  @ApiOkResponse({ type: StatementDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A missing, unknown or invalid parameter.' })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'biller_not_found: no such biller, or another biller’s.',
  })
  async statement(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const statement = await this.reports.open(principal, query);
    const { format, period, biller_id } = statement;
    reply.header('cache-control', 'no-store');
    const disposition =
      format === 'json'
        ? undefined
        : `attachment; filename="statement-${biller_id}-${period.from}-${period.to}.${format}"`;
    return new StreamableFile(statementStream(statement), {
      type: STATEMENT_CONTENT_TYPES[format],
      ...(disposition ? { disposition } : {}),
    });
  }
}
