// The citizen checkout at /pay/:bill_id, opened from the signed link a biller hands out (bills'
// checkout_url): the bill and a choice of method; the POST (CSRF-checked) starts a payment intent
// through PaymentIntentsService, as the biller's API would, and sends the payer to the gateway or to
// the VietQR page; the return page and the VietQR page follow the payment until it is paid. An unsigned
// or tampered link answers 403 and shows nothing of the bill. Display and intent creation only: money
// moves on the gateways' callbacks (src/payments).
import { Body, Controller, Get, Injectable, Param, Post, Query, Req, Res } from '@nestjs/common';
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
import { parseVietQr } from '../../adapters/vietqr/vietqr.payload';
import type { Principal } from '../auth/principal';
import { BillsRepository } from '../bills/bills.repository';
import { toBill } from '../bills/bills.service';
import { HubError } from '../common/errors';
import { isId } from '../common/ids';
import { Db } from '../database/db';
import type { StoredNextAction } from '../payment-intents/payment-intents.repository';
import { PaymentIntentsService } from '../payment-intents/payment-intents.service';
import {
  type BillView,
  CHECKOUT_METHODS,
  type CheckoutMethod,
  checkoutBody,
  resultBody,
  stateNotice,
  stateView,
  vietQrBody,
} from './checkout-pages';
import { html, type SafeHtml } from './html';
import { payStateOf } from './pay-state';
import { CSRF_FIELD } from './session';
import { formField, seeOther, sendJson } from './web-http';
import { type FormContext, type PageContext, WebPages } from './web-pages';
import { CheckoutLinks } from './web-secrets';

interface IntentRow {
  id: string;
  method: string;
  status: string;
  reference: string;
  next_action: StoredNextAction | null;
  receipt_id: string | null;
}

/** The pages' own reads: a bill's agency and a bill's attempts (status computed on read, as the API does). */
@Injectable()
export class CheckoutRepository {
  constructor(private readonly db: Db) {}

  async owner(bill_id: string): Promise<{ biller_id: string; name: string } | null> {
    const found = await this.db.query<{ biller_id: string; name: string }>(
      'SELECT b.biller_id, r.name FROM bills b JOIN billers r ON r.id = b.biller_id WHERE b.id = $1',
      [bill_id],
    );
    return found.rows[0] ?? null;
  }

  /** The bill's attempts, newest first. */
  async intents(bill_id: string): Promise<IntentRow[]> {
    const found = await this.db.query<IntentRow>(
      `SELECT id, method,
              (CASE WHEN status = 'requires_action' AND expires_at <= clock_timestamp() THEN 'expired'
                    ELSE status END) AS status,
              reference, next_action, receipt_id
         FROM payment_intents WHERE bill_id = $1 ORDER BY id DESC LIMIT 20`,
      [bill_id],
    );
    return found.rows;
  }
}

function isMethod(value: unknown): value is CheckoutMethod {
  return (CHECKOUT_METHODS as readonly unknown[]).includes(value);
}

interface Loaded {
  view: BillView;
  biller_id: string;
  intents: IntentRow[];
}

@ApiTags('pages')
@Controller('pay')
export class CheckoutController {
  /** Attempts being created, by bill and method: concurrent POSTs of one checkout share one. */
  readonly #creating = new Map<string, ReturnType<PaymentIntentsService['startOrJoin']>>();

  constructor(
    private readonly pages: WebPages,
    private readonly links: CheckoutLinks,
    private readonly repository: CheckoutRepository,
    private readonly bills: BillsRepository,
    private readonly intents: PaymentIntentsService,
  ) {}

  @Get(':bill_id')
  @ApiOperation({
    summary:
      'The citizen checkout (HTML): the bill and a choice of method; opened from the bill’s checkout_url.',
    description:
      'Needs the link’s sig. Shows the bill (agency, lines, amount) and a CSRF-protected form; a paid, ' +
      'expired or cancelled bill shows that state and what to do next. Vietnamese by default, ?lang=en.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The checkout page.' })
  @ApiForbiddenResponse({ description: 'An unsigned or tampered link: an error page, nothing of the bill.' })
  async checkout(
    @Param('bill_id') bill_id: string,
    @Query('sig') sig: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.formContext(request, reply);
    const loaded = await this.load(bill_id, sig, context, reply);
    if (loaded) this.renderCheckout(reply, context, loaded, 200, []);
  }

  @Post(':bill_id')
  @ApiOperation({
    summary: 'The checkout form’s POST (sig, _csrf, method): starts a payment intent and redirects (303).',
    description:
      'To the gateway’s pay page, or to the VietQR page. A waiting attempt of the same method is reused, ' +
      'and POSTs that arrive together (a double click) share the attempt being created, also across hub processes. ' +
      'A missing or wrong CSRF token: 403 page; a gateway that refuses: the checkout again with a notice.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiResponse({ status: 303, description: 'To the gateway, or to the VietQR page.' })
  @ApiForbiddenResponse({ description: 'An unsigned link or a missing or wrong CSRF token.' })
  async pay(
    @Param('bill_id') bill_id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.formContext(request, reply);
    const sig = formField(body, 'sig');
    const loaded = await this.load(bill_id, sig, context, reply);
    if (!loaded) return;
    const back = { href: this.links.path(bill_id), label: context.t.back_to_checkout };
    if (!this.pages.sessions.checkCsrf(request, formField(body, CSRF_FIELD)))
      return this.pages.sendFormExpired(reply, context, back);
    const method = formField(body, 'method');
    if (!isMethod(method)) return this.renderCheckout(reply, context, loaded, 400, []);
    if (loaded.view.bill.status !== 'open') return seeOther(reply, this.links.path(bill_id));

    // Back and Pay again: the attempt that still waits for this method is reused, not doubled.
    const waiting = loaded.intents.find(
      (intent) => intent.method === method && intent.status === 'requires_action' && intent.next_action,
    );
    let next: { id: string; action: StoredNextAction };
    if (waiting) next = { id: waiting.id, action: waiting.next_action! };
    else {
      const principal: Principal = { kind: 'biller', biller_id: loaded.biller_id, key_id: 'checkout' };
      // A double click: the second POST arrives while the first still waits for the gateway (the
      // attempt has no link yet, so it is not reused above); it shares that creation instead of a
      // second attempt at the gateway: at once within this process, and through the database when the
      // POSTs reach two hub processes (startOrJoin waits for the other's link; docs/pages.md).
      const key = `${bill_id}\u0000${method}`;
      let creating = this.#creating.get(key);
      if (!creating) {
        creating = this.intents
          .startOrJoin(
            principal,
            { bill_id, method, return_url: this.links.url(bill_id, '/return') },
            request.ip,
          )
          .finally(() => this.#creating.delete(key));
        this.#creating.set(key, creating);
      }
      try {
        const created = await creating;
        next = { id: created.id, action: created.next_action as StoredNextAction };
      } catch (error) {
        if (!(error instanceof HubError)) throw error;
        if (error.code === 'bill_not_open') return seeOther(reply, this.links.path(bill_id));
        const unavailable = error.code === 'gateway_unavailable';
        const notice = html`<div class="notice bad" role="alert">
          <p>${unavailable ? context.t.gateway_error : context.t.gateway_refused}</p>
        </div>`;
        return this.renderCheckout(reply, context, loaded, unavailable ? 503 : 502, [notice]);
      }
    }
    if (next.action.type === 'vietqr') return seeOther(reply, this.links.path(bill_id, `/vietqr/${next.id}`));
    return seeOther(reply, next.action.url);
  }

  @Get(':bill_id/vietqr/:intent_id')
  @ApiOperation({ summary: 'The VietQR code of a checkout attempt with its amount and reference (HTML).' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The QR page; it turns to paid on its own once the transfer arrives.' })
  @ApiForbiddenResponse({ description: 'An unsigned or tampered link.' })
  async vietqr(
    @Param('bill_id') bill_id: string,
    @Param('intent_id') intent_id: string,
    @Query('sig') sig: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    const loaded = await this.load(bill_id, sig, context, reply);
    if (!loaded) return;
    const intent = loaded.intents.find((row) => row.id === intent_id && row.method === 'vietqr');
    if (!intent) return this.pages.sendNotFound(reply, context);
    const found = this.state(context, loaded, intent.id);
    const view = found.state === 'pending' ? { ...found, text: context.t.waiting_for_transfer } : found;
    const notice = stateNotice(view, this.pollUrl(bill_id, intent.id));
    const action = intent.next_action;
    const parsed = action?.type === 'vietqr' ? parseVietQr(action.payload) : null;
    if (view.state !== 'pending' || !parsed?.ok) {
      return this.pages.send(reply, context, 200, {
        title: view.title,
        status: view.state,
        body: resultBody(context.t, loaded.view, notice, intent.reference),
        scripts: ['status.js'],
      });
    }
    this.pages.send(reply, context, 200, {
      title: context.t.vietqr_title,
      status: view.state,
      body: vietQrBody(
        context.t,
        loaded.view,
        {
          png_url: `/v1/payment_intents/${intent.id}/qr.png`,
          code: parsed.value,
          reference: parsed.value.purpose ?? intent.reference,
        },
        notice,
        this.links.path(bill_id),
      ),
      scripts: ['status.js'],
    });
  }

  @Get(':bill_id/return')
  @ApiOperation({
    summary: 'Where a gateway sends the payer back from a checkout (HTML): the payment’s stored state.',
    description:
      'Display only; the page follows the payment until its callback arrives. Gateway parameters are ignored.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The result page.' })
  @ApiForbiddenResponse({ description: 'An unsigned or tampered link.' })
  async returned(
    @Param('bill_id') bill_id: string,
    @Query('sig') sig: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    const loaded = await this.load(bill_id, sig, context, reply);
    if (!loaded) return;
    const view = this.state(context, loaded, null);
    const latest = loaded.intents[0] ?? null;
    this.pages.send(reply, context, 200, {
      title: view.title,
      status: view.state,
      body: resultBody(
        context.t,
        loaded.view,
        stateNotice(view, this.pollUrl(bill_id, null)),
        latest?.reference ?? null,
      ),
      scripts: ['status.js'],
    });
  }

  @Get(':bill_id/status')
  @ApiOperation({ summary: 'A checkout’s state as JSON for its page’s script (state, texts, link).' })
  @ApiOkResponse({ description: '{state, tone, title, text, link_url, link_label}' })
  @ApiForbiddenResponse({ description: 'An unsigned or tampered link.' })
  async status(
    @Param('bill_id') bill_id: string,
    @Query('sig') sig: unknown,
    @Query('intent') intent_id: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    if (!isId('bill', bill_id) || !this.links.verify(bill_id, sig))
      return sendJson(reply, 403, { error: 'invalid_link' });
    const loaded = await this.read(bill_id);
    if (!loaded) return sendJson(reply, 404, { error: 'not_found' });
    sendJson(reply, 200, this.state(context, loaded, typeof intent_id === 'string' ? intent_id : null));
  }

  /**
   * The payer's state: paid once any attempt succeeded; else the named attempt's (or the latest one's);
   * `pending` before any attempt.
   */
  private state(context: PageContext, loaded: Loaded, intent_id: string | null) {
    const paid = loaded.intents.find((intent) => intent.status === 'succeeded');
    const intent = paid ?? loaded.intents.find((row) => row.id === intent_id) ?? loaded.intents[0];
    const state = intent ? payStateOf(intent.status) : 'pending';
    return stateView(context.t, state, {
      receipt: paid?.receipt_id ? `/receipts/${paid.receipt_id}` : null,
      checkout: this.links.path(loaded.view.bill.id),
    });
  }

  private pollUrl(bill_id: string, intent_id: string | null): string {
    const base = this.links.path(bill_id, '/status');
    return intent_id ? `${base}&intent=${encodeURIComponent(intent_id)}` : base;
  }

  private async read(bill_id: string): Promise<Loaded | null> {
    const owner = await this.repository.owner(bill_id);
    const row = owner && (await this.bills.findBill(owner.biller_id, bill_id));
    if (!owner || !row) return null;
    return {
      view: { bill: toBill(row), agency: owner.name },
      biller_id: owner.biller_id,
      intents: await this.repository.intents(bill_id),
    };
  }

  /** The bill behind a signed link, or an error page already sent (403 for a bad link, 404). */
  private async load(
    bill_id: string,
    sig: unknown,
    context: PageContext,
    reply: FastifyReply,
  ): Promise<Loaded | null> {
    if (!isId('bill', bill_id) || !this.links.verify(bill_id, sig)) {
      this.pages.sendMessage(reply, context, 403, {
        state: 'invalid_link',
        title: context.t.invalid_link_title,
        text: context.t.invalid_link_text,
      });
      return null;
    }
    const loaded = await this.read(bill_id);
    if (!loaded) this.pages.sendNotFound(reply, context);
    return loaded;
  }

  private renderCheckout(
    reply: FastifyReply,
    context: FormContext,
    loaded: Loaded,
    status: number,
    notices: SafeHtml[],
  ): void {
    const { t } = context;
    const { bill } = loaded.view;
    const paid = loaded.intents.find((intent) => intent.status === 'succeeded');
    if (bill.status !== 'open') {
      const ended = {
        paid: {
          title: t.already_paid_title,
          text: t.already_paid_text,
          tone: 'ok',
          link: paid?.receipt_id
            ? html`<p><a class="button" href="/receipts/${paid.receipt_id}">${t.view_receipt}</a></p>`
            : '',
        },
        expired: { title: t.expired_title, text: t.expired_text, tone: 'bad', link: '' },
        cancelled: { title: t.cancelled_title, text: t.cancelled_text, tone: 'bad', link: '' },
      }[bill.status];
      const state = bill.status === 'paid' ? 'already_paid' : bill.status;
      return this.pages.send(reply, context, bill.status === 'paid' ? 200 : 410, {
        title: ended.title,
        status: state,
        body: html`<h1>${ended.title}</h1>
          <div class="notice ${ended.tone}" role="status">
            <p>${ended.text}</p>
            ${ended.link}
          </div>
          ${resultBody(t, loaded.view, html``, null)}`,
      });
    }
    const all = [...notices];
    const latest = loaded.intents[0];
    if (loaded.intents.some((intent) => intent.status === 'processing'))
      all.push(html`<div class="notice warn" role="status"><p>${t.processing_notice}</p></div>`);
    else if (notices.length === 0 && latest && ['failed', 'canceled', 'expired'].includes(latest.status))
      all.push(
        html`<div class="notice bad" role="status" data-notice="last_attempt_failed">
          <p>${t.last_attempt_failed}</p>
        </div>`,
      );
    this.pages.send(reply, context, status, {
      title: t.checkout_title,
      status: 'open',
      body: checkoutBody(
        t,
        loaded.view,
        { action: `/pay/${bill.id}`, sig: this.links.signature(bill.id), csrf_field: context.csrf_field },
        all,
      ),
    });
  }
}
