// The janitor: an intent whose callback never came is asked about at its gateway and resolved through
// the callbacks' own exactly-once path (PaymentCallbacksService.apply); one the gateway cannot settle
// is left `processing` and listed for operators. Intents and bills past their expiry are stored
// expired. Runs every JANITOR_INTERVAL_SECONDS, on demand (POST /v1/janitor/run); safe with several
// hub processes on one database: an intent is claimed before its query (janitor.repository.ts).
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type {
  CallbackOutcome,
  GatewayAnswer,
  GatewayId,
  PaymentEvent,
  PaymentQueryResult,
} from '../../adapters/contract';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { GATEWAY_IDS, GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentCallbacksService } from '../payments/payment-callbacks.service';
import { type ClaimedIntent, JanitorRepository } from './janitor.repository';

/** Intents claimed per round trip; a run goes on until nothing due is left or RUN_QUERIES_MAX. */
const CLAIM_BATCH = 25;
/** A bound on one run's gateway calls, so one run never goes on for ever; the next run continues. */
const RUN_QUERIES_MAX = 500;
/** The address the hub's own queries come from, as gateways want one (VNPay's vnp_IpAddr). */
const REQUESTER_IP = '127.0.0.1';

/** What one run did. */
export interface JanitorRunResult {
  /** Intents asked about at their gateway. */
  queried: number;
  /** Of those: paid (applied as a callback would be, or found already applied). */
  succeeded: number;
  failed: number;
  /** No final word from the gateway (pending, unknown order, unreachable, an answer not trusted). */
  unresolved: number;
  intents_expired: number;
  bills_expired: number;
}

type QueryOutcome = 'succeeded' | 'failed' | 'unresolved';

@Injectable()
export class JanitorService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  /** One run at a time in this process: a run asked for while one is going waits for it first. */
  private running: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    private readonly repository: JanitorRepository,
    private readonly gateways: GatewaysService,
    private readonly callbacks: PaymentCallbacksService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'janitor' });
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.janitor_interval_seconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => void this.run().catch(() => undefined), seconds * 1000);
    // The janitor never keeps the process alive on its own.
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  /** Runs once (after any run already going in this process); failures are logged and rethrown. */
  run(): Promise<JanitorRunResult> {
    const next = this.running.catch(() => undefined).then(() => this.#runOnce());
    this.running = next;
    return next;
  }

  async #runOnce(): Promise<JanitorRunResult> {
    const result: JanitorRunResult = {
      queried: 0,
      succeeded: 0,
      failed: 0,
      unresolved: 0,
      intents_expired: 0,
      bills_expired: 0,
    };
    try {
      const queryable = GATEWAY_IDS.filter((gateway) => this.#canQuery(gateway));
      const started = await this.repository.now();
      while (queryable.length > 0 && result.queried < RUN_QUERIES_MAX) {
        const claimed = await this.repository.claimForQuery(
          queryable,
          this.config.janitor_query_after_seconds,
          started,
          Math.min(CLAIM_BATCH, RUN_QUERIES_MAX - result.queried),
        );
        if (claimed.length === 0) break;
        for (const intent of claimed) {
          result.queried += 1;
          result[await this.#resolve(intent)] += 1;
        }
      }
      result.intents_expired = await this.repository.expireIntents(
        GATEWAY_IDS.filter((gateway) => !queryable.includes(gateway)),
      );
      result.bills_expired = await this.repository.expireBills();
    } catch (error) {
      this.logger.error({ err: error, ...result }, 'janitor run failed; the next run goes on');
      throw error;
    }
    if (Object.values(result).some((count) => count > 0)) this.logger.info(result, 'janitor run');
    return result;
  }

  #canQuery(gateway: GatewayId): boolean {
    return typeof this.gateways.adapter(gateway).queryPayment === 'function';
  }

  /** Asks the gateway about one claimed intent and acts on the answer. */
  async #resolve(intent: ClaimedIntent): Promise<QueryOutcome> {
    let answer: GatewayAnswer<PaymentQueryResult>;
    try {
      const now = new Date();
      answer = await this.gateways.adapter(intent.method).queryPayment!({
        request_id: randomBytes(16).toString('hex'),
        merchant_ref: intent.reference,
        payment_created_at: intent.created_at,
        requested_at: now,
        requester_ip: REQUESTER_IP,
      });
    } catch (error) {
      // A network error or a timeout: nothing is known. Never a secret in the error (adapters' rule).
      this.logger.warn({ err: error, intent: intent.id, gateway: intent.method }, 'gateway query failed');
      return this.#unresolved(intent, 'unreachable');
    }
    if (!answer.ok) {
      const rejection = 'reason' in answer.rejection ? answer.rejection.reason : answer.rejection.code;
      this.logger.warn(
        { intent: intent.id, gateway: intent.method, rejection },
        'gateway query answer refused',
      );
      return this.#unresolved(intent, `rejected:${rejection}`);
    }
    const found = answer.value;
    const summary = `${found.status}:${found.gateway_code}`;
    if (found.status === 'pending') return this.#unresolved(intent, summary);
    if (found.status === 'succeeded' && (found.gateway_txn_id === null || found.amount === null)) {
      // Paid, says the gateway, without saying which transaction or how much: a person must look.
      return this.#unresolved(intent, summary, true);
    }
    let outcome: CallbackOutcome;
    try {
      outcome = await this.callbacks.apply(this.#event(intent, found));
    } catch (error) {
      this.logger.error({ err: error, intent: intent.id }, 'applying a queried payment failed');
      return this.#unresolved(intent, `${summary}:error`, found.status === 'succeeded');
    }
    this.logger.info(
      { intent: intent.id, gateway: intent.method, status: found.status, outcome },
      'payment resolved by query',
    );
    if (outcome === 'recorded' || outcome === 'already_confirmed') {
      await this.repository.recordQuery(intent.id, summary, null);
      return found.status;
    }
    // An amount that differs (kept for review by apply) or an order apply could not match.
    return this.#unresolved(intent, `${summary}:${outcome}`, true);
  }

  async #unresolved(intent: ClaimedIntent, result: string, force_processing = false): Promise<'unresolved'> {
    await this.repository.recordQuery(intent.id, result, { force_processing });
    return 'unresolved';
  }

  /**
   * The query's answer as the verified event a callback would carry. A failure's amount and
   * transaction may be absent (nothing was paid): the intent's amount stands in, so apply's amount
   * check concerns payments only.
   */
  #event(intent: ClaimedIntent, found: PaymentQueryResult): PaymentEvent {
    const raw: Record<string, string> = {
      source: 'janitor_query',
      status: found.status,
      gateway_code: found.gateway_code,
    };
    if (found.gateway_txn_id !== null) raw.gateway_txn_id = found.gateway_txn_id;
    if (found.amount !== null) raw.amount = found.amount.toString();
    if (found.paid_at !== null) raw.paid_at = found.paid_at.toISOString();
    return {
      gateway: intent.method,
      merchant_ref: intent.reference,
      gateway_txn_id: found.gateway_txn_id ?? '',
      amount: found.amount ?? intent.amount,
      currency: 'VND',
      status: found.status,
      paid_at: found.paid_at,
      gateway_code: found.gateway_code,
      raw,
    };
  }
}
