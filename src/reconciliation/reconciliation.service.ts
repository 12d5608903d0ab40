// Reconciliation of a gateway's daily settlement file: the import and matching in one transaction
// (reconciliation.importer.ts), then, once that has committed, each missing_in_hub payment confirmed by
// asking the gateway (bounded concurrency) and posted late through the callbacks' exactly-once apply(),
// as the janitor does; finally the clearing account's balance is recorded as the run's residue.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  CallbackOutcome,
  GatewayAnswer,
  GatewayId,
  PaymentEvent,
  PaymentQueryResult,
} from '../../adapters/contract';
import type { PgLedger } from '../../ledger';
import { LEDGER } from '../database/database.module';
import { Db } from '../database/db';
import { feeRuleOf } from '../gateways/fee-schedule';
import { GatewaysService } from '../gateways/gateways.service';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { PaymentCallbacksService } from '../payments/payment-callbacks.service';
import { clearingAccount } from '../payments/payment-postings';
import { ReconciliationError } from './reconciliation.errors';
import { type ImportProgress, type ImportResult, ReconciliationImporter } from './reconciliation.importer';
import type { ExceptionKind } from './reconciliation.matcher';
import { ReconciliationRepository, type RunRow, type UnconfirmedPayment } from './reconciliation.repository';

/** Gateway queries in flight at once while confirming missing_in_hub rows. */
const CONFIRM_CONCURRENCY = 4;
/** The address the hub's own queries come from (VNPay's vnp_IpAddr), as the janitor sends. */
const REQUESTER_IP = '127.0.0.1';

export interface ReconcileInput {
  gateway: GatewayId;
  settlement_date: string;
  source: AsyncIterable<string | Buffer>;
  on_progress?: (progress: ImportProgress) => void;
}

export interface ReconcileResult {
  run: RunRow;
  created: boolean;
  exceptions_by_kind: Partial<Record<ExceptionKind, number>>;
  /** Earlier runs' missing_in_gateway exceptions this file lists, resolved as timing differences. */
  timing_differences: number;
  /** missing_in_hub payments the gateway confirmed and the hub then applied (late capture or suspense). */
  confirmed: number;
}

@Injectable()
export class ReconciliationService {
  readonly #importer: ReconciliationImporter;
  private readonly logger: Logger;

  constructor(
    db: Db,
    @Inject(LEDGER) ledger: PgLedger,
    private readonly repository: ReconciliationRepository,
    private readonly gateways: GatewaysService,
    private readonly callbacks: PaymentCallbacksService,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.#importer = new ReconciliationImporter(db, ledger);
    this.logger = logger.child({ component: 'reconciliation' });
  }

  async reconcile(input: ReconcileInput): Promise<ReconcileResult> {
    const adapter = this.gateways.adapter(input.gateway);
    if (!adapter.capabilities.settlement_file || !adapter.parseSettlementFile) {
      throw new ReconciliationError(
        'settlement_file_not_supported',
        `${input.gateway} has no settlement file the hub can read.`,
        'gateway',
      );
    }
    const parse = adapter.parseSettlementFile.bind(adapter);
    const imported: ImportResult = await this.#importer.import({
      gateway: input.gateway,
      settlement_date: input.settlement_date,
      source: input.source,
      parse,
      fee_rule: feeRuleOf(this.gateways.fees, input.gateway),
      ...(input.on_progress ? { on_progress: input.on_progress } : {}),
    });
    if (!imported.created) return { ...imported, confirmed: 0 };
    this.logger.info(
      {
        run: imported.run.id,
        gateway: input.gateway,
        date: input.settlement_date,
        rows: imported.run.rows_total,
        exceptions: imported.exceptions_by_kind,
        timing_differences: imported.timing_differences,
      },
      'settlement file imported',
    );
    const confirmed = await this.#confirmMissing(imported.run.id);
    const balance = await this.repository.clearingBalance(clearingAccount(input.gateway));
    const run = await this.repository.complete(imported.run.id, balance);
    if (balance !== 0n)
      this.logger.warn({ run: run.id, gateway: run.gateway, clearing_balance: balance }, 'clearing residue');
    return {
      run,
      created: true,
      exceptions_by_kind: imported.exceptions_by_kind,
      timing_differences: imported.timing_differences,
      confirmed,
    };
  }

  /** Each open missing_in_hub payment of the run, CONFIRM_CONCURRENCY at a time. */
  async #confirmMissing(run_id: string): Promise<number> {
    const pending = await this.repository.unconfirmedPayments(run_id);
    let next = 0;
    let confirmed = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONFIRM_CONCURRENCY, pending.length) }, async () => {
        for (let index = next++; index < pending.length; index = next++) {
          if (await this.#confirm(pending[index]!)) confirmed += 1;
        }
      }),
    );
    return confirmed;
  }

  /** Asks the gateway; a confirmed payment goes through apply() exactly as a late callback would. */
  async #confirm(item: UnconfirmedPayment): Promise<boolean> {
    const adapter = this.gateways.adapter(item.gateway);
    if (!adapter.queryPayment) {
      await this.repository.recordConfirmation(item.exception_id, { result: 'query_not_supported' }, null);
      return false;
    }
    let answer: GatewayAnswer<PaymentQueryResult>;
    try {
      answer = await adapter.queryPayment({
        request_id: randomBytes(16).toString('hex'),
        merchant_ref: item.reference,
        payment_created_at: item.intent_created_at,
        requested_at: new Date(),
        requester_ip: REQUESTER_IP,
      });
    } catch (error) {
      this.logger.warn({ err: error, exception: item.exception_id }, 'gateway query failed');
      await this.repository.recordConfirmation(item.exception_id, { result: 'unreachable' }, null);
      return false;
    }
    if (!answer.ok) {
      const rejection = 'reason' in answer.rejection ? answer.rejection.reason : answer.rejection.code;
      await this.repository.recordConfirmation(item.exception_id, { result: `rejected:${rejection}` }, null);
      return false;
    }
    const found = answer.value;
    const summary = {
      result: `${found.status}:${found.gateway_code}`,
      gateway_txn_id: found.gateway_txn_id,
      amount: found.amount?.toString() ?? null,
    };
    // Only the very payment the file lists, paid, for its amount: anything else is a person's call.
    if (
      found.status !== 'succeeded' ||
      found.gateway_txn_id !== item.gateway_txn_id ||
      found.amount !== item.file_amount
    ) {
      await this.repository.recordConfirmation(item.exception_id, summary, null);
      return false;
    }
    let outcome: CallbackOutcome;
    try {
      outcome = await this.callbacks.apply(this.#event(item, found));
    } catch (error) {
      this.logger.error({ err: error, exception: item.exception_id }, 'late posting failed');
      await this.repository.recordConfirmation(item.exception_id, { ...summary, outcome: 'error' }, null);
      return false;
    }
    const posting =
      outcome === 'recorded' || outcome === 'already_confirmed'
        ? await this.repository.postingOf(item.intent_id, item.gateway, item.gateway_txn_id)
        : null;
    await this.repository.recordConfirmation(item.exception_id, { ...summary, outcome }, posting);
    this.logger.info(
      { exception: item.exception_id, intent: item.intent_id, outcome, resolution: posting?.resolution },
      'missing_in_hub payment confirmed by query',
    );
    return posting !== null;
  }

  #event(item: UnconfirmedPayment, found: PaymentQueryResult): PaymentEvent {
    const raw: Record<string, string> = {
      source: 'reconciliation_query',
      status: found.status,
      gateway_code: found.gateway_code,
      gateway_txn_id: item.gateway_txn_id,
      amount: item.file_amount.toString(),
    };
    if (found.paid_at !== null) raw.paid_at = found.paid_at.toISOString();
    return {
      gateway: item.gateway,
      merchant_ref: item.reference,
      gateway_txn_id: item.gateway_txn_id,
      amount: item.file_amount,
      currency: 'VND',
      status: 'succeeded',
      paid_at: found.paid_at,
      gateway_code: found.gateway_code,
      raw,
    };
  }
}
