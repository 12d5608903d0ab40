// Gateway confirmations applied in batches (group commit, docs/adr/0007): concurrent successful
// callbacks queue here (while a batch is in flight, the next one forms: BATCH_MIN, BATCH_WAIT_MS) and
// a runner applies up to BATCH_MAX of them in ONE database transaction with
// set-based SQL in four round trips (see #transaction): the intents and bills locked in id order, the
// one-callback path's checks made on the locked rows, one ledger call for every linked group, the
// receipts numbered per series in one counter move, the events and their delivery jobs. The hot rows
// (clearing:<gateway>, payable:<biller>, the receipt counters) are then locked once per batch instead of
// once per callback, and for two round trips only.
// Every guarantee of the one-callback path stays: all of a payment commits or none of it; a batch that
// fails for any reason is retried item by item through that path (PaymentCallbacksService), so one bad
// item fails only itself; and whatever the batch cannot decide alone (an amount that differs, an intent
// already paid, a bill no longer open, two payments of one bill) goes through that path too, which
// keeps reviews and holds money in suspense.
import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import type { CallbackOutcome, GatewayId, PaymentEvent } from '../../adapters/contract';
import { computeFee } from '../../adapters/fees';
import type { PgLedger, TransferInput } from '../../ledger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { LEDGER } from '../database/database.module';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { inline, runScript, type Statement } from '../database/script';
import { feeRuleOf } from '../gateways/fee-schedule';
import { GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentIntentsService } from '../payment-intents/payment-intents.service';
import {
  type IssuerRow,
  ReceiptsRepository,
  type ReservedCounter,
  type SigningKeyRow,
  toIssuerRow,
} from '../receipts/receipts.repository';
import { ReceiptSigningKeys } from '../receipts/signing-keys';
import { type IssueReceiptInput, ReceiptsService } from '../receipts/receipts.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { paymentAccounts, paymentTransfers } from './payment-postings';
import {
  type LockedIntent,
  PaymentsRepository,
  type StoredBill,
  type StoredIntent,
} from './payments.repository';

/** Most confirmations one transaction carries. */
const BATCH_MAX = 128;
/** Batches in flight at once from this process (each holds one connection). */
const IN_FLIGHT_MAX = 2;
/**
 * Group commit's commit_delay: while a batch is in flight, the next one starts once this many
 * confirmations wait, or BATCH_WAIT_MS after the first of them, or when nothing is in flight any
 * more, whichever comes first. A batch started at once took whoever had arrived since the last one
 * left (often a handful); larger batches cost less per payment (docs/adr/0007: 15-25% less CPU per
 * payment, 5-30% more payments per second). A callback that finds nothing in flight never waits.
 */
const BATCH_MIN = 24;
const BATCH_WAIT_MS = 3;
/** Times a batch is run again after a deadlock or a serialization failure, before going item by item. */
const RETRIES_MAX = 5;
const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);
/** A ledger answer other than these fails the batch (and its items are then tried one by one). */
const POSTED = new Set(['created', 'exists']);

/** The one-callback transaction of PaymentCallbacksService: the fallback and the path of held money. */
export type ApplyAlone = () => Promise<CallbackOutcome>;

/** What step 1 reads (see #transaction). */
interface BatchRead {
  intents: LockedIntent[];
  bills: StoredBill[];
  issuers: IssuerRow[];
  key: SigningKeyRow | null;
  endpoints: ReadonlyMap<string, boolean>;
}

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
  /** (gateway, biller) pairs whose ledger accounts this process has already ensured. */
  readonly #ensured = new Set<string>();
  #inFlight = 0;
  #pumpScheduled = false;
  /** Set while a batch is forming: it starts when this fires, if nothing started it earlier. */
  #forming: NodeJS.Timeout | null = null;
  /** Counters for tests and operators: batches committed and the confirmations they applied. */
  readonly stats = { batches: 0, applied: 0, largest: 0, fallbacks: 0 };
  /** How the next batch forms while one is in flight (BATCH_MIN, BATCH_WAIT_MS); tests change it. */
  readonly forming = { min: BATCH_MIN, wait_ms: BATCH_WAIT_MS };

  constructor(
    private readonly db: Db,
    private readonly payments: PaymentsRepository,
    private readonly intentDtos: PaymentIntentsService,
    private readonly receipts: ReceiptsService,
    private readonly receiptRows: ReceiptsRepository,
    private readonly keys: ReceiptSigningKeys,
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

  /** Confirmations waiting for a batch (for tests and operators). */
  get waiting(): number {
    return this.#queue.length;
  }

  #pump(): void {
    if (this.#queue.length === 0 || this.#inFlight >= IN_FLIGHT_MAX) return;
    if (this.#inFlight > 0 && this.#queue.length < this.forming.min) {
      this.#forming ??= setTimeout(() => {
        this.#forming = null;
        this.#launch();
      }, this.forming.wait_ms);
      return;
    }
    this.#launch();
  }

  #launch(): void {
    if (this.#forming) {
      clearTimeout(this.#forming);
      this.#forming = null;
    }
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
        decisions = await this.#transaction(batch);
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

  /**
   * One batch in one transaction. The rows every batch shares (the ledger's clearing, payable and fee
   * accounts, the receipt counters) are locked as late as possible and the commit follows them at
   * once, in as few round trips as can be (src/database/script.ts):
   *   1. BEGIN; lock the intents and their bills; read the issuers, the signing key, the billers'
   *      webhook endpoints (their rows held);
   *   2. the bills and intents paid, both events of each payment (and their delivery jobs);
   *   3. the ledger's accounts locked and read with the receipt counters moved (one round trip); the
   *      ledger decides and the receipts are numbered and signed here;
   *   4. the ledger's write, the receipts, and COMMIT (one round trip).
   * The shared rows are held for two round trips; steps 1-2 of one batch run while another holds them.
   */
  #transaction(batch: Item[]): Promise<Decision[]> {
    const references = [...new Set(batch.map((item) => item.event.merchant_ref))];
    return this.db.detachedTransactionOpening(
      this.#readStatements(references),
      (tx, results) => this.#apply(tx, batch, this.#parseRead(results), { commit: true }),
      // Step 4 commits: the transaction is closed when the callback returns.
      { committed: true },
    );
  }

  /**
   * The one-callback path (PaymentCallbacksService): one success applied exactly as a batch applies
   * it, inside the caller's transaction (which commits it). Answers the decision, and the intent and
   * bill as locked when the decision is 'alone' (paid already, or the bill no longer open: the
   * caller holds the money) or null when there is no such intent.
   */
  async applyHere(
    tx: PoolClient,
    event: PaymentEvent,
    paid_at: Date,
  ): Promise<{ decision: Decision; intent: LockedIntent | null; bill: StoredBill | null }> {
    const read = this.#parseRead(await runScript(tx, this.#readStatements([event.merchant_ref])));
    const [decision] = await this.#apply(tx, [{ event, paid_at }], read, { commit: false });
    const intent = read.intents[0] ?? null;
    return {
      decision: decision!,
      intent,
      bill: read.bills.find((bill) => bill.id === intent?.bill_id) ?? null,
    };
  }

  /** Step 1's reads: the intents and their bills locked, the issuers, the key, the endpoints. */
  #readStatements(references: readonly string[]): Statement[] {
    return [
      ...this.payments.lockForConfirmationStatements(references),
      this.receiptRows.issuersOfIntentsStatement(references),
      this.receiptRows.activeKeyStatement(),
      this.webhooks.endpointsOfIntentsStatement(references),
    ];
  }

  #parseRead(results: readonly QueryResult[]): BatchRead {
    const [intents, bills, issuers, key, endpoints] = results;
    return {
      intents: intents!.rows as LockedIntent[],
      bills: bills!.rows as StoredBill[],
      issuers: (issuers!.rows as Parameters<typeof toIssuerRow>[0][]).map(toIssuerRow),
      key: (key!.rows[0] as SigningKeyRow | undefined) ?? null,
      endpoints: new Map(
        (endpoints!.rows as Array<{ id: string; has_endpoint: boolean }>).map((row) => [
          row.id,
          row.has_endpoint,
        ]),
      ),
    };
  }

  /**
   * Decides every item of the batch, applies those it can in tx, answers a decision per item. With
   * `commit`, the COMMIT travels with the last statements (the batch's own transaction); without, the
   * caller's transaction goes on (the one-callback path).
   */
  async #apply(
    tx: PoolClient,
    batch: ReadonlyArray<Pick<Item, 'event' | 'paid_at'>>,
    read: BatchRead,
    options: { commit: boolean },
  ): Promise<Decision[]> {
    const decisions: Decision[] = batch.map(() => 'alone');
    // Read after the locks: a concurrent copy of a callback may have committed meanwhile.
    const intents = new Map(read.intents.map((intent) => [intent.reference, intent]));
    const bills = new Map(read.bills.map((bill) => [bill.id, bill]));
    const paying = new Map<string, number>(); // bill id -> the item that pays it
    const applying: Array<{ item: Pick<Item, 'event' | 'paid_at'>; intent: LockedIntent; bill: StoredBill }> =
      [];
    batch.forEach((item, index) => {
      // The one-callback path's checks, in its order: order, amount, already confirmed.
      const intent = intents.get(item.event.merchant_ref);
      if (!intent || intent.method !== item.event.gateway) {
        decisions[index] = 'order_not_found';
        return;
      }
      // Another amount is kept for review by the one-callback path (and answered as the gateway wants).
      if (item.event.amount !== intent.amount) return;
      if (intent.gateway_txn_id === item.event.gateway_txn_id) {
        decisions[index] = 'already_confirmed';
        return;
      }
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
    if (applying.length === 0) {
      if (options.commit) await tx.query('COMMIT');
      return decisions;
    }
    for (const { item, intent } of applying) await this.ensureAccounts(item.event.gateway, intent.biller_id);

    // 2. The batch's own rows. Receipt ids are drawn now; their rows follow in step 4.
    const receipt_ids = applying.map(() => newId('receipt'));
    const billers = applying.map(({ intent }) => intent.biller_id);
    const succeededPlan = this.webhooks.planEvents(billers, read.endpoints);
    const issuedPlan = this.webhooks.planEvents(billers, read.endpoints);
    const [paidBills, paidIntents] = this.payments.confirmPaymentsStatements(
      applying.map(({ item, intent, bill }, index) => ({
        intent_id: intent.id,
        bill_id: bill.id,
        gateway_txn_id: item.event.gateway_txn_id,
        paid_at: item.paid_at,
        receipt_id: receipt_ids[index]!,
      })),
    );
    // Each intent as it reads once this commits: the locked row with this payment applied.
    const succeeded = applying.map(({ item, intent }, index) => ({
      biller_id: intent.biller_id,
      type: 'payment_intent.succeeded' as const,
      data: {
        ...this.intentDtos.toDto({
          ...intent,
          status: 'succeeded',
          gateway_txn_id: item.event.gateway_txn_id,
          failure_code: null,
          next_action: null,
          receipt_id: receipt_ids[index]!,
        }),
      },
    }));
    // The receipt.issued events refer to their receipts (rendered from them when read or sent).
    const issued = applying.map(({ intent }, index) => ({
      biller_id: intent.biller_id,
      type: 'receipt.issued' as const,
      receipt_id: receipt_ids[index]!,
    }));
    // Everything that does not need the shared rows, before they are locked: the bills and intents
    // paid (the intents' and events' references to receipts written in step 4 are checked at commit,
    // migrations/0018), both events of each payment.
    const [billsPaid, intentsPaid] = await runScript(tx, [
      paidBills,
      paidIntents,
      // Both events of every payment in one statement (a statement's fixed cost, once).
      this.webhooks.plannedEventsStatement([...succeededPlan, ...issuedPlan], [...succeeded, ...issued]),
    ]);
    if (billsPaid!.rowCount !== applying.length)
      throw new Error(`${applying.length - (billsPaid!.rowCount ?? 0)} locked open bills did not change`);
    if (intentsPaid!.rowCount !== applying.length)
      throw new Error(`${applying.length - (intentsPaid!.rowCount ?? 0)} locked intents did not change`);
    await this.webhooks.enqueuePlanned(tx, [...succeededPlan, ...issuedPlan]);

    // 3. The shared rows from here on, in the order of the one-callback path: the ledger's accounts,
    // then the receipt counters, locked in one round trip; the receipts are numbered and signed here.
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
    const plan = this.receipts.planReceipts(
      applying.map(({ item, intent, bill }, index) => ({
        ...receiptFor(intent, bill, item.event, item.paid_at),
        id: receipt_ids[index]!,
      })),
      read.issuers,
    );
    const decided = await this.ledger.decideTransfersIn(tx, transfers, [inline(plan.reserve)]);
    const refused = decided.results.find((result) => !POSTED.has(result.result));
    if (refused) throw new Error(`ledger refused transfer ${refused.id}: ${refused.result}`);
    const receipts = plan.sign(
      decided.alongside[0]!.rows as ReservedCounter[],
      read.key ?? (await this.keys.ensureActiveKey()),
    );

    // 4. The ledger's write and the receipts, and COMMIT: one round trip.
    const [written] = await runScript(tx, [
      { text: decided.write?.text ?? 'SELECT 1 WHERE false' },
      this.receiptRows.insertReceiptsStatement(receipts),
      ...(options.commit ? [{ text: 'COMMIT' }] : []),
    ]);
    // Cannot differ (INSERT ... SELECT inserts every row or fails); said loudly if it ever did.
    if (written!.rows.length !== (decided.write?.rows ?? 0))
      this.logger.error(
        { expected: decided.write?.rows, written: written!.rows.length },
        'ledger write count differs',
      );
    return decisions;
  }

  /** Creates a (gateway, biller) pair's ledger accounts once per process (they are never removed). */
  async ensureAccounts(gateway: GatewayId, biller_id: string): Promise<void> {
    const pair = `${gateway}\u0000${biller_id}`;
    if (this.#ensured.has(pair)) return;
    const results = await this.ledger.createAccounts(paymentAccounts(gateway, biller_id));
    const failed = results.find((result) => result.result !== 'created' && result.result !== 'exists');
    if (failed) throw new Error(`ledger account ${failed.id}: ${failed.result}`);
    this.#ensured.add(pair);
  }
}

/** The receipt of a paid bill: its lines when they add up to what was paid, else one line for it. */
function receiptFor(
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
