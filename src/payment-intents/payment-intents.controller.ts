// The payment intents API: a biller starts an attempt to pay one of its bills through a gateway, reads,
// lists and cancels its attempts; the payer's checkout page loads a VietQR attempt's code as a PNG.
import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page } from '../common/pagination';
import { ApiPaymentIntentFilters, parseListPaymentIntents } from './dto/list-payment-intents.dto';
import { CreatePaymentIntentDto, PaymentIntentDto, PaymentIntentListDto } from './dto/payment-intent.dto';
import { PaymentIntentsService } from './payment-intents.service';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

const NOT_FOUND = {
  type: ErrorBodyDto,
  description: 'No such payment intent, or another biller’s.',
} as const;

@ApiTags('payment intents')
@IdempotentPosts()
@Controller('v1/payment_intents')
export class PaymentIntentsController {
  constructor(private readonly intents: PaymentIntentsService) {}

  @Post()
  @Authenticated('biller')
  @ApiOperation({ summary: 'Start paying an open bill through a gateway; answers the payer’s next action.' })
  @ApiBody({ type: CreatePaymentIntentDto })
  @ApiCreatedResponse({ type: PaymentIntentDto })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description:
      'A bad parameter, or the gateway’s limits refuse the order (payment_intent_amount_below_minimum …).',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'bill_not_found: no such bill, or another biller’s.',
  })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'bill_not_open, payment_intent_nothing_due.' })
  @ApiBadGatewayResponse({ type: ErrorBodyDto, description: 'gateway_declined: do not retry as is.' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'gateway_unavailable: retry later.' })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<PaymentIntentDto> {
    // The payer's address as the gateway wants it (VNPay's vnp_IpAddr): the biller's server calls us on
    // the payer's behalf, so this is the closest address the hub knows.
    return this.intents.create(principal, body, request.ip);
  }

  @Get()
  @Authenticated('biller')
  @ApiOperation({ summary: 'List the biller’s payment intents, newest first.' })
  @ApiPageQuery()
  @ApiPaymentIntentFilters()
  @ApiOkResponse({ type: PaymentIntentListDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<Page<PaymentIntentDto>> {
    const { page, filters } = parseListPaymentIntents(query);
    return this.intents.list(principal, filters, page);
  }

  @Get(':id')
  @Authenticated('biller')
  @ApiOperation({ summary: 'Read a payment intent; `receipt` names its receipt once it succeeded.' })
  @ApiOkResponse({ type: PaymentIntentDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PaymentIntentDto> {
    return this.intents.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated('biller')
  @ApiOperation({ summary: 'Cancel a payment intent that still requires the payer’s action.' })
  @ApiOkResponse({ type: PaymentIntentDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'payment_intent_not_cancelable.' })
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PaymentIntentDto> {
    return this.intents.cancel(principal, id);
  }

  /**
   * Public: the citizen's checkout page has the intent id but no credential. The id is 80 random bits,
   * and the image shows only what the payer is shown anyway (collection account, amount, reference).
   */
  @Get(':id/qr.png')
  @Header('Content-Type', 'image/png')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The VietQR of an intent waiting for a bank transfer, as a PNG (no authentication).',
  })
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'The PNG image.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such VietQR intent, or no longer payable.' })
  qr(@Param('id') id: string): Promise<Buffer> {
    return this.intents.qrPng(id);
  }
}
