// The receipts API: a biller (or the admin) reads a receipt with its JWS; anyone verifies a JWS, no
// credentials needed, since a receipt's holder is usually a citizen; the admin sets a biller's series.
import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ReceiptDto } from './dto/receipt.dto';
import { parseSetReceiptSeries, ReceiptSeriesDto, SetReceiptSeriesDto } from './dto/receipt-series.dto';
import { parseVerifyReceipt, ReceiptVerificationDto, VerifyReceiptDto } from './dto/verify-receipt.dto';
import { ReceiptsService } from './receipts.service';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

const BAD_REQUEST = {
  type: ErrorBodyDto,
  description: 'A parameter is missing, unknown or invalid.',
} as const;

@ApiTags('receipts')
@IdempotentPosts()
@Controller()
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get('v1/receipts/:id')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Read a receipt with its JWS (and its cancellation, if cancelled).' })
  @ApiOkResponse({ type: ReceiptDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such receipt, or another biller’s.' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ReceiptDto> {
    return this.receipts.get(principal, id);
  }

  @Post('v1/receipts/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify a receipt’s JWS (public): valid, or invalid with the reason.',
    description:
      'Reasons: malformed, unknown_kid, bad_signature, unknown_receipt (signed by no receipt the hub ' +
      'keeps), cancelled (the receipt is genuine but cancelled; its cancellation is in the answer).',
  })
  @ApiBody({ type: VerifyReceiptDto })
  @ApiOkResponse({ type: ReceiptVerificationDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  verify(@Body() body: unknown): Promise<ReceiptVerificationDto> {
    return this.receipts.verify(parseVerifyReceipt(body).jws);
  }

  @Get('v1/billers/:id/receipt_series')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'A biller’s receipt symbols (the hub’s placeholders until set).' })
  @ApiOkResponse({ type: ReceiptSeriesDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller, or another biller’s.' })
  getSeries(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ReceiptSeriesDto> {
    return this.receipts.getSeries(principal, id);
  }

  @Put('v1/billers/:id/receipt_series')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Set a biller’s receipt symbols; a new series numbers from 1, an earlier one continues.',
  })
  @ApiBody({ type: SetReceiptSeriesDto })
  @ApiOkResponse({ type: ReceiptSeriesDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller.' })
  @ApiBadRequestResponse(BAD_REQUEST)
  setSeries(@Param('id') id: string, @Body() body: unknown): Promise<ReceiptSeriesDto> {
    return this.receipts.setSeries(id, parseSetReceiptSeries(body));
  }
}
