// The merchant counter at /merchant: a merchant signs in with one of its API keys (the session keeps
// only its id), types an amount and a note, and gets a full-screen dynamic VietQR for that sale; the
// page turns "Paid" when the bank's notification lands (status.js polls the sale's state; counter.js
// hides the QR and beeps). Below the form, the day's paid sales (Vietnam time) with their total. A
// sale is a `fee` bill of one line (the note) created through BillsService, and a `vietqr` payment
// intent created through PaymentIntentsService, as the biller's API would. Only merchant keys open
// it (agencies: /agency).
import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Injectable, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatVietnamTime } from '../../adapters/shared/time';
import type { Principal } from '../auth/principal';
import type { BillerKind, BillerRow } from '../billers/billers.repository';
import { BillsService } from '../bills/bills.service';
import { HubError } from '../common/errors';
import { isId } from '../common/ids';
import { Db } from '../database/db';
import { PaymentIntentsService } from '../payment-intents/payment-intents.service';
import { vietnamDayStart } from '../reports/statement';
import { BillerPageSignIn, BillerSignIn } from './biller-sign-in';
import { counterBody, type PaidSale, saleBody, saleView, todayList } from './merchant-pages';
import { payStateOf } from './pay-state';
import { formField, seeOther, sendJson } from './web-http';
import { type FormContext, WebPages } from './web-pages';
import { dong } from '../common/money';

export const MERCHANT_KINDS: readonly BillerKind[] = ['merchant'];
/** A sale's QR is good for 15 minutes (the intent's own TTL may be shorter). */
const SALE_TTL_MS = 15 * 60_000;
const SALE_AMOUNT_MAX = 500_000_000n;
const NOTE_LENGTH_MAX = 200;
const DAY_MS = 24 * 60 * 60_000;

interface SaleRow {
  id: string;
  status: string;
  amount: bigint;
  receipt_id: string | null;
  note: string;
  payload: string | null;
}

@Injectable()
export class MerchantRepository {
  constructor(private readonly db: Db) {}

  /** One of this merchant's sales (status computed on read, as the API does). */
  async sale(biller_id: string, intent_id: string): Promise<SaleRow | null> {
    const found = await this.db.query<SaleRow>(
      `SELECT p.id,
              (CASE WHEN p.status = 'requires_action' AND p.expires_at <= clock_timestamp() THEN 'expired'
                    ELSE p.status END) AS status,
              p.amount, p.receipt_id, b.lines->0->>'name' AS note,
              (CASE WHEN p.method = 'vietqr' THEN p.next_action->>'payload' END) AS payload
         FROM payment_intents p JOIN bills b ON b.id = p.bill_id
        WHERE p.biller_id = $1 AND p.id = $2`,
      [biller_id, intent_id],
    );
    return found.rows[0] ?? null;
  }

  /** The merchant's sales paid in [start, end), newest first. */
  async paid(biller_id: string, start: Date, end: Date): Promise<PaidSale[]> {
    const found = await this.db.query<PaidSale>(
      `SELECT p.id AS intent_id, p.amount, b.lines->0->>'name' AS note, p.paid_at, p.receipt_id
         FROM payment_intents p JOIN bills b ON b.id = p.bill_id
        WHERE p.biller_id = $1 AND p.status = 'succeeded' AND p.paid_at >= $2 AND p.paid_at < $3
        ORDER BY p.paid_at DESC, p.id DESC LIMIT 500`,
      [biller_id, start, end],
    );
    return found.rows;
  }
}

/** "150000", "150.000", "150 000" -> 150000n; null when it is not a whole positive amount in range. */
export function parseSaleAmount(text: string): bigint | null {
  const digits = text.replace(/[\s.,₫]/g, '');
  if (!/^[0-9]{1,12}$/.test(digits)) return null;
  const amount = BigInt(digits);
  return amount > 0n && amount <= SALE_AMOUNT_MAX ? amount : null;
}

@ApiTags('pages')
@Controller('merchant')
export class MerchantController {
  private readonly door: BillerPageSignIn;

  constructor(
    private readonly pages: WebPages,
    signIn: BillerSignIn,
    private readonly repository: MerchantRepository,
    private readonly bills: BillsService,
    private readonly intents: PaymentIntentsService,
  ) {
    this.door = new BillerPageSignIn(pages, signIn, {
      path: '/merchant',
      kinds: MERCHANT_KINDS,
      heading: (t) => t.counter_title,
      wrong_kind: (t) => t.sign_in_wrong_kind_merchant,
    });
  }

  @Get()
  @ApiOperation({
    summary: 'The merchant counter (HTML): sign-in, or the sale form and the day’s paid sales.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The sign-in form or the counter.' })
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const context = this.pages.formContext(request, reply);
    const merchant = await this.door.current(request);
    if (!merchant) return this.door.renderSignIn(reply, context, 200, null);
    await this.renderCounter(reply, context, merchant, 200, {}, { amount: '', note: '' });
  }

  @Post('sign-in')
  @ApiOperation({ summary: 'The counter’s sign-in form (api_key, _csrf): 303 to /merchant.' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiResponse({ status: 303, description: 'Signed in.' })
  @ApiResponse({ status: 401, description: 'Not a valid key, or not a merchant’s: the form again.' })
  @ApiForbiddenResponse({ description: 'A missing or wrong CSRF token.' })
  signInPost(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.door.signInPost(body, request, reply);
  }

  @Post('sign-out')
  @ApiOperation({ summary: 'Signs the counter out (_csrf): 303 to /merchant.' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 303, description: 'Signed out.' })
  @ApiForbiddenResponse({ description: 'A missing or wrong CSRF token.' })
  signOut(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.door.signOut(body, request, reply);
  }

  @Post('sales')
  @ApiOperation({
    summary: 'A new sale (amount, note, _csrf): a one-line fee bill and its VietQR intent; 303 to its QR.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiResponse({ status: 303, description: 'To the sale’s full-screen QR.' })
  @ApiResponse({ status: 400, description: 'An invalid amount or note: the counter again, saying which.' })
  @ApiForbiddenResponse({ description: 'Not signed in as a merchant, or a missing or wrong CSRF token.' })
  async sale(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.formContext(request, reply);
    if (!this.door.csrfChecked(body, request, reply, context)) return;
    const merchant = await this.door.current(request);
    if (!merchant) return this.door.renderSignIn(reply, context, 403, null);
    const { t } = context;
    const values = { amount: formField(body, 'amount') ?? '', note: formField(body, 'note') ?? '' };
    const amount = parseSaleAmount(values.amount);
    const note = values.note.trim().normalize('NFC');
    const errors: { amount?: string; note?: string } = {};
    if (amount === null) errors.amount = t.counter_amount_invalid;
    if ([...note].length > NOTE_LENGTH_MAX) errors.note = t.counter_note_invalid;
    if (amount === null || errors.note)
      return this.renderCounter(reply, context, merchant, 400, errors, values);

    const principal: Principal = { kind: 'biller', biller_id: merchant.id, key_id: 'counter' };
    const line = note === '' ? t.counter_default_note : note;
    let intent_id: string;
    try {
      const bill = await this.bills.create(principal, {
        kind: 'fee',
        reference: `SALE-${formatVietnamTime(new Date(), 'yyyyMMdd')}-${randomBytes(6).toString('hex').toUpperCase()}`,
        procedure_code: 'counter-sale',
        payer: { name: t.counter_customer },
        lines: [{ name: line, amount: dong(amount), legal_basis: t.counter_default_note }],
        expires_at: new Date(Date.now() + SALE_TTL_MS).toISOString(),
      });
      const intent = await this.intents.create(principal, { bill_id: bill.id, method: 'vietqr' }, request.ip);
      intent_id = intent.id;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      // The note as a bill line refused (a control character, say): the note's fault, not the bank's.
      if (error.param?.startsWith('lines'))
        return this.renderCounter(reply, context, merchant, 400, { note: t.counter_note_invalid }, values);
      return this.renderCounter(reply, context, merchant, 502, { form: t.counter_gateway_error }, values);
    }
    seeOther(reply, `/merchant/sales/${intent_id}`);
  }

  @Get('sales/:intent_id')
  @ApiOperation({ summary: 'One sale’s full-screen VietQR with amount and note (HTML); it turns Paid live.' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The sale page.' })
  @ApiResponse({ status: 404, description: 'No such sale of this merchant.' })
  async salePage(
    @Param('intent_id') intent_id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.formContext(request, reply);
    const merchant = await this.door.current(request);
    if (!merchant) return this.door.renderSignIn(reply, context, 403, null);
    const sale = isId('payment_intent', intent_id)
      ? await this.repository.sale(merchant.id, intent_id)
      : null;
    if (!sale) return this.pages.sendNotFound(reply, context, this.door.back(context.t));
    const view = saleView(context.t, payStateOf(sale.status), sale.receipt_id);
    this.pages.send(reply, context, 200, {
      title: view.title,
      status: view.state,
      body: saleBody(context.t, {
        amount: sale.amount,
        note: sale.note,
        png_url: sale.payload ? `/v1/payment_intents/${sale.id}/qr.png` : null,
        view,
        poll_url: `/merchant/sales/${sale.id}/status`,
      }),
      // status.js polls and shows the state; counter.js adds the counter's title, hidden QR and beep.
      scripts: ['status.js', 'counter.js'],
    });
  }

  @Get('sales/:intent_id/status')
  @ApiOperation({
    summary: 'A sale’s state as JSON for status.js: {state, tone, title, text, link_url, link_label}.',
  })
  @ApiOkResponse({ description: 'The state, in the page’s language.' })
  @ApiResponse({ status: 404, description: 'No such sale of the signed-in merchant (or not signed in).' })
  async saleStatus(
    @Param('intent_id') intent_id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    const merchant = await this.door.current(request);
    const sale =
      merchant && isId('payment_intent', intent_id)
        ? await this.repository.sale(merchant.id, intent_id)
        : null;
    if (!sale) return sendJson(reply, 404, { error: 'not_found' });
    sendJson(reply, 200, saleView(context.t, payStateOf(sale.status), sale.receipt_id));
  }

  private async renderCounter(
    reply: FastifyReply,
    context: FormContext,
    merchant: BillerRow,
    status: number,
    errors: { amount?: string; note?: string; form?: string },
    values: { amount: string; note: string },
  ): Promise<void> {
    const start = vietnamDayStart(formatVietnamTime(new Date(), 'yyyy-MM-dd'))!;
    const sales = await this.repository.paid(merchant.id, start, new Date(start.getTime() + DAY_MS));
    this.pages.send(reply, context, status, {
      title: context.t.counter_title,
      status: Object.keys(errors).length > 0 ? 'invalid' : 'ready',
      body: counterBody(context.t, {
        bar: this.door.bar(context, merchant),
        csrf_field: context.csrf_field,
        errors,
        values,
        today: todayList(context.t, sales),
      }),
    });
  }
}
