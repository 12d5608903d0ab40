// Where a payer's browser lands after paying: display only. The page shows the intent's STORED status
// (the gateway's server-to-server callback is what moves money, never a browser): a VNPay, MoMo or
// ZaloPay return is verified with the adapter only to trust which intent it names and, while the
// callback has not arrived yet, to say "processing" rather than "not paid". Nothing here writes to the
// database.
import { Controller, Get, Injectable, Param, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { GatewayId, PaymentEvent } from '../../adapters/contract';
import { MomoClient } from '../../adapters/momo/momo.client';
import { ZalopayClient } from '../../adapters/zalopay/zalopay.client';
import { isId } from '../common/ids';
import { Db } from '../database/db';
import { GatewaysService } from '../gateways/gateways.service';
import { CHECKOUT_RETURN_PATH } from '../payment-intents/payment-intents.service';
import {
  invalidLinkPage,
  notFoundPage,
  receiptPage,
  returnPage,
  type ReturnState,
  type ReturnView,
} from './return-pages';

export const VNPAY_RETURN_PATH = '/v1/gateways/vnpay/return';
export const CHECKOUT_RECEIPT_PATH = '/v1/checkout/receipt';

type Query = Record<string, string | string[] | undefined>;

interface ReturnRow {
  id: string;
  method: string;
  status: string;
  amount: bigint;
  reference: string;
  bill_reference: string;
  receipt_id: string | null;
  receipt_symbol: string | null;
  receipt_number: bigint | null;
}

interface ReceiptRow {
  receipt_name: string;
  template_symbol: string;
  series_symbol: string;
  number: bigint;
  collector_name: string;
  payer_name: string;
  lines: Array<{ fee_name: string; amount: string }>;
  amount: bigint;
  amount_in_words: string;
  paid_at: Date;
  status: 'issued' | 'cancelled';
  jws: string;
}

/** Read-only lookups for the pages (status computed on read, as the intents API does). */
@Injectable()
export class ReturnPagesRepository {
  constructor(private readonly db: Db) {}

  async findIntent(by: { id: string } | { reference: string }): Promise<ReturnRow | null> {
    const where = 'id' in by ? 'i.id = $1' : 'i.reference = $1';
    const found = await this.db.query<ReturnRow>(
      `SELECT i.id, i.method,
              (CASE WHEN i.status = 'requires_action' AND i.expires_at <= clock_timestamp() THEN 'expired'
                    ELSE i.status END) AS status,
              i.amount, i.reference, b.reference AS bill_reference, i.receipt_id,
              r.template_symbol || ' ' || r.series_symbol AS receipt_symbol, r.number AS receipt_number
         FROM payment_intents i JOIN bills b ON b.id = i.bill_id
         LEFT JOIN receipts r ON r.id = i.receipt_id
        WHERE ${where}`,
      ['id' in by ? by.id : by.reference],
    );
    return found.rows[0] ?? null;
  }

  async findReceiptOfIntent(intent_id: string): Promise<ReceiptRow | null> {
    const found = await this.db.query<ReceiptRow>(
      `SELECT r.receipt_name, r.template_symbol, r.series_symbol, r.number, r.collector_name, r.payer_name,
              r.lines, r.amount, r.amount_in_words, r.paid_at, r.status, r.jws
         FROM payment_intents i JOIN receipts r ON r.id = i.receipt_id
        WHERE i.id = $1 AND i.status = 'succeeded'`,
      [intent_id],
    );
    return found.rows[0] ?? null;
  }
}

/** The stored status as the payer is told it; a verified gateway success only upgrades "not paid yet". */
export function returnState(stored: string, gateway_says: PaymentEvent['status'] | null): ReturnState {
  switch (stored) {
    case 'succeeded':
      return 'paid';
    case 'processing':
      return 'processing';
    case 'requires_action':
      return gateway_says === 'succeeded' ? 'processing' : 'pending';
    default:
      return 'failed';
  }
}

function one(query: Query, name: string): string | null {
  const value = query[name];
  return typeof value === 'string' ? value : null;
}

@ApiTags('checkout')
@Controller()
export class ReturnController {
  constructor(
    private readonly gateways: GatewaysService,
    private readonly repository: ReturnPagesRepository,
  ) {}

  @Get(VNPAY_RETURN_PATH.slice(1))
  @ApiOperation({
    summary: 'VNPay sends the payer back here (signed vnp_* parameters): an HTML page, display only.',
    description:
      'The signature is verified with the VNPay adapter; the page shows the intent’s stored status ' +
      '(paid, processing: VNPay reported success but its IPN has not arrived, pending, failed) and a ' +
      'link to the receipt once paid. Tampered parameters: 400 with a page saying the link is invalid. ' +
      'Changes nothing: only the IPN moves money.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The status page.' })
  @ApiBadRequestResponse({ description: 'The link’s signature or fields are invalid.' })
  async vnpayReturn(@Query() query: Query, @Res() reply: FastifyReply): Promise<void> {
    await this.#vnpay(query, reply);
  }

  @Get(CHECKOUT_RETURN_PATH.slice(1))
  @ApiOperation({
    summary: 'The hub’s default return URL: an HTML status page for the payer, display only.',
    description:
      'Intents created without return_url send the payer back here. With VNPay’s signed vnp_* ' +
      'parameters it is the VNPay return page; with MoMo’s signed redirect (partnerCode, orderId, …, ' +
      'signature) or ZaloPay’s (appid, apptransid, …, checksum) the intent is found by its reference; ' +
      'with ?payment_intent=pi_… it shows that intent. The status shown is the stored one. An ' +
      'unverifiable link: 400. Changes nothing.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The status page.' })
  @ApiBadRequestResponse({ description: 'The link cannot be verified.' })
  async checkoutReturn(@Query() query: Query, @Res() reply: FastifyReply): Promise<void> {
    if (Object.keys(query).some((name) => name.startsWith('vnp_'))) return this.#vnpay(query, reply);
    if ('partnerCode' in query && 'signature' in query) return this.#momo(query, reply);
    if ('apptransid' in query && 'checksum' in query) return this.#zalopay(query, reply);
    const id = one(query, 'payment_intent');
    if (id === null || !isId('payment_intent', id)) return send(reply, 400, invalidLinkPage());
    const row = await this.repository.findIntent({ id });
    if (!row) return send(reply, 404, notFoundPage());
    return send(reply, 200, returnPage(view(row, null)));
  }

  /** Public like the QR image: the intent id (80 random bits) is the capability. */
  @Get(`${CHECKOUT_RECEIPT_PATH.slice(1)}/:payment_intent`)
  @ApiOperation({
    summary: 'The receipt of a paid intent as an HTML page for the payer (public; display only).',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The receipt page.' })
  async receipt(@Param('payment_intent') id: string, @Res() reply: FastifyReply): Promise<void> {
    const row = isId('payment_intent', id) ? await this.repository.findReceiptOfIntent(id) : null;
    if (!row) return send(reply, 404, notFoundPage());
    return send(
      reply,
      200,
      receiptPage({
        receipt_name: row.receipt_name,
        symbol: `${row.template_symbol} ${row.series_symbol}`,
        number: row.number.toString().padStart(7, '0'),
        collector_name: row.collector_name,
        payer_name: row.payer_name,
        lines: row.lines.map((line) => ({ fee_name: line.fee_name, amount: BigInt(line.amount) })),
        amount: row.amount,
        amount_in_words: row.amount_in_words,
        paid_at: row.paid_at,
        status: row.status,
        jws: row.jws,
      }),
    );
  }

  async #vnpay(query: Query, reply: FastifyReply): Promise<void> {
    const parsed = this.gateways
      .adapter('vnpay')
      .parseCallback({ method: 'GET', query, headers: {}, rawBody: '' });
    if (!parsed.ok) return send(reply, 400, invalidLinkPage());
    return this.#show('vnpay', parsed.event, reply);
  }

  /** MoMo's redirect carries the IPN's signed fields; orderId is the hub's reference. */
  async #momo(query: Query, reply: FastifyReply): Promise<void> {
    const adapter = this.gateways.adapter('momo');
    const parsed = adapter instanceof MomoClient ? adapter.webhooks.verifyRedirect(query) : null;
    if (!parsed?.ok) return send(reply, 400, invalidLinkPage());
    return this.#show('momo', parsed.event, reply);
  }

  /** ZaloPay's redirect has its own checksum (key2); apptransid is `yymmdd_` and the hub's reference. */
  async #zalopay(query: Query, reply: FastifyReply): Promise<void> {
    const adapter = this.gateways.adapter('zalopay');
    const parsed = adapter instanceof ZalopayClient ? adapter.webhooks.verifyRedirect(query) : null;
    if (!parsed?.ok) return send(reply, 400, invalidLinkPage());
    return this.#show('zalopay', parsed, reply);
  }

  /** The intent a verified return names, if it is that gateway's, with its stored status. */
  async #show(
    gateway: GatewayId,
    verified: Pick<PaymentEvent, 'merchant_ref' | 'status'>,
    reply: FastifyReply,
  ): Promise<void> {
    const row = await this.repository.findIntent({ reference: verified.merchant_ref });
    if (!row || row.method !== gateway) return send(reply, 404, notFoundPage());
    return send(reply, 200, returnPage(view(row, verified.status)));
  }
}

function view(row: ReturnRow, gateway_says: PaymentEvent['status'] | null): ReturnView {
  const state = returnState(row.status, gateway_says);
  const paid = state === 'paid' && row.receipt_id !== null;
  return {
    state,
    amount: row.amount,
    reference: row.reference,
    bill_reference: row.bill_reference,
    receipt_path: paid ? `${CHECKOUT_RECEIPT_PATH}/${row.id}` : null,
    receipt_number:
      paid && row.receipt_number !== null
        ? `${row.receipt_symbol ?? ''} ${row.receipt_number.toString().padStart(7, '0')}`.trim()
        : null,
  };
}

async function send(reply: FastifyReply, status: number, html: string): Promise<void> {
  await reply
    .status(status)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // No script, no frame, nothing loaded from elsewhere: the page is text and one inline style.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    })
    .send(html);
}
