// The gateways' callbacks into the hub. No authentication: the gateway's signature is the
// authentication, checked by the adapter before anything is read. GET, so Idempotency-Key handling
// (authenticated POSTs only) never applies; a retried callback is deduplicated by the gateway's own
// transaction id instead. Also the admin's list of payments kept for review.
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated } from '../billers/caller.guard';
import { CALLBACK_PATHS } from '../gateways/local-simulators';
import { PaymentCallbacksService } from './payment-callbacks.service';
import { PaymentsRepository } from './payments.repository';

@ApiTags('gateway callbacks')
@Controller()
export class PaymentsController {
  constructor(
    private readonly callbacks: PaymentCallbacksService,
    private readonly repository: PaymentsRepository,
  ) {}

  /** VNPay's IPN: always HTTP 200 with {RspCode, Message}; VNPay reads the code. */
  @Get(CALLBACK_PATHS.vnpay.slice(1))
  @ApiOperation({
    summary: "VNPay's IPN (signed vnp_* query parameters; registered with VNPay per terminal).",
    description:
      'Always HTTP 200 with {"RspCode","Message"}: 00 recorded, 01 order not found, 02 already confirmed, ' +
      '04 amount differs, 97 bad signature, 99 error (VNPay retries). A bad signature changes nothing.',
  })
  @ApiOkResponse({ description: "VNPay's RspCode answer." })
  async vnpayIpn(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const answer = await this.callbacks.handle('vnpay', {
      method: request.method,
      query: request.query as Record<string, string | string[] | undefined>,
      headers: request.headers,
      rawBody: '',
    });
    await reply.status(answer.status).headers(answer.headers).send(answer.body);
  }

  @Get('v1/payment_reviews')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Payments a person must look at: amount mismatches, bills paid twice, open gateway states.',
  })
  @ApiOkResponse({ description: 'The unresolved reviews, oldest first.' })
  async reviews(): Promise<{ object: 'list'; data: Record<string, unknown>[] }> {
    const rows = await this.repository.listOpenReviews();
    return {
      object: 'list',
      data: rows.map((row) => ({
        ...row,
        id: Number(row.id),
        amount: Number(row.amount),
        expected_amount: row.expected_amount === null ? null : Number(row.expected_amount),
        created: Math.floor(row.created_at.getTime() / 1000),
        created_at: undefined,
        resolved_at: undefined,
      })),
    };
  }
}
