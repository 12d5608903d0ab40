// Gateway confirmations applied in batches (group commit, docs/adr/0007): concurrent successful
// callbacks queue here and a runner applies up to BATCH_MAX of them in ONE database transaction with
// set-based SQL (intents and bills locked in id order, one UPDATE each, one ledger call for every
// linked group, the receipts numbered per series in one counter move and inserted at once, the events
// and their delivery jobs in one INSERT each). The hot rows (clearing:<gateway>, payable:<biller>, the
// receipt counters) are then locked once per batch instead of once per callback.
// Every guarantee of the one-callback path stays: all of a payment commits or none of it; a batch that
// fails for any reason is retried item by item through that path (PaymentCallbacksService), so one bad
// item fails only itself; and whatever the batch cannot decide alone (an intent already paid, a bill
// no longer open, two payments of one bill) goes through that path too, which holds money in suspense.
import { Inject, Injectable } from '@nestjs/common';
import type { CallbackOutcome, PaymentEvent } from '../../adapters/contract';
import { computeFee } from '../../adapters/fees';
import type { PgLedger, TransferInput } from '../../ledger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { LEDGER } from '../database/database.module';
import { Db } from '../database/db';
import { feeRuleOf } from '../gateways/fee-schedule';
import { GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentIntentsRepository } from '../payment-intents/payment-intents.repository';
import { PaymentIntentsService } from '../payment-intents/payment-intents.service';
import { type IssueReceiptInput, ReceiptsService } from '../receipts/receipts.service';
import type { NewEvent } from '../webhooks/webhook-events';
import { WebhooksService } from '../webhooks/webhooks.service';
import { paymentTransfers } from './payment-postings';
import type { StoredBill, StoredIntent } from './payments.repository';

/** Most confirmations one transaction carries. */
const BATCH_MAX = 128;
/** Batches in flight at once from this process (each holds one connection). */
const IN_FLIGHT_MAX = 2;
/** Times a batch is run again after a deadlock or a serialization failure, before going item by item. */
const RETRIES_MAX = 5;
const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);
/** A ledger answer other than these fails the batch (and its items are then tried one by one). */
const POSTED = new Set(['created', 'exists']);

const INTENT_COLUMNS = 'id, biller_id, bill_id, method, status, amount, reference, gateway_txn_id';

/** The one-callback transaction of PaymentCallbacksService: the fallback and the path of held money. */
export type ApplyAlone = () => Promise<CallbackOutcome>;

interface Item {
  event: PaymentEvent;
  paid_at: Date;
  alone: ApplyAlone;
  resolve: (outcome: CallbackOutcome) => void;
  reject: (error: unknown) => void;
}

/** What the batch decided for an item: an answer, or "through the one-callback path, afterwards". */
type Decision = CallbackOutcome | 'alone';

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code !== undefined && RETRYABLE_PG_CODES.has(code);
}

function pause(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}

@Injectable()
export class PaymentConfirmations {
  readonly #queue: Item[] = [];
  #inFlight = 0;
  #pumpScheduled = false;
  /** Counters for tests and operators: batches committed and the confirmations they applied. */
  readonly stats = { batches: 0, applied: 0, largest: 0, fallbacks: 0 };

  constructor(
    private readonly db: Db,
    private readonly intents: PaymentIntentsRepository,
    private readonly intentDtos: PaymentIntentsService,
    private readonly receipts: ReceiptsService,
    private readonly webhooks: WebhooksService,
    private readonly gateways: GatewaysService,
    @Inject(LEDGER) private readonly ledger: PgLedger,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Applies a verified success (its amount already checked against the intent) with the next batch,
   * and answers as the one-callback path would: recorded, already_confirmed or order_not_found. A
   * caller already inside a transaction (the janitor's run under an Idempotency-Key) goes the
   * one-callback way at once: a batch on another connection could wait on that caller's own locks.
   */
  confirm(event: PaymentEvent, paid_at: Date, alone: ApplyAlone): Promise<CallbackOutcome> {
    if (this.db.inTransaction()) return alone();
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, paid_at, alone, resolve, reject });
      this.#schedulePump();
    });
  }

  /** On the next turn: callers woken by the batch that just committed then travel together. */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < IN_FLIGHT_MAX && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH_MAX);
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#schedulePump();
      });
    }
  }

  async #run(batch: Item[]): Promise<void> {
    let decisions: Decision[];
    for (let attempt = 0; ; attempt++) {
      try {
        // Detached: the runner may carry the async context of any caller, never its transaction.
        decisions = await this.db.detachedTransaction((tx) => this.#apply(tx, batch));
        break;
      } catch (error) {
        if (isRetryable(error) && attempt < RETRIES_MAX) {
          await pause(Math.min(50, 2 ** attempt) * Math.random());
          continue;
        }
        // Whatever failed (one item's ledger refusal, a constraint, the database), each item now gets
        // its own transaction: only the one that really fails tells its gateway to retry.
        this.stats.fallbacks++;
        this.logger.warn(
          { err: error, confirmations: batch.length },
          'a batch of payment confirmations failed; applying them one by one',
        );
        for (const item of batch) await this.#alone(item);
        return;
      }
    }
    const applied = decisions.filter((decision) => decision === 'recorded').length;
    this.stats.batches++;
    this.stats.applied += applied;
    this.stats.largest = Math.max(this.stats.largest, applied);
    batch.forEach((item, index) => {
      const decision = decisions[index]!;
      // Held money and second payments: after the commit, so that path sees what the batch did.
      if (decision === 'alone') void this.#alone(item);
      else item.resolve(decision);
    });
  }

  async #alone(item: Item): Promise<void> {
    try {
      item.resolve(await item.alone());
    } catch (error) {
      item.reject(error);
    }
  }

  /** One batch in tx: decides every item, applies those it can, answers a decision per item. */
  async #apply(tx: Parameters<PgLedger['createTransfersIn']>[0], batch: Item[]): Promise<Decision[]> {
    const decisions: Decision[] = batch.map(() => 'alone');
    // Locked, then read: in id order (as every batch and the one-callback path lock), so concurrent
    // batches queue rather than deadlock. A concurrent copy of a callback may have committed meanwhile.
    const references = [...new Set(batch.map((item) => item.event.merchant_ref))];
    const locked = await this.db.query<StoredIntent>(
      `SELECT ${INTENT_COLUMNS} FROM payment_intents WHERE reference = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [references],
    );
    const intents = new Map(locked.rows.map((intent) => [intent.reference, intent]));
    const billIds = new Set<string>();
    batch.forEach((item, index) => {
      const intent = intents.get(item.event.merchant_ref);
      if (!intent) decisions[index] = 'order_not_found';
      else if (intent.gateway_txn_id === item.event.gateway_txn_id) decisions[index] = 'already_confirmed';
      else billIds.add(intent.bill_id);
    });
    if (billIds.size === 0) return decisions;
    const lockedBills = await this.db.query<StoredBill>(
      'SELECT id, biller_id, reference, status, payer, lines FROM bills WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [[...billIds]],
    );
    const bills = new Map(lockedBills.rows.map((bill) => [bill.id, bill]));
    const paying = new Map<string, number>(); // bill id -> the item that pays it
    const applying: Array<{ item: Item; intent: StoredIntent; bill: StoredBill }> = [];
    batch.forEach((item, index) => {
      if (decisions[index] !== 'alone') return;
      const intent = intents.get(item.event.merchant_ref)!;
      const bill = bills.get(intent.bill_id);
      if (!bill) throw new Error(`bill ${intent.bill_id} of a payment intent is missing`);
      const first = paying.get(bill.id);
      if (first !== undefined) {
        const earlier = batch[first]!.event;
        // The same callback twice in one batch: one applies, the copies are already confirmed. Another
        // payment of the bill stays 'alone': held in suspense after this batch commits.
        if (
          earlier.merchant_ref === item.event.merchant_ref &&
          earlier.gateway_txn_id === item.event.gateway_txn_id
        )
          decisions[index] = 'already_confirmed';
        return;
      }
      // Paid already, or the bill no longer open: money to hold, by the one-callback path.
      if (intent.status === 'succeeded' || bill.status !== 'open') return;
      paying.set(bill.id, index);
      applying.push({ item, intent, bill });
      decisions[index] = 'recorded';
    });
    if (applying.length === 0) return decisions;

    const bills_paid = await this.db.query(
      `UPDATE bills b SET status = 'paid', paid_at = v.paid_at
         FROM unnest($1::text[], $2::timestamptz[]) AS v(id, paid_at)
        WHERE b.id = v.id AND b.status = 'open'`,
      [applying.map(({ bill }) => bill.id), applying.map(({ item }) => item.paid_at)],
    );
    if (bills_paid.rowCount !== applying.length)
      throw new Error(`${applying.length - (bills_paid.rowCount ?? 0)} locked open bills did not change`);

    const intents_paid = await this.db.query(
      `UPDATE payment_intents p SET status = 'succeeded', gateway_txn_id = v.gateway_txn_id,
              paid_at = v.paid_at, failure_code = NULL, next_action = NULL, updated_at = clock_timestamp()
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(id, gateway_txn_id, paid_at)
        WHERE p.id = v.id`,
      [
        applying.map(({ intent }) => intent.id),
        applying.map(({ item }) => item.event.gateway_txn_id),
        applying.map(({ item }) => item.paid_at),
      ],
    );
    if (intents_paid.rowCount !== applying.length) throw new Error('a locked payment intent did not change');
    const rows = new Map(
      (await this.intents.findManyForPayer(applying.map(({ intent }) => intent.id))).map((row) => [
        row.id,
        row,
      ]),
    );

    // The rows every batch shares are taken from here on, as late as possible (each is held until the
    // commit), and in the order of the one-callback path: the ledger's accounts, then the counters.
    const transfers: TransferInput[] = applying.flatMap(({ item, intent, bill }) => {
      const rule = feeRuleOf(this.gateways.fees, item.event.gateway);
      return paymentTransfers({
        gateway: item.event.gateway,
        biller_id: intent.biller_id,
        bill_id: bill.id,
        payment_intent_id: intent.id,
        gateway_txn_id: item.event.gateway_txn_id,
        amount: intent.amount,
        fee: rule ? computeFee(intent.amount, rule) : 0n,
        fee_bearer: this.config.fee_bearer,
      });
    });
    const posted = await this.ledger.createTransfersIn(tx, transfers);
    const refused = posted.find((result) => !POSTED.has(result.result));
    if (refused) throw new Error(`ledger refused transfer ${refused.id}: ${refused.result}`);
    const receipts = await this.receipts.issueReceipts(
      applying.map(({ item, intent, bill }) => receiptFor(intent, bill, item.event, item.paid_at)),
    );
    await this.db.query(
      `UPDATE payment_intents p SET receipt_id = v.receipt_id, updated_at = clock_timestamp()
         FROM unnest($1::text[], $2::text[]) AS v(id, receipt_id) WHERE p.id = v.id`,
      [applying.map(({ intent }) => intent.id), receipts.map((receipt) => receipt.id)],
    );
    // The intent as findForPayer reads it now: the row read above with the receipt just set.
    const events: NewEvent[] = applying.flatMap(({ intent }, index) => [
      {
        biller_id: intent.biller_id,
        type: 'payment_intent.succeeded' as const,
        data: { ...this.intentDtos.toDto({ ...rows.get(intent.id)!, receipt_id: receipts[index]!.id }) },
      },
      { biller_id: intent.biller_id, type: 'receipt.issued' as const, data: { ...receipts[index]! } },
    ]);
    await this.webhooks.recordEvents(tx, events);

    return decisions;
  }
}

/** The receipt of a paid bill: its lines when they add up to what was paid, else one line for it. */
export function receiptFor(
  intent: StoredIntent,
  bill: StoredBill,
  event: PaymentEvent,
  paid_at: Date,
): IssueReceiptInput {
  const lines = bill.lines.map((line) => ({
    fee_name: typeof line.name === 'string' ? line.name : '',
    amount: /^\d+$/.test(String(line.amount)) ? BigInt(String(line.amount)) : 0n,
  }));
  const usable =
    lines.length > 0 &&
    lines.every((line) => line.fee_name !== '' && line.amount > 0n) &&
    lines.reduce((sum, line) => sum + line.amount, 0n) === intent.amount;
  return {
    biller_id: intent.biller_id,
    bill_id: bill.id,
    payment_intent_id: intent.id,
    payer: {
      name: typeof bill.payer.name === 'string' ? bill.payer.name : bill.reference,
      id_number: typeof bill.payer.id_number === 'string' ? bill.payer.id_number : null,
    },
    lines: usable ? lines : [{ fee_name: `Thanh toan ${bill.reference}`, amount: intent.amount }],
    amount: intent.amount,
    payment_method: intent.method,
    gateway_transaction_id: event.gateway_txn_id,
    paid_at,
  };
}
