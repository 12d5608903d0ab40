// Gateway callbacks (IPN): a verified event moves its payment intent on. A success is applied in ONE
// database transaction: the intent (locked), its bill, the ledger's linked group, the receipt and the
// webhook events commit together or not at all, so a retried or duplicated callback finds everything
// done and can only answer "already confirmed". Money that cannot pay its bill (paid twice, bill no
// longer open) goes to the gateway's suspense account and into payment_reviews: never dropped.
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type {
  CallbackOutcome,
  CallbackReply,
  CallbackRequest,
  GatewayId,
  PaymentEvent,
} from '../../adapters/contract';
import type { PgLedger, TransferInput } from '../../ledger';
import { LEDGER } from '../database/database.module';
import { Db } from '../database/db';
import { GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { PaymentIntentsRepository } from '../payment-intents/payment-intents.repository';
import { PaymentIntentsService } from '../payment-intents/payment-intents.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { holdUnmatchedTransfer } from './bank-transfers';
import { PaymentConfirmations } from './payment-confirmations';
import { suspenseTransfers } from './payment-postings';
import { PaymentsRepository, type StoredBill, type StoredIntent } from './payments.repository';

/** A ledger answer other than these rolls the whole payment back (and the gateway is told to retry). */
const POSTED = new Set(['created', 'exists']);

@Injectable()
export class PaymentCallbacksService {
  /** Callbacks by gateway and outcome. */
  private readonly callbacks: Counter<'gateway' | 'outcome'>;

  constructor(
    private readonly db: Db,
    private readonly repository: PaymentsRepository,
    private readonly intents: PaymentIntentsRepository,
    private readonly intentDtos: PaymentIntentsService,
    private readonly webhooks: WebhooksService,
    private readonly gateways: GatewaysService,
    @Inject(LEDGER) private readonly ledger: PgLedger,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
    private readonly confirmations: PaymentConfirmations,
    metrics: MetricsService,
  ) {
    this.callbacks = metrics.counter(
      'payhub_gateway_callbacks_total',
      'Gateway callbacks this process answered, by gateway and outcome (recorded, already_confirmed, order_not_found, amount_mismatch, a rejection: bad_signature, malformed, wrong_merchant; error).',
      ['gateway', 'outcome'],
    );
  }

  /** Verifies, applies and answers one callback in the gateway's own format. */
  async handle(gateway: GatewayId, request: CallbackRequest): Promise<CallbackReply> {
    const adapter = this.gateways.adapter(gateway);
    const parsed = adapter.parseCallback(request);
    if (!parsed.ok) {
      // The rejection's detail names the check, never a secret or the signature.
      this.logger.warn({ gateway, ...parsed.rejection }, 'gateway callback rejected');
      this.callbacks.inc({ gateway, outcome: parsed.rejection.reason });
      return adapter.callbackReply(parsed.rejection.reason);
    }
    let outcome: CallbackOutcome;
    try {
      outcome = await this.apply(parsed.event);
    } catch (error) {
      this.logger.error(
        { gateway, reference: parsed.event.merchant_ref, err: error },
        'gateway callback failed; the gateway will retry',
      );
      outcome = 'error';
    }
    this.logger.info(
      { gateway, reference: parsed.event.merchant_ref, status: parsed.event.status, outcome },
      'gateway callback',
    );
    this.callbacks.inc({ gateway, outcome });
    return adapter.callbackReply(outcome);
  }

  async apply(received: PaymentEvent): Promise<CallbackOutcome> {
    let event = received;
    // A bank transfer is money already received: one that pays no intent exactly goes to suspense.
    if (event.gateway === 'vietqr') {
      const { db, repository, ledger, logger } = this;
      const routed = await holdUnmatchedTransfer(event, { db, repository, ledger, logger });
      if ('outcome' in routed) return routed.outcome;
      event = routed.event;
    }
    // A success goes straight to the next batch, which reads the intent under its lock and makes the
    // checks below itself; what it cannot decide comes back here, one callback at a time.
    if (event.status === 'succeeded') {
      const paid_at = event.paid_at ?? new Date();
      const checked = event;
      return this.confirmations.confirm(event, paid_at, () => this.#check(checked, paid_at));
    }
    return this.#check(event, event.paid_at ?? new Date());
  }

  /** VNPay's check order: order, amount, already confirmed, then the status. */
  async #check(event: PaymentEvent, paid_at: Date): Promise<CallbackOutcome> {
    const intent = await this.repository.findIntentByReference(event.merchant_ref);
    if (!intent || intent.method !== event.gateway) return 'order_not_found';
    if (event.amount !== intent.amount) {
      await this.repository.insertReview({
        ...this.#review(event, intent),
        reason: 'amount_mismatch',
        expected_amount: intent.amount,
      });
      return 'amount_mismatch';
    }
    if (intent.gateway_txn_id !== null && intent.gateway_txn_id === event.gateway_txn_id)
      return 'already_confirmed';
    switch (event.status) {
      case 'failed':
        return this.#fail(intent, event);
      case 'pending':
        // VNPay's "debited, suspected fraud" and the like: money may have moved; a person must look.
        await this.repository.insertReview({ ...this.#review(event, intent), reason: 'gateway_pending' });
        return 'recorded';
      case 'succeeded':
        await this.confirmations.ensureAccounts(event.gateway, intent.biller_id);
        return this.#succeedAlone(event, paid_at);
    }
  }

  async #fail(intent: StoredIntent, event: PaymentEvent): Promise<CallbackOutcome> {
    // processing without a gateway transaction: the janitor's query found no final word (src/janitor/).
    const waiting =
      intent.status === 'requires_action' ||
      (intent.status === 'processing' && intent.gateway_txn_id === null);
    if (!waiting) return 'already_confirmed';
    return this.db.transaction(async (tx) => {
      if (await this.repository.markFailed(intent.id, `${event.gateway}_${event.gateway_code}`)) {
        const row = await this.intents.findForPayer(intent.id);
        await this.webhooks.recordEvent(tx, {
          biller_id: intent.biller_id,
          type: 'payment_intent.failed',
          data: { ...this.intentDtos.toDto(row!) },
        });
        return 'recorded';
      }
      return 'already_confirmed';
    });
  }

  /**
   * One success in a transaction of its own (a savepoint inside a caller's): a batch's fallback, the
   * janitor's and reconciliation's way, and the way to suspense. What a payment writes is written by
   * the batch's own code (PaymentConfirmations.applyHere); only holding money is done here.
   */
  async #succeedAlone(event: PaymentEvent, paid_at: Date): Promise<CallbackOutcome> {
    return this.db.transaction(async (tx) => {
      // Locked, then read again: a concurrent copy of this callback may have committed meanwhile.
      const { decision, intent, bill } = await this.confirmations.applyHere(tx, event, paid_at);
      if (decision !== 'alone') return decision;
      if (!intent || !bill) throw new Error(`payment intent ${event.merchant_ref} or its bill vanished`);
      if (event.amount !== intent.amount) throw new Error(`payment intent ${intent.id} changed its amount`);
      return this.#hold(intent, bill, event, paid_at, tx);
    });
  }

  /** Paid, but the bill is paid already or no longer open: suspense and a review, no receipt. */
  async #hold(
    intent: StoredIntent,
    bill: StoredBill,
    event: PaymentEvent,
    paid_at: Date,
    tx: Parameters<PgLedger['createTransfersIn']>[0],
  ): Promise<CallbackOutcome> {
    const transfers = suspenseTransfers({
      gateway: event.gateway,
      biller_id: intent.biller_id,
      bill_id: bill.id,
      payment_intent_id: intent.id,
      gateway_txn_id: event.gateway_txn_id,
      amount: event.amount,
    });
    const created = await this.repository.insertReview({
      ...this.#review(event, intent),
      reason: bill.status === 'paid' || intent.status === 'succeeded' ? 'duplicate_payment' : 'bill_not_open',
      expected_amount: intent.amount,
      transfer_id: transfers[0]!.id,
    });
    if (!created) return 'already_confirmed';
    await this.#post(tx, transfers);
    // The one succeeded intent of the bill keeps its status; another attempt that took money is held.
    if (intent.status !== 'succeeded')
      await this.repository.markHeld(intent.id, event.gateway_txn_id, paid_at);
    this.logger.warn(
      { gateway: event.gateway, reference: intent.reference, bill: bill.id, bill_status: bill.status },
      'payment held in suspense for review',
    );
    return 'recorded';
  }

  async #post(tx: Parameters<PgLedger['createTransfersIn']>[0], transfers: TransferInput[]): Promise<void> {
    const results = await this.ledger.createTransfersIn(tx, transfers);
    const failed = results.find((result) => !POSTED.has(result.result));
    if (failed) throw new Error(`ledger refused transfer ${failed.id}: ${failed.result}`);
  }

  /** Once per (gateway, biller) per process: accounts are never deleted, so an ensured pair stays so. */
  #review(event: PaymentEvent, intent: StoredIntent) {
    return {
      gateway: event.gateway,
      reference: event.merchant_ref,
      gateway_txn_id: event.gateway_txn_id,
      payment_intent_id: intent.id,
      bill_id: intent.bill_id,
      amount: event.amount,
      expected_amount: null,
      transfer_id: null,
      gateway_code: event.gateway_code,
      raw: event.raw,
    };
  }
}
