// The gateways' callbacks into the hub. No authentication: the gateway's signature is the
// authentication, checked by the adapter before anything is read. A retried callback is deduplicated by
// the gateway's own transaction id, so Idempotency-Key handling (authenticated POSTs only) never
// applies: a key sent anyway is dropped before the interceptor sees it. MoMo and ZaloPay POST JSON and
// sign its exact bytes: those two routes read the body as bytes whatever the content type, so a body
// that is not JSON, or is not sent as JSON, gets the gateway's own refusal rather than the hub's error
// body. Also the admin's list of payments kept for review.
import type { IncomingMessage } from 'node:http';
import { Controller, Get, Inject, type OnModuleInit, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallbackReply, GatewayId } from '../../adapters/contract';
import { Authenticated } from '../billers/caller.guard';
import { GatewaysService } from '../gateways/gateways.service';
import { CALLBACK_PATHS } from '../gateways/local-simulators';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentCallbacksService } from './payment-callbacks.service';
import { PaymentsRepository } from './payments.repository';
import { dong } from '../common/money';

/** The private content type the JSON callbacks are parsed as: their bytes, untouched. */
const CALLBACK_BODY_TYPE = 'application/x-payhub-gateway-callback';
const JSON_CALLBACK_PATHS: ReadonlySet<string> = new Set([CALLBACK_PATHS.momo, CALLBACK_PATHS.zalopay]);
/** What the sender said its body was, before the route swapped the header for CALLBACK_BODY_TYPE. */
const senderContentType = new WeakMap<IncomingMessage, string | undefined>();

/** `application/json`, with or without parameters (MoMo sends `; charset=UTF-8`). */
function isJsonType(value: string | undefined): boolean {
  return value !== undefined && value.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

@ApiTags('gateway callbacks')
@Controller()
export class PaymentsController implements OnModuleInit {
  constructor(
    private readonly callbacks: PaymentCallbacksService,
    private readonly repository: PaymentsRepository,
    private readonly gateways: GatewaysService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Before the body is parsed (onRequest): the JSON callbacks' content type is set aside and replaced
   * by one whose parser keeps the bytes, so neither the JSON parser (400) nor an unknown content type
   * (415) answers for the gateway; their Idempotency-Key, if any, is dropped.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addContentTypeParser(CALLBACK_BODY_TYPE, { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });
    fastify.addHook('onRequest', (request, _reply, done) => {
      if (request.method === 'POST' && JSON_CALLBACK_PATHS.has(request.routeOptions.url ?? '')) {
        senderContentType.set(request.raw, request.headers['content-type']);
        request.headers['content-type'] = CALLBACK_BODY_TYPE;
        delete request.headers['idempotency-key'];
      }
      done();
    });
  }

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

  /** MoMo's IPN: HTTP 204 once settled; MoMo retries anything else. */
  @Post(CALLBACK_PATHS.momo.slice(1))
  @ApiOperation({
    summary: "MoMo's IPN (signed JSON body; the ipnUrl of each order).",
    description:
      'HTTP 204 without a body when the hub has settled the callback: recorded, already confirmed, ' +
      'order not found or amount differs (the last two kept for review, nothing paid). HTTP 400 without ' +
      'a body for a bad signature, another partner, or a body that is not a JSON object sent as ' +
      'application/json; HTTP 500 when the hub could not record it (MoMo retries). A refused callback ' +
      'changes nothing.',
  })
  @ApiConsumes('application/json')
  @ApiBody({
    description: "MoMo's IPN fields, signed with the partner's secret key.",
    schema: { type: 'object' },
  })
  @ApiResponse({ status: 204, description: 'Settled: MoMo stops sending.' })
  @ApiResponse({ status: 400, description: 'Refused: bad signature, another partner, or not a JSON object.' })
  @ApiResponse({ status: 500, description: 'Not recorded: MoMo retries.' })
  async momoIpn(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.#send(reply, await this.#jsonCallback('momo', request));
  }

  /** ZaloPay's callback: always HTTP 200 with {return_code, return_message}; ZaloPay reads the code. */
  @Post(CALLBACK_PATHS.zalopay.slice(1))
  @ApiOperation({
    summary: "ZaloPay's callback (JSON {data, mac, type}; the callback_url of each order).",
    description:
      'Always HTTP 200 with {"return_code","return_message"}: 1 recorded or already confirmed, -1 bad ' +
      'mac, another app_id, or a body that is not a JSON object sent as application/json (refused for ' +
      'good), 0 order not found, amount differs (kept for review) or an error (ZaloPay retries). A ' +
      'refused callback changes nothing.',
  })
  @ApiConsumes('application/json')
  @ApiBody({
    description: 'data: the order fields as JSON text; mac: HMAC-SHA256 of data with key2.',
    schema: {
      type: 'object',
      required: ['data', 'mac'],
      properties: { data: { type: 'string' }, mac: { type: 'string' }, type: { type: 'integer' } },
    },
  })
  @ApiOkResponse({ description: "ZaloPay's return_code answer." })
  async zalopayCallback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.#send(reply, await this.#jsonCallback('zalopay', request));
  }

  /** The body's exact bytes to the adapter, if they came as JSON; otherwise the gateway's own refusal. */
  async #jsonCallback(gateway: GatewayId, request: FastifyRequest): Promise<CallbackReply> {
    const content_type = senderContentType.get(request.raw);
    const headers = { ...request.headers, 'content-type': content_type };
    if (!isJsonType(content_type) || !Buffer.isBuffer(request.body)) {
      this.logger.warn(
        { gateway, reason: 'malformed', detail: 'the body is not sent as application/json' },
        'gateway callback rejected',
      );
      return this.gateways.adapter(gateway).callbackReply('malformed');
    }
    return this.callbacks.handle(gateway, {
      method: request.method,
      query: request.query as Record<string, string | string[] | undefined>,
      headers,
      rawBody: request.body,
    });
  }

  async #send(reply: FastifyReply, answer: CallbackReply): Promise<void> {
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
        amount: dong(row.amount),
        expected_amount: row.expected_amount === null ? null : dong(row.expected_amount),
        created: Math.floor(row.created_at.getTime() / 1000),
        created_at: undefined,
        resolved_at: undefined,
      })),
    };
  }
}
