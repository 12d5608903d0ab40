// Refunds: money given back on a succeeded payment intent through its gateway, full or in parts. The
// order is what keeps money from getting lost when a process dies around the gateway call:
//   1. in a transaction of its own, committed before anything else: the intent locked, the refunds it
//      already has summed (pending + succeeded + this one <= what was paid), the refund recorded
//      `pending` and its amount reserved in the ledger (a pending transfer payable → clearing);
//   2. the gateway asked, holding no transaction of ours;
//   3. in a second transaction: the reservation posted (succeeded; the receipt cancelled or a refund
//      receipt issued; refund.succeeded recorded) or voided (failed). A gateway that answers "pending",
//      or no answer at all, leaves the refund pending: RefundsSweeper asks the gateway again later.
// Both transactions are detached from the Idempotency-Key one (docs/adr/0005) and run on the refunds'
// own pool (refunds-db.ts), since a rollback of that one must not forget a refund the gateway may have
// made; the refund row keeps the key's hash instead, so a retry after a crash finds the refund rather
// than making a second one.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  GatewayAdapter,
  GatewayAnswer,
  GatewayId,
  PaymentQueryResult,
  RefundResult,
} from '../../adapters/contract';
import { toSafeText } from '../../adapters/shared/text';
import type { PgLedger, TransferInput, TransferResult } from '../../ledger';
import { type Principal, principalScope } from '../auth/principal';
import { dong } from '../common/money';
import { HubError } from '../common/errors';
import { isId, newId } from '../common/ids';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { invalidParameter, objectBody, requiredString } from '../common/validation';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { LEDGER } from '../database/database.module';
import { GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentIntentError } from '../payment-intents/payment-intents.errors';
import { ReceiptsService } from '../receipts/receipts.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { RefundDto } from './dto/refund.dto';
import { RefundsDb } from './refunds-db';
import {
  lateRefundTransfer,
  postTransfer,
  type RefundPostingInput,
  reservationTransfer,
  voidTransfer,
} from './refund-postings';
import { RefundError } from './refunds.errors';
import { type RefundableIntent, type RefundRow, RefundsRepository } from './refunds.repository';

/** The most one request may refund: every amount the API accepts is at most this (docs/api.md). */
export const REFUND_AMOUNT_MAX = 500_000_000;
/** The address the sweep's queries name as the requester: the hub itself. */
const SWEEP_REQUESTER_IP = '127.0.0.1';
const POSTED = new Set<TransferResult['result']>(['created', 'exists']);

/** What the gateway made of a refund, normalised; `pending` also covers "we do not know". */
export type RefundOutcome =
  | { status: 'succeeded'; gateway_refund_id: string | null; gateway_code: string | null }
  | { status: 'failed'; failure_code: string; gateway_code: string | null }
  | { status: 'pending'; gateway_refund_id: string | null; gateway_code: string | null };

const UNKNOWN: RefundOutcome = { status: 'pending', gateway_refund_id: null, gateway_code: null };

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The routes admit billers only, so a principal here is always one. */
function billerIdOf(principal: Principal): string {
  if (principal.kind !== 'biller') throw new Error('refund routes are for billers only');
  return principal.biller_id;
}

function refundNotFound(id: string): RefundError {
  // The id came from the path: cut short in case it is garbage.
  return new RefundError('refund_not_found', `No such refund: ${id.slice(0, 64)}.`, 'id');
}

/** A JSON integer of VND from 1 to REFUND_AMOUNT_MAX; a float, a string or a negative is refused. */
function optionalAmount(fields: Record<string, unknown>): bigint | null {
  const value = fields.amount;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > REFUND_AMOUNT_MAX)
    throw invalidParameter(
      'amount',
      `amount must be an integer of VND from 1 to ${REFUND_AMOUNT_MAX} (not a string, not a fraction).`,
    );
  return BigInt(value);
}

/** The caller's Idempotency-Key as stored on the refund: hashed, and per caller like the key itself. */
function idempotencyKeyHash(principal: Principal, key: string): Buffer {
  return createHash('sha256')
    .update(`${principalScope(principal)}\n${key}`)
    .digest();
}

function postingOf(refund: RefundRow): RefundPostingInput {
  return {
    refund_id: refund.id,
    gateway: refund.gateway,
    biller_id: refund.biller_id,
    payment_intent_id: refund.payment_intent_id,
    amount: refund.amount,
  };
}

/** A query's request id: unique per query, letters and digits only (every gateway's id rules allow it). */
function queryRequestId(refund_id: string, now: Date): string {
  return `${refund_id.slice(3)}Q${now.getTime().toString(36).toUpperCase()}`;
}

@Injectable()
export class RefundsService {
  constructor(
    private readonly db: RefundsDb,
    private readonly repository: RefundsRepository,
    private readonly gateways: GatewaysService,
    private readonly receipts: ReceiptsService,
    private readonly webhooks: WebhooksService,
    @Inject(LEDGER) private readonly ledger: PgLedger,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  toDto(row: RefundRow): RefundDto {
    return {
      id: row.id,
      object: 'refund',
      biller: row.biller_id,
      payment_intent: row.payment_intent_id,
      gateway: row.gateway,
      amount: dong(row.amount),
      currency: row.currency,
      reason: row.reason,
      status: row.status,
      failure_code: row.failure_code,
      gateway_refund_id: row.gateway_refund_id,
      receipt_action: row.receipt_action,
      receipt: row.receipt_id,
      created: unixSeconds(row.created_at),
    };
  }

  async create(
    principal: Principal,
    body: unknown,
    context: { requester_ip: string; idempotency_key: string | null },
  ): Promise<RefundDto> {
    const biller_id = billerIdOf(principal);
    const fields = objectBody(body, ['payment_intent', 'amount', 'reason']);
    const payment_intent = requiredString(fields, 'payment_intent', { max_length: 64 });
    const amount = optionalAmount(fields);
    const reason = requiredString(fields, 'reason', { max_length: 255 });
    // The gateways take printable text only; a reason that has none would be refused by them.
    if (toSafeText(reason, 255).length === 0)
      throw invalidParameter('reason', 'reason must contain letters or digits.');

    const key_hash =
      context.idempotency_key === null ? null : idempotencyKeyHash(principal, context.idempotency_key);
    if (key_hash) {
      const earlier = await this.repository.findByIdempotencyKey(biller_id, key_hash);
      if (earlier) return this.#sameRequest(earlier, payment_intent, amount, reason);
    }

    const intent = isId('payment_intent', payment_intent)
      ? await this.repository.findIntent(biller_id, payment_intent)
      : null;
    if (!intent)
      throw new PaymentIntentError(
        'payment_intent_not_found',
        `No such payment intent: ${payment_intent.slice(0, 64)}.`,
        'payment_intent',
      );
    const adapter = this.gateways.adapter(intent.method);
    if (!adapter.capabilities.refunds || !adapter.refund)
      throw new RefundError(
        'refund_not_supported',
        `${intent.method} takes no refunds through its API; refund by bank transfer and record it by hand.`,
        'payment_intent',
      );

    const refund = await this.#reserve(adapter, intent, { amount, reason, key_hash });
    const outcome = await this.#ask(adapter, refund, intent, context.requester_ip);
    await this.#apply(refund, outcome);
    return this.toDto((await this.repository.find(refund.id, biller_id))!);
  }

  async get(principal: Principal, id: string): Promise<RefundDto> {
    const row = isId('refund', id) ? await this.repository.find(id, billerIdOf(principal)) : null;
    if (!row) throw refundNotFound(id);
    return this.toDto(row);
  }

  async list(
    principal: Principal,
    filter: { payment_intent_id: string | null },
    page: PageRequest,
  ): Promise<Page<RefundDto>> {
    const rows = await this.repository.list({ biller_id: billerIdOf(principal), ...filter }, page);
    return toPage(rows, page, (row) => this.toDto(row));
  }

  /**
   * Applies a final answer of the gateway to a pending refund, once: the refund row is locked and read
   * again, so the request and a sweep (or two hubs) never finish one refund twice.
   */
  async finish(refund_id: string, outcome: Exclude<RefundOutcome, { status: 'pending' }>): Promise<void> {
    const found = await this.repository.find(refund_id, null);
    if (!found || found.status !== 'pending') return;
    await this.db.transaction(async (tx) => {
      // The intent first, as every transaction that touches it does (the payment, #reserve): refunds of
      // one intent then queue on it instead of deadlocking on the ledger's rows and foreign keys.
      await this.repository.findIntent(found.biller_id, found.payment_intent_id, true);
      const refund = await this.repository.find(refund_id, null, true);
      if (!refund || refund.status !== 'pending') return;
      const posting = postingOf(refund);
      if (outcome.status === 'failed') {
        const voided = await this.#transfer(tx, voidTransfer(posting));
        // An expired reservation was released by the ledger itself already.
        if (!POSTED.has(voided.result) && voided.result !== 'pending_transfer_expired')
          throw new Error(`ledger refused to void refund ${refund.id}: ${voided.result}`);
        await this.repository.markFailed(refund.id, outcome.failure_code, outcome.gateway_code);
        this.logger.info(
          { refund: refund.id, gateway: refund.gateway, failure_code: outcome.failure_code },
          'refund failed; reservation released',
        );
        return;
      }
      let posted = await this.#transfer(tx, postTransfer(posting));
      if (posted.result === 'pending_transfer_expired') {
        this.logger.warn({ refund: refund.id }, 'refund confirmed after its reservation expired');
        posted = await this.#transfer(tx, lateRefundTransfer(posting));
      }
      if (!POSTED.has(posted.result))
        throw new Error(`ledger refused to post refund ${refund.id}: ${posted.result}`);
      await this.repository.markSucceeded(refund.id, outcome);
      await this.#settleReceipts(refund);
      const row = (await this.repository.find(refund.id, null))!;
      await this.webhooks.recordEvent(tx, {
        biller_id: refund.biller_id,
        type: 'refund.succeeded',
        data: { ...this.toDto(row) },
      });
      this.logger.info({ refund: refund.id, gateway: refund.gateway }, 'refund succeeded');
    });
  }

  /**
   * Asks the gateway again about a refund left pending: its refund status where it has one (ZaloPay),
   * or, at MoMo, where a refund is an order of its own, a query of that order. Elsewhere (VNPay's
   * querydr tells the payment's state, not one refund's) null: the refund waits for a person or the
   * settlement file.
   */
  async probe(refund: RefundRow, now = new Date()): Promise<RefundOutcome | null> {
    const intent = await this.repository.findIntent(refund.biller_id, refund.payment_intent_id);
    if (!intent) return null;
    const adapter = this.gateways.adapter(refund.gateway);
    const request_id = queryRequestId(refund.id, now);
    try {
      if (adapter.capabilities.refund_status && adapter.refundStatus) {
        const answer = await adapter.refundStatus({
          request_id,
          refund_ref: refund.id,
          merchant_ref: intent.reference,
          refund_requested_at: refund.created_at,
          requested_at: now,
          requester_ip: SWEEP_REQUESTER_IP,
        });
        return answer.ok ? this.#outcome(refund.gateway, answer.value) : null;
      }
      if (refund.gateway === 'momo' && adapter.capabilities.query && adapter.queryPayment) {
        const answer = await adapter.queryPayment({
          request_id,
          merchant_ref: refund.id,
          payment_created_at: refund.created_at,
          requested_at: now,
          requester_ip: SWEEP_REQUESTER_IP,
        });
        return answer.ok ? this.#queried(refund.gateway, answer.value) : null;
      }
    } catch (error) {
      this.logger.warn(
        { refund: refund.id, gateway: refund.gateway, err: error },
        'refund status query failed',
      );
    }
    return null;
  }

  /** Records a pending gateway answer (or the absence of one); the sweep asks again after a while. */
  async notePending(refund_id: string, outcome: RefundOutcome | null): Promise<void> {
    await this.db.transaction(() =>
      this.repository.notePending(
        refund_id,
        outcome?.status === 'pending' ? outcome.gateway_refund_id : null,
        outcome?.gateway_code ?? null,
      ),
    );
  }

  /** A retry of a request whose answer was lost: the same refund, if it asked for the same thing. */
  #sameRequest(earlier: RefundRow, payment_intent: string, amount: bigint | null, reason: string): RefundDto {
    if (
      earlier.payment_intent_id !== payment_intent ||
      earlier.reason !== reason ||
      (amount !== null && amount !== earlier.amount)
    )
      throw new HubError(
        'idempotency_key_reused',
        'This Idempotency-Key was used for another refund; use a new key.',
      );
    return this.toDto(earlier);
  }

  /** Step 1: recorded and reserved, committed before the gateway hears of it. */
  #reserve(
    adapter: GatewayAdapter,
    found: RefundableIntent,
    request: { amount: bigint | null; reason: string; key_hash: Buffer | null },
  ): Promise<RefundRow> {
    return this.db.transaction(async (tx) => {
      // Locked: concurrent refunds of one intent queue here, each seeing the ones before it.
      const intent = (await this.repository.findIntent(found.biller_id, found.id, true))!;
      if (intent.status !== 'succeeded')
        throw new RefundError(
          'refund_payment_not_succeeded',
          `The payment intent is ${intent.status}; only a succeeded payment can be refunded.`,
          'payment_intent',
        );
      const remaining = intent.amount - (await this.repository.reservedAmount(intent.id));
      const amount = request.amount ?? remaining;
      if (remaining <= 0n || amount > remaining)
        throw new RefundError(
          'refund_amount_exceeds_remaining',
          `${remaining} VND of this payment is left to refund (pending refunds included).`,
          'amount',
        );
      if (amount < intent.amount && !adapter.capabilities.partial_refunds)
        throw new RefundError(
          'refund_partial_not_supported',
          `${intent.method} refunds only the whole payment at once.`,
          'amount',
        );
      const refund = await this.repository.insert({
        id: newId('refund'),
        biller_id: intent.biller_id,
        payment_intent_id: intent.id,
        gateway: intent.method,
        amount,
        reason: request.reason,
        idempotency_key_hash: request.key_hash,
      });
      const reserved = await this.#transfer(tx, reservationTransfer(postingOf(refund)));
      if (reserved.result === 'exceeds_credits')
        throw new RefundError(
          'refund_insufficient_balance',
          'What the biller is owed no longer covers this refund (paid out already); it must be settled by hand.',
          'amount',
        );
      if (!POSTED.has(reserved.result))
        throw new Error(`ledger refused the reservation of refund ${refund.id}: ${reserved.result}`);
      return refund;
    });
  }

  /** Step 2: the gateway's answer. No answer, or one we cannot trust, is `pending`: it may have refunded. */
  async #ask(
    adapter: GatewayAdapter,
    refund: RefundRow,
    intent: RefundableIntent,
    requester_ip: string,
  ): Promise<RefundOutcome> {
    let answer: GatewayAnswer<RefundResult>;
    try {
      answer = await adapter.refund!({
        refund_ref: refund.id,
        merchant_ref: intent.reference,
        gateway_txn_id: intent.gateway_txn_id ?? '',
        amount: refund.amount,
        payment_amount: intent.amount,
        payment_created_at: intent.created_at,
        reason: refund.reason,
        requested_by: refund.biller_id,
        requested_at: refund.created_at,
        requester_ip,
      });
    } catch (error) {
      this.logger.warn(
        { refund: refund.id, gateway: refund.gateway, err: error },
        'refund sent, no answer; left pending for the sweep',
      );
      return UNKNOWN;
    }
    if (!answer.ok) {
      // Refused by the adapter before any call (an order rejection has a code): nothing was refunded.
      if ('code' in answer.rejection)
        return {
          status: 'failed',
          failure_code: `${refund.gateway}_${answer.rejection.code}`,
          gateway_code: null,
        };
      this.logger.warn(
        { refund: refund.id, gateway: refund.gateway, rejection: answer.rejection },
        'refund answer could not be verified; left pending for the sweep',
      );
      return UNKNOWN;
    }
    return this.#outcome(refund.gateway, answer.value);
  }

  /** Step 3, or the note that the gateway has not decided yet. */
  async #apply(refund: RefundRow, outcome: RefundOutcome): Promise<void> {
    if (outcome.status === 'pending') await this.notePending(refund.id, outcome);
    else await this.finish(refund.id, outcome);
  }

  #outcome(gateway: GatewayId, result: RefundResult): RefundOutcome {
    const gateway_code = result.gateway_code.slice(0, 100) || null;
    const gateway_refund_id = result.gateway_refund_id?.slice(0, 100) || null;
    if (result.status === 'failed') {
      // `<gateway>_<its code>`, as payment intents' failure codes; VNPay's "03/" becomes vnpay_03.
      const code = result.gateway_code.replace(/\/+$/, '').replace(/[^A-Za-z0-9]+/g, '_') || 'unknown';
      return { status: 'failed', failure_code: `${gateway}_${code}`.slice(0, 100), gateway_code };
    }
    return { status: result.status, gateway_refund_id, gateway_code };
  }

  #queried(gateway: GatewayId, result: PaymentQueryResult): RefundOutcome {
    return this.#outcome(gateway, {
      refund_ref: result.merchant_ref,
      merchant_ref: result.merchant_ref,
      gateway_refund_id: result.gateway_txn_id,
      amount: result.amount,
      status: result.status,
      gateway_code: result.gateway_code,
    });
  }

  /**
   * Per REFUND_RECEIPTS: a refund of the whole payment cancels its receipt (signed cancellation), any
   * other refund gets a refund receipt of its own, numbered in the biller's series and signed.
   */
  async #settleReceipts(refund: RefundRow): Promise<void> {
    const intent = await this.repository.findIntent(refund.biller_id, refund.payment_intent_id);
    if (!intent?.receipt_id) return;
    const original = await this.receipts.get({ kind: 'admin' }, intent.receipt_id);
    const full = refund.amount === intent.amount;
    if (full && this.config.refund_receipts === 'cancel_when_full' && original.status === 'issued') {
      await this.receipts.cancelReceipt(
        original.id,
        `Hoàn tiền ${refund.id}: ${refund.reason}`.slice(0, 500),
      );
      await this.repository.setReceipt(refund.id, 'cancelled', original.id);
      return;
    }
    const row = (await this.repository.find(refund.id, null))!;
    const issued = await this.receipts.issueReceipt({
      biller_id: refund.biller_id,
      bill_id: original.bill,
      payment_intent_id: intent.id,
      payer: original.payer,
      lines: [
        {
          fee_name: `Hoàn trả theo biên lai ${original.template_symbol} ${original.series_symbol} số ${original.number}`,
          amount: refund.amount,
        },
      ],
      amount: refund.amount,
      payment_method: original.payment_method,
      gateway_transaction_id: row.gateway_refund_id,
      paid_at: row.succeeded_at ?? new Date(),
      refund: { of_receipt: original.id, refund_id: refund.id },
    });
    await this.repository.setReceipt(refund.id, 'refund_receipt', issued.id);
  }

  #transfer(
    tx: Parameters<PgLedger['createTransfersIn']>[0],
    transfer: TransferInput,
  ): Promise<TransferResult> {
    return this.ledger.createTransfersIn(tx, [transfer]).then((results) => results[0]!);
  }
}
