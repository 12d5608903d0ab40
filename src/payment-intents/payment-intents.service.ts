// Payment intents: one attempt to pay a bill through one gateway. The attempt is recorded first, the
// gateway is asked for the payer's next action outside any transaction of our own, and the answer is
// stored after (docs/adr/0005): a slow gateway never holds a transaction this module opened.
import { Inject, Injectable } from '@nestjs/common';
import type { CreatePaymentResult, NextAction } from '../../adapters/contract';
import { renderVietQrPng } from '../../adapters/vietqr/vietqr.image';
import { generateVietQrReference } from '../../adapters/vietqr/vietqr.matcher';
import type { Principal } from '../auth/principal';
import { BillError } from '../bills/bills.errors';
import { type BillRow, BillsRepository } from '../bills/bills.repository';
import { dong } from '../common/money';
import { isId, newId } from '../common/ids';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { objectBody, optionalHttpUrl, requiredEnum, requiredString } from '../common/validation';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { PAYMENT_METHODS } from '../gateways/fee-schedule';
import { GatewaysService } from '../gateways/gateways.service';
import type { PaymentIntentDto } from './dto/payment-intent.dto';
import { PaymentIntentError } from './payment-intents.errors';
import {
  PAYMENT_INTENT_METHODS,
  type PaymentIntentFilters,
  type PaymentIntentMethod,
  type PaymentIntentRow,
  PaymentIntentsRepository,
  type StoredNextAction,
} from './payment-intents.repository';

/** The usual window of VNPay's and ZaloPay's pages; never past the bill's own expiry. */
const INTENT_TTL_MS = 15 * 60 * 1000;
/** A reference collision takes 60 random bits twice; a third one in a row is a bug, not bad luck. */
const REFERENCE_ATTEMPTS_MAX = 3;
export const CHECKOUT_RETURN_PATH = '/v1/checkout/return';
/**
 * How long a checkout waits for an attempt another hub process is creating (its gateway call: MoMo's
 * and ZaloPay's clients give up after 30 s); an attempt without a link that is older than this was
 * abandoned (its process stopped mid-call) and no longer holds a new one back.
 */
const JOIN_PENDING_MS = 35_000;
/** How often that wait looks at the attempt. */
const JOIN_POLL_MS = 100;

/** An order field as the request parameter it came from: the amount and expiry are the bill's. */
const ORDER_PARAMS: Record<string, string> = {
  amount: 'bill_id',
  expires_at: 'bill_id',
  description: 'bill_id',
  method: 'method',
  return_url: 'return_url',
};

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The routes admit billers only, so a principal here is always one. */
function billerIdOf(principal: Principal): string {
  if (principal.kind !== 'biller') throw new Error('payment intent routes are for billers only');
  return principal.biller_id;
}

/** What the payer owes on the bill: a final hospital bill's share less its deposits, else its amount. */
function amountDue(bill: BillRow): bigint {
  if (bill.kind === 'hospital' && bill.stage === 'final') return BigInt(String(bill.details.amount_due));
  return bill.amount;
}

function notFound(id: string): PaymentIntentError {
  // The id came from the path: cut short in case it is garbage.
  return new PaymentIntentError(
    'payment_intent_not_found',
    `No such payment intent: ${id.slice(0, 64)}.`,
    'id',
  );
}

function storedAction(action: NextAction): StoredNextAction {
  return action.type === 'vietqr'
    ? { type: 'vietqr', payload: action.payload }
    : { type: action.type, url: action.url };
}

@Injectable()
export class PaymentIntentsService {
  constructor(
    private readonly repository: PaymentIntentsRepository,
    private readonly bills: BillsRepository,
    private readonly gateways: GatewaysService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  toDto(row: PaymentIntentRow): PaymentIntentDto {
    const action = row.status === 'requires_action' ? row.next_action : null;
    return {
      id: row.id,
      object: 'payment_intent',
      biller: row.biller_id,
      bill: row.bill_id,
      method: row.method,
      status: row.status,
      amount: dong(row.amount),
      currency: row.currency,
      reference: row.reference,
      next_action:
        action?.type === 'vietqr'
          ? { ...action, png_url: `${this.config.public_url}/v1/payment_intents/${row.id}/qr.png` }
          : action,
      return_url: row.return_url,
      failure_code: row.failure_code,
      receipt: row.receipt_id,
      created: unixSeconds(row.created_at),
      expires_at: unixSeconds(row.expires_at),
    };
  }

  async create(principal: Principal, body: unknown, payer_ip: string): Promise<PaymentIntentDto> {
    const attempt = await this.#prepare(principal, body);
    const intent = await this.record(attempt.row);
    return this.#askGateway(intent, attempt, payer_ip);
  }

  /**
   * The checkout's way (src/web/checkout.controller.ts): like create, but an attempt of the bill by this
   * method that still waits for the payer is answered instead of a new one, also one that a hub process
   * is creating right now (its link awaited, up to the gateway's time): two POSTs of one checkout form
   * reaching two hub processes make one attempt at the gateway.
   */
  async startOrJoin(principal: Principal, body: unknown, payer_ip: string): Promise<PaymentIntentDto> {
    const attempt = await this.#prepare(principal, body);
    for (let round = 0; ; round++) {
      const decided = await this.repository.insertUnlessWaiting(
        { ...attempt.row, reference: generateVietQrReference() },
        JOIN_PENDING_MS,
      );
      if ('created' in decided) {
        // A reference taken already: draw another (as record does).
        if (decided.created) return this.#askGateway(decided.created, attempt, payer_ip);
        if (round >= REFERENCE_ATTEMPTS_MAX) throw new Error('payment references in a row were taken');
        continue;
      }
      const joined = await this.#linkOf(attempt.row.biller_id, decided.waiting);
      if (joined) return this.toDto(joined);
      // That attempt ended without a link (the gateway refused it): one more round decides anew.
      if (round >= 1)
        throw new PaymentIntentError(
          'gateway_unavailable',
          `${attempt.row.method} could not take the payment now; try again.`,
        );
    }
  }

  /** The waiting attempt once it has its link; null when it ends without one (or its time runs out). */
  async #linkOf(biller_id: string, id: string): Promise<PaymentIntentRow | null> {
    const until = Date.now() + JOIN_PENDING_MS;
    for (;;) {
      const row = await this.repository.find(biller_id, id);
      if (!row || row.status !== 'requires_action') return null;
      if (row.next_action) return row;
      if (Date.now() > until) return null;
      await new Promise((wake) => setTimeout(wake, JOIN_POLL_MS));
    }
  }

  /** A create request checked against its bill: the attempt's row, but for its reference. */
  async #prepare(principal: Principal, body: unknown) {
    const biller_id = billerIdOf(principal);
    const fields = objectBody(body, ['bill_id', 'method', 'return_url']);
    const bill_id = requiredString(fields, 'bill_id', { max_length: 64 });
    const method = requiredEnum(fields, 'method', PAYMENT_INTENT_METHODS);
    const return_url =
      optionalHttpUrl(fields, 'return_url') ?? `${this.config.public_url}${CHECKOUT_RETURN_PATH}`;
    const bill = isId('bill', bill_id) ? await this.bills.findBill(biller_id, bill_id) : null;
    if (!bill) throw new BillError('bill_not_found', `No such bill: ${bill_id}.`, 'bill_id');
    if (bill.status !== 'open')
      throw new BillError(
        'bill_not_open',
        `The bill is ${bill.status}; only an open bill can be paid.`,
        'bill_id',
      );
    const amount = amountDue(bill);
    if (amount <= 0n)
      throw new PaymentIntentError('payment_intent_nothing_due', 'The bill’s deposits cover it.', 'bill_id');
    const row = {
      id: newId('payment_intent'),
      biller_id,
      bill_id: bill.id,
      method,
      amount,
      return_url,
      ttl_ms: INTENT_TTL_MS,
      not_after: bill.expires_at,
    };
    return { row, bill_reference: bill.reference };
  }

  /** Creates the attempt's order at its gateway and stores the answer. */
  async #askGateway(
    intent: PaymentIntentRow,
    attempt: {
      row: { method: PaymentIntentMethod; amount: bigint; return_url: string };
      bill_reference: string;
    },
    payer_ip: string,
  ): Promise<PaymentIntentDto> {
    const { method, amount, return_url } = attempt.row;
    const result = await this.gateways.adapter(method).createPayment({
      merchant_ref: intent.reference,
      amount,
      currency: 'VND',
      description: `Thanh toan ${attempt.bill_reference}`,
      method: PAYMENT_METHODS[method],
      return_url,
      payer_ip,
      locale: 'vi',
      // The row's own time: a query names the payment by it (VNPay's vnp_CreateDate), src/janitor/.
      created_at: intent.created_at,
      expires_at: intent.expires_at,
    });
    return this.toDto(await this.settle(intent, result));
  }

  /** Inserts the attempt under a fresh reference, drawing again on the rare collision. */
  private async record(intent: Omit<Parameters<PaymentIntentsRepository['insert']>[0], 'reference'>) {
    for (let attempt = 0; attempt < REFERENCE_ATTEMPTS_MAX; attempt++) {
      const inserted = await this.repository.insert({ ...intent, reference: generateVietQrReference() });
      if (inserted) return inserted;
    }
    throw new Error(`${REFERENCE_ATTEMPTS_MAX} payment references in a row were taken`);
  }

  /** Stores the gateway's answer: the next action, or the refusal (nothing kept) or decline (failed). */
  private async settle(intent: PaymentIntentRow, result: CreatePaymentResult): Promise<PaymentIntentRow> {
    if (result.ok) return this.repository.setNextAction(intent.id, storedAction(result.action));
    if ('rejection' in result) {
      await this.repository.delete(intent.id);
      const { code, param, message } = result.rejection;
      throw new PaymentIntentError(`payment_intent_${code}`, message, ORDER_PARAMS[param] ?? null);
    }
    await this.repository.markFailed(intent.id, result.declined.code);
    // The gateway's message is its own text about our order: kept out of the answer, which says what to do.
    throw result.declined.retryable
      ? new PaymentIntentError(
          'gateway_unavailable',
          `${intent.method} could not take the payment now; try again.`,
        )
      : new PaymentIntentError(
          'gateway_declined',
          `${intent.method} refused the payment (${result.declined.code}).`,
        );
  }

  async get(principal: Principal, id: string): Promise<PaymentIntentDto> {
    const row = await this.repository.find(billerIdOf(principal), id);
    if (!row) throw notFound(id);
    return this.toDto(row);
  }

  async list(
    principal: Principal,
    filters: PaymentIntentFilters,
    page: PageRequest,
  ): Promise<Page<PaymentIntentDto>> {
    const rows = await this.repository.list(billerIdOf(principal), filters, page);
    return toPage(rows, page, (row) => this.toDto(row));
  }

  async cancel(principal: Principal, id: string): Promise<PaymentIntentDto> {
    const biller_id = billerIdOf(principal);
    const canceled = await this.repository.cancel(biller_id, id);
    if (canceled) return this.toDto(canceled);
    const row = await this.repository.find(biller_id, id);
    if (!row) throw notFound(id);
    throw new PaymentIntentError(
      'payment_intent_not_cancelable',
      `The payment intent is ${row.status}; only one that requires action can be canceled.`,
      'id',
    );
  }

  /** The VietQR of an intent the payer can still pay, as a PNG; anything else is not found. */
  async qrPng(id: string): Promise<Buffer> {
    const row = isId('payment_intent', id) ? await this.repository.findForPayer(id) : null;
    if (row?.status !== 'requires_action' || row.next_action?.type !== 'vietqr') throw notFound(id);
    return renderVietQrPng(row.next_action.payload);
  }
}
