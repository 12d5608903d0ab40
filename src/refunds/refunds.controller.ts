// The refunds API: a biller refunds a succeeded payment intent, whole or in parts, and reads and lists
// its refunds. Another biller's refund answers 404, like one that does not exist.
import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
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
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page } from '../common/pagination';
import { ApiRefundFilters, parseListRefunds } from './dto/list-refunds.dto';
import { CreateRefundDto, RefundDto, RefundListDto } from './dto/refund.dto';
import { RefundsService } from './refunds.service';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

@ApiTags('refunds')
@IdempotentPosts()
@Controller('v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Post()
  @Authenticated('biller')
  @ApiOperation({
    summary: 'Refund a succeeded payment intent through its gateway, whole or in part.',
    description:
      'Answers the refund: succeeded, failed (the gateway refused; nothing was refunded) or pending (the ' +
      'gateway has not decided; the hub asks again and sends refund.succeeded when it has).',
  })
  @ApiBody({ type: CreateRefundDto })
  @ApiCreatedResponse({ type: RefundDto })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description:
      'A bad parameter, refund_payment_not_succeeded, refund_amount_exceeds_remaining, ' +
      'refund_partial_not_supported, refund_not_supported.',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'payment_intent_not_found: no such payment intent, or another biller’s.',
  })
  @ApiConflictResponse({
    type: ErrorBodyDto,
    description: 'refund_insufficient_balance: what the biller is owed no longer covers it.',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<RefundDto> {
    const key = request.headers['idempotency-key'];
    return this.refunds.create(principal, body, {
      requester_ip: request.ip,
      idempotency_key: typeof key === 'string' ? key : null,
    });
  }

  @Get()
  @Authenticated('biller')
  @ApiOperation({ summary: 'List the biller’s refunds, newest first.' })
  @ApiPageQuery()
  @ApiRefundFilters()
  @ApiOkResponse({ type: RefundListDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<Page<RefundDto>> {
    const { page, filter } = parseListRefunds(query);
    return this.refunds.list(principal, filter, page);
  }

  @Get(':id')
  @Authenticated('biller')
  @ApiOperation({ summary: 'Read a refund.' })
  @ApiOkResponse({ type: RefundDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such refund, or another biller’s.' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<RefundDto> {
    return this.refunds.get(principal, id);
  }
}
