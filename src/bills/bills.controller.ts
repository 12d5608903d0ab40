// The bills API: a biller issues bills (fee, parking, hospital), reads and lists its own, and cancels
// an open one. Every POST takes an Idempotency-Key (src/idempotency/, for all modules).
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page } from '../common/pagination';
import { BillsService } from './bills.service';
import { BillDto, BillListDto } from './dto/bill.dto';
import { CreateBillDto } from './dto/create-bill.dto';
import { ApiBillFilters, parseListBills } from './dto/list-bills.dto';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

const NOT_FOUND = { type: ErrorBodyDto, description: 'No such bill, or another biller’s.' } as const;
const BAD_REQUEST = {
  type: ErrorBodyDto,
  description: 'A parameter is missing, unknown or invalid; the code names the rule (docs/bills.md).',
} as const;

@ApiTags('bills')
@IdempotentPosts()
@Controller('v1/bills')
export class BillsController {
  constructor(private readonly bills: BillsService) {}

  @Post()
  @Authenticated('biller')
  @ApiOperation({
    summary: 'Issue a bill; the hub computes its amount from the lines (or the parking tariff).',
  })
  @ApiBody({ type: CreateBillDto })
  @ApiCreatedResponse({ type: BillDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'bill_reference_exists, deposit_already_applied.' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<BillDto> {
    return this.bills.create(principal, body);
  }

  @Get()
  @Authenticated('biller')
  @ApiOperation({ summary: 'List the biller’s bills, newest first.' })
  @ApiPageQuery()
  @ApiBillFilters()
  @ApiOkResponse({ type: BillListDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<Page<BillDto>> {
    const { page, filters } = parseListBills(query);
    return this.bills.list(principal, filters, page);
  }

  @Get(':id')
  @Authenticated('biller')
  @ApiOperation({ summary: 'Read a bill.' })
  @ApiOkResponse({ type: BillDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<BillDto> {
    return this.bills.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated('biller')
  @ApiOperation({ summary: 'Cancel an open bill; its reference can then be used again.' })
  @ApiOkResponse({ type: BillDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'bill_not_open: paid, expired or cancelled.' })
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<BillDto> {
    return this.bills.cancel(principal, id);
  }
}
