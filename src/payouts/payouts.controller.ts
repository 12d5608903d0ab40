// The payouts API (admin only): what each agency is owed, batches with their file for the treasury or
// the bank, and the bank's answer (confirm or cancel). Also each biller's payout account.
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { BillerError } from '../billers/billers.errors';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page, pageRequest } from '../common/pagination';
import { objectBody } from '../common/validation';
import {
  BillerPayoutAccountDto,
  CreatePayoutDto,
  OwedListDto,
  type OwedDto,
  PayoutAccountDto,
  PayoutDto,
  PayoutListDto,
  type PayoutSummaryDto,
} from './dto/payout.dto';
import { PayoutsService } from './payouts.service';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

/** The HTTP header that carries the batch file's checksum, as `sha256=<hex>`. */
export const CHECKSUM_HEADER = 'Payhub-Checksum';

const NOT_FOUND = { type: ErrorBodyDto, description: 'payout_not_found: no such payout.' } as const;

@ApiTags('payouts')
@IdempotentPosts()
@Controller()
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Get('v1/payouts/owed')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'What each agency is owed: its payable balance, what is reserved, and what is available.',
  })
  @ApiOkResponse({ type: OwedListDto })
  owed(): Promise<Page<OwedDto>> {
    return this.payouts.owed();
  }

  @Post('v1/payouts')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Make a payout batch for every agency owed more than zero (or those named).',
    description:
      'Reserves each amount in the ledger (pending payable → bank:collection) and fixes the batch file ' +
      '(GET /v1/payouts/{id}/file). Confirm once the bank has paid; cancel to release.',
  })
  @ApiBody({ type: CreatePayoutDto, required: false })
  @ApiCreatedResponse({ type: PayoutDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A bad parameter (billers).' })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'biller_not_found: a named biller does not exist.',
  })
  @ApiConflictResponse({
    type: ErrorBodyDto,
    description: 'payout_nothing_owed, or payout_balance_changed (try again).',
  })
  create(@Body() body: unknown): Promise<PayoutDto> {
    return this.payouts.create(body);
  }

  @Get('v1/payouts')
  @Authenticated('admin')
  @ApiOperation({ summary: 'List payout batches, newest first.' })
  @ApiPageQuery()
  @ApiOkResponse({ type: PayoutListDto })
  list(@Query() query: Record<string, unknown>): Promise<Page<PayoutSummaryDto>> {
    const fields = objectBody(query, ['limit', 'starting_after']);
    return this.payouts.list(pageRequest(fields, 'payout'));
  }

  @Get('v1/payouts/:id')
  @Authenticated('admin')
  @ApiOperation({ summary: 'Read a payout batch with its items.' })
  @ApiOkResponse({ type: PayoutDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id') id: string): Promise<PayoutDto> {
    return this.payouts.get(id);
  }

  @Get('v1/payouts/:id/file')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'The batch file for the treasury or the bank (CSV, UTF-8, CRLF), with its checksum.',
    description:
      'One D line per agency, a T line with the count and total, and a last C line whose note is ' +
      '`sha256:<hex>`: the SHA-256 of every byte before that line. The same value is in the ' +
      'Payhub-Checksum header (`sha256=<hex>`) and the payout’s file_sha256 (docs/reports.md#payouts).',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The CSV file.' })
  @ApiNotFoundResponse(NOT_FOUND)
  async file(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const file = await this.payouts.file(id);
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="${id}.csv"`);
    reply.header('cache-control', 'no-store');
    reply.header(CHECKSUM_HEADER, `sha256=${file.sha256}`);
    return file.content;
  }

  @Post('v1/payouts/:id/confirm')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary: 'The bank paid the batch: post every reservation (payable → bank:collection), once.',
    description: 'A confirmed batch answers as it is; confirming it again changes nothing.',
  })
  @ApiOkResponse({ type: PayoutDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'payout_cancelled.' })
  confirm(@Param('id') id: string): Promise<PayoutDto> {
    return this.payouts.confirm(id);
  }

  @Post('v1/payouts/:id/cancel')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({ summary: 'The batch will not be paid: release every reservation, once.' })
  @ApiOkResponse({ type: PayoutDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'payout_confirmed.' })
  cancel(@Param('id') id: string): Promise<PayoutDto> {
    return this.payouts.cancel(id);
  }

  @Get('v1/billers/:id/payout_account')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'A biller’s payout account (null until set).' })
  @ApiOkResponse({ type: BillerPayoutAccountDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller, or another biller’s.' })
  getAccount(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<BillerPayoutAccountDto> {
    if (principal.kind === 'biller' && principal.biller_id !== id)
      throw new BillerError('biller_not_found', `No such biller: ${id.slice(0, 64)}.`, 'id');
    return this.payouts.getPayoutAccount(id);
  }

  @Put('v1/billers/:id/payout_account')
  @Authenticated('admin')
  @ApiOperation({ summary: 'Set a biller’s payout account (its treasury or bank account).' })
  @ApiBody({ type: PayoutAccountDto })
  @ApiOkResponse({ type: BillerPayoutAccountDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller.' })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A missing or invalid field.' })
  setAccount(@Param('id') id: string, @Body() body: unknown): Promise<BillerPayoutAccountDto> {
    return this.payouts.setPayoutAccount(id, body);
  }
}
