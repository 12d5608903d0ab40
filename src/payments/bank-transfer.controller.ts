// The bank's transfer notifications for the VietQR collection account (NAPAS sends no callback of its
// own). No authentication: the X-Signature HMAC over the exact bytes received is, checked by the
// adapter before anything in the body is trusted. No Idempotency-Key either (unauthenticated POST): a
// resent notification is deduplicated by the bank's transaction reference (bank_ref).
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CALLBACK_PATHS } from '../gateways/local-simulators';
import { PaymentCallbacksService } from './payment-callbacks.service';

const NOTIFICATION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['account_no', 'amount', 'description', 'bank_ref', 'transferred_at'],
  properties: {
    account_no: { type: 'string', description: 'The collection account credited.' },
    amount: {
      oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[1-9][0-9]{0,18}$' }],
      description: 'VND (dong): a JSON integer when it is a safe integer, else a digit string.',
    },
    description: { type: 'string', description: 'The transfer message as the payer’s bank wrote it.' },
    bank_ref: { type: 'string', description: 'The bank’s transaction reference: unique per transfer.' },
    transferred_at: { type: 'string', format: 'date-time', example: '2026-01-15T10:30:00+07:00' },
  },
};

const REPLY_SCHEMA: SchemaObject = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, outcome: { type: 'string', example: 'recorded' } },
};

@ApiTags('gateway callbacks')
@Controller()
export class BankTransferController {
  constructor(private readonly callbacks: PaymentCallbacksService) {}

  /** The adapter answers: 200 when the transfer is booked (or was already), a 4xx when refused. */
  @Post(CALLBACK_PATHS.bank_transfer.slice(1))
  @HttpCode(200)
  @ApiOperation({
    summary: 'Bank-transfer notification for VietQR payments (signed JSON from the collection bank).',
    description:
      'X-Signature: hex HMAC-SHA256 of the raw body with BANK_NOTIFY_SECRET. A transfer whose ' +
      'description names a VietQR payment intent with its amount pays it (intent, bill, ledger, ' +
      'receipt, events in one transaction). Any other verified transfer (reference missing, unknown, ' +
      'ambiguous, amount differs, bill already paid) is booked to suspense:vietqr and kept in ' +
      '/v1/payment_reviews, once per bank_ref. Answers {"ok","outcome"}: 200 `recorded` or ' +
      '`already_confirmed` (do not resend); 400 malformed, 401 bad signature, 403 another account, ' +
      '503 the hub failed (resend later). A refused notification changes nothing.',
  })
  @ApiHeader({ name: 'X-Signature', required: true, description: 'hex HMAC-SHA256 of the raw body' })
  @ApiBody({ schema: NOTIFICATION_SCHEMA })
  @ApiOkResponse({ description: 'Booked, now or before.', schema: REPLY_SCHEMA })
  @ApiBadRequestResponse({ description: 'Not a well-formed notification.', schema: REPLY_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'X-Signature missing or wrong.', schema: REPLY_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'The hub failed; resend later.', schema: REPLY_SCHEMA })
  async notify(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const raw = (request as FastifyRequest & { rawBody?: Buffer }).rawBody;
    const answer = await this.callbacks.handle('vietqr', {
      method: request.method,
      query: request.query as Record<string, string | string[] | undefined>,
      headers: request.headers,
      // Without the exact bytes nothing can be verified: an empty body fails the signature check.
      rawBody: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0),
    });
    await reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}
