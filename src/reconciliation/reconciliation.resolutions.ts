// Resolutions of reconciliation exceptions (docs/reconciliation.md#resolutions): an operator picks an
// action that fits the exception's kind; the action posts ledger transfers (ids derived from the
// exception, so a retry can only answer `exists`), and the exception is marked resolved with the
// operator, the reason and the transfers, and one append-only audit row is written: all in ONE
// transaction, the exception's row locked first, so concurrent resolutions resolve it once.
import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { CallbackOutcome, PaymentEvent } from '../../adapters/contract';
import type { PgLedger, TransferInput } from '../../ledger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { LEDGER } from '../database/database.module';
import { Db } from '../database/db';
import { objectBody, requiredEnum, requiredString } from '../common/validation';
import { PaymentCallbacksService } from '../payments/payment-callbacks.service';
import {
  ACCOUNT_CODES,
  clearingAccount,
  feesAccount,
  payableAccount,
  suspenseAccount,
  TRANSFER_CODES,
  writeOffsAccount,
} from '../payments/payment-postings';
import { ReconciliationError } from './reconciliation.errors';
import { importLock } from './reconciliation.importer';
import { TIMING_DAYS } from './reconciliation.matcher';
import { type AuditRow, type ExceptionRow, ReconciliationRepository } from './reconciliation.repository';

export const RESOLUTION_ACTIONS = ['late_capture', 'refund', 'write_off', 'fee_adjustment'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export const REASON_MAX = 500;
export const OPERATOR_MAX = 200;
const POSTED = new Set(['created', 'exists']);

/** The transfers of one resolution: ids `recon:<exception>:<suffix>`. */
export const resolutionTransferId = (exception_id: string, suffix: string) =>
  `recon:${exception_id}:${suffix}`;

export interface ResolveInput {
  action: ResolutionAction;
  reason: string;
  operator: string;
}

export interface ResolveResult {
  exception: ExceptionRow;
  audit: AuditRow[];
  /** false: an identical request resolved it already; nothing changed. */
  created: boolean;
}

type ExceptionShape = Pick<ExceptionRow, 'kind' | 'row_kind' | 'payment_intent_id'>;

/**
 * The actions that fit an exception (docs/runbooks/reconciliation.md):
 * - late_capture: a missing_in_hub payment whose reference names an intent (applied as a callback);
 * - refund: a payment the hub booked that the gateway did not pay (status_mismatch: failed at the
 *   gateway; missing_in_gateway): the hub's booking is reversed;
 * - fee_adjustment: a payment's fee_mismatch: the difference between clearing and the fee's bearer;
 * - write_off: any kind: the exception's residue in clearing, to write_offs (the gateway paid less) or
 *   to suspense (it paid more than the hub booked).
 */
export function actionsFor(exception: ExceptionShape): ResolutionAction[] {
  const payment = exception.row_kind === 'payment';
  switch (exception.kind) {
    case 'missing_in_hub':
      return payment && exception.payment_intent_id !== null ? ['late_capture', 'write_off'] : ['write_off'];
    case 'missing_in_gateway':
    case 'status_mismatch':
      return payment && exception.payment_intent_id !== null ? ['refund', 'write_off'] : ['write_off'];
    case 'fee_mismatch':
      return payment && exception.payment_intent_id !== null
        ? ['fee_adjustment', 'write_off']
        : ['write_off'];
    case 'amount_mismatch':
    case 'duplicate':
      return ['write_off'];
  }
}

/** The body of POST /v1/reconciliation/exceptions/:id/resolve, checked. */
export function parseResolveBody(body: unknown): ResolveInput {
  const fields = objectBody(body, ['action', 'reason', 'operator']);
  return {
    action: requiredEnum(fields, 'action', RESOLUTION_ACTIONS),
    reason: requiredString(fields, 'reason', { max_length: REASON_MAX }).trim(),
    operator: requiredString(fields, 'operator', { max_length: OPERATOR_MAX }).trim(),
  };
}

/** How the hub booked a paid intent: its payment transfer and (when a fee was booked) the fee's. */
interface Booking {
  biller_id: string;
  bill_id: string;
  amount: bigint;
  pay: { id: string; amount: bigint; credit_account_id: string } | null;
  fee: { id: string; amount: bigint; debit_account_id: string } | null;
}

interface Posted {
  resolution: string;
  transfer_ids: string[];
  /** VND moved (signed for write-offs and fee adjustments: + out of clearing's residue). */
  amount: bigint;
  details: Record<string, unknown>;
}

@Injectable()
export class ReconciliationResolutions {
  constructor(
    private readonly db: Db,
    @Inject(LEDGER) private readonly ledger: PgLedger,
    private readonly repository: ReconciliationRepository,
    private readonly callbacks: PaymentCallbacksService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async resolve(exception_id: string, input: ResolveInput): Promise<ResolveResult> {
    return this.db.transaction(async (tx) => {
      // Before the exception's lock: an import of the next day waits for this lock in its turn.
      await this.#awaitTimingWindow(exception_id, input.action);
      const exception = await this.repository.lockException(exception_id);
      if (!exception)
        throw new ReconciliationError('reconciliation_exception_not_found', 'No such exception.', 'id');
      if (exception.status === 'resolved') {
        const audit = await this.repository.auditOf(exception.id);
        const last = audit[audit.length - 1];
        // The very same request again (a retry): the same answer, nothing changes.
        if (
          last &&
          last.action === input.action &&
          last.reason === input.reason &&
          last.operator === input.operator
        )
          return { exception, audit, created: false };
        throw new ReconciliationError(
          'reconciliation_exception_resolved',
          `This exception was resolved already (${exception.resolution} by ${exception.resolved_by}).`,
          'id',
        );
      }
      const fits = actionsFor(exception);
      if (!fits.includes(input.action))
        throw new ReconciliationError(
          'reconciliation_action_invalid',
          `${input.action} does not fit a ${exception.kind} ${exception.row_kind} exception; use ${fits.join(' or ')}.`,
          'action',
        );
      const posted = await this.#act(tx, exception, input);
      const resolved = await this.repository.markResolved(exception.id, {
        resolution: posted.resolution,
        operator: input.operator,
        reason: input.reason,
        transfer_ids: posted.transfer_ids,
      });
      await this.repository.insertAudit({
        exception_id: exception.id,
        action: input.action,
        resolution: posted.resolution,
        reason: input.reason,
        operator: input.operator,
        transfer_ids: posted.transfer_ids,
        amount: posted.amount,
        details: {
          kind: exception.kind,
          row_kind: exception.row_kind,
          gateway: exception.gateway,
          run: exception.run_id,
          ...posted.details,
        },
      });
      return { exception: resolved, audit: await this.repository.auditOf(exception.id), created: true };
    });
  }

  /**
   * A payment or refund missing from its day's file may be on the next day's (around midnight): that
   * file's import settles it as a timing difference. Written off or reversed before, the next file's
   * payout would take the money out of clearing a second time; so, for a missing_in_gateway exception
   * still open, write_off and refund wait until the gateway's files of the next TIMING_DAYS days are
   * reconciled (an import in progress is waited for).
   */
  async #awaitTimingWindow(exception_id: string, action: ResolutionAction): Promise<void> {
    if (action !== 'write_off' && action !== 'refund') return;
    const exception = await this.repository.exceptionDay(exception_id);
    if (!exception || exception.kind !== 'missing_in_gateway' || exception.status !== 'open') return;
    const next = Array.from({ length: TIMING_DAYS }, (_, k) => addDays(exception.settlement_date, k + 1));
    const waiting = await this.repository.unreconciledDays(exception.gateway, next, (date) =>
      importLock(exception.gateway, date),
    );
    if (waiting.length > 0)
      throw notApplicable(
        `The ${exception.gateway} file of ${waiting.join(', ')} is not reconciled yet: a payment made around ` +
          'midnight may be on it (its import then resolves this exception as a timing difference). ' +
          'Resolve this once that file is in.',
      );
  }

  #act(tx: PoolClient, exception: ExceptionRow, input: ResolveInput): Promise<Posted> {
    switch (input.action) {
      case 'late_capture':
        return this.#lateCapture(exception);
      case 'refund':
        return this.#reverse(tx, exception, input);
      case 'write_off':
        return this.#writeOff(tx, exception, input);
      case 'fee_adjustment':
        return this.#feeAdjustment(tx, exception, input);
    }
  }

  /** The payment the file lists, applied through the callbacks' exactly-once path, as the core does. */
  async #lateCapture(exception: ExceptionRow): Promise<Posted> {
    const intent = await this.repository.intentReference(exception.payment_intent_id!);
    if (!intent || exception.gateway_txn_id === null || exception.file_amount === null)
      throw notApplicable('The exception names no intent and transaction to capture.');
    const event: PaymentEvent = {
      gateway: exception.gateway,
      merchant_ref: intent.reference,
      gateway_txn_id: exception.gateway_txn_id,
      amount: exception.file_amount,
      currency: 'VND',
      status: 'succeeded',
      paid_at: null,
      gateway_code: 'reconciliation',
      raw: {
        source: 'reconciliation_resolution',
        exception: exception.id,
        gateway_txn_id: exception.gateway_txn_id,
        amount: exception.file_amount.toString(),
      },
    };
    const outcome: CallbackOutcome = await this.callbacks.apply(event);
    const posting =
      outcome === 'recorded' || outcome === 'already_confirmed'
        ? await this.repository.postingOf(intent.id, exception.gateway, exception.gateway_txn_id)
        : null;
    if (!posting?.transfer_id)
      throw notApplicable(`The payment could not be applied (${outcome}); nothing changed.`);
    return {
      resolution: posting.resolution,
      transfer_ids: [posting.transfer_id],
      amount: exception.file_amount,
      details: { outcome },
    };
  }

  /**
   * The gateway did not pay a payment the hub booked (it failed there, or was refunded there already):
   * the booking is reversed, payable → clearing for the amount and clearing → the fee's bearer for the
   * fee, one linked group.
   */
  async #reverse(tx: PoolClient, exception: ExceptionRow, input: ResolveInput): Promise<Posted> {
    const booking = await this.#booking(exception);
    if (!booking?.pay)
      throw notApplicable(
        'The hub booked nothing for this payment with this transaction: nothing to reverse.',
      );
    const metadata = this.#metadata(exception, input);
    const transfers: TransferInput[] = [
      {
        id: resolutionTransferId(exception.id, 'refund'),
        debit_account_id: booking.pay.credit_account_id,
        credit_account_id: clearingAccount(exception.gateway),
        amount: booking.pay.amount,
        currency: 'VND',
        code: TRANSFER_CODES.refund,
        metadata: { ...metadata, reverses: booking.pay.id },
      },
    ];
    if (booking.fee)
      transfers.push({
        id: resolutionTransferId(exception.id, 'refund_fee'),
        debit_account_id: clearingAccount(exception.gateway),
        credit_account_id: booking.fee.debit_account_id,
        amount: booking.fee.amount,
        currency: 'VND',
        code: TRANSFER_CODES.refund,
        metadata: { ...metadata, reverses: booking.fee.id },
      });
    await this.#post(tx, transfers);
    return {
      resolution: 'refund',
      transfer_ids: transfers.map((transfer) => transfer.id),
      amount: booking.pay.amount,
      details: { reversed: [booking.pay.id, ...(booking.fee ? [booking.fee.id] : [])] },
    };
  }

  /**
   * The exception's residue in clearing: + the hub booked more than the gateway paid (written off:
   * write_offs ← clearing), − the gateway paid more than the hub booked (held: clearing → suspense).
   */
  async #writeOff(tx: PoolClient, exception: ExceptionRow, input: ResolveInput): Promise<Posted> {
    const residue = await this.residue(exception);
    if (residue === 0n)
      throw notApplicable('This exception leaves nothing in clearing; there is nothing to write off.');
    const gateway = exception.gateway;
    await this.#ensure([
      { id: writeOffsAccount(gateway), code: ACCOUNT_CODES.write_offs, owner_ref: `gateway:${gateway}` },
      { id: suspenseAccount(gateway), code: ACCOUNT_CODES.suspense, owner_ref: `gateway:${gateway}` },
    ]);
    const loss = residue > 0n;
    const transfer: TransferInput = {
      id: resolutionTransferId(exception.id, 'write_off'),
      debit_account_id: loss ? writeOffsAccount(gateway) : clearingAccount(gateway),
      credit_account_id: loss ? clearingAccount(gateway) : suspenseAccount(gateway),
      amount: loss ? residue : -residue,
      currency: 'VND',
      code: TRANSFER_CODES.write_off,
      metadata: this.#metadata(exception, input),
    };
    await this.#post(tx, [transfer]);
    return {
      resolution: loss ? 'write_off' : 'write_off_to_suspense',
      transfer_ids: [transfer.id],
      amount: residue,
      details: {
        residue: residue.toString(),
        account: loss ? transfer.debit_account_id : transfer.credit_account_id,
      },
    };
  }

  /**
   * The file's fee against the fee booked at payment time: the difference moves between clearing and
   * the account that bore the fee (fees:<gateway>, or the agency's payable with FEE_BEARER=biller).
   */
  async #feeAdjustment(tx: PoolClient, exception: ExceptionRow, input: ResolveInput): Promise<Posted> {
    const booking = await this.#booking(exception);
    if (!booking?.pay || exception.file_fee === null)
      throw notApplicable('The hub booked no payment for this transaction: nothing to adjust.');
    const booked = booking.fee?.amount ?? 0n;
    const difference = exception.file_fee - booked;
    if (difference === 0n) throw notApplicable('The booked fee equals the file’s: nothing to adjust.');
    const bearer =
      booking.fee?.debit_account_id ??
      (this.config.fee_bearer === 'biller'
        ? payableAccount(booking.biller_id)
        : feesAccount(exception.gateway));
    const more = difference > 0n;
    const transfer: TransferInput = {
      id: resolutionTransferId(exception.id, 'fee_adjustment'),
      debit_account_id: more ? bearer : clearingAccount(exception.gateway),
      credit_account_id: more ? clearingAccount(exception.gateway) : bearer,
      amount: more ? difference : -difference,
      currency: 'VND',
      code: TRANSFER_CODES.fee_adjustment,
      metadata: {
        ...this.#metadata(exception, input),
        booked_fee: booked.toString(),
        file_fee: exception.file_fee.toString(),
      },
    };
    await this.#post(tx, [transfer]);
    return {
      resolution: 'fee_adjustment',
      transfer_ids: [transfer.id],
      amount: difference,
      details: { booked_fee: booked.toString(), file_fee: exception.file_fee.toString(), bearer },
    };
  }

  /**
   * What the exception leaves in clearing:<gateway> (debit side, VND): what the hub booked into clearing
   * for this item now (a payment's amount − fee when its intent succeeded with this transaction, − a
   * succeeded refund's amount) less what the file's row paid out (amount − fee for a succeeded payment,
   * − amount for a succeeded refund). A duplicate line has nothing of the hub's; missing_in_gateway
   * nothing of the file's.
   */
  async residue(exception: ExceptionRow): Promise<bigint> {
    let hub = 0n;
    if (exception.kind !== 'duplicate') {
      if (exception.row_kind === 'payment') {
        const booking = await this.#booking(exception);
        if (booking?.pay) hub = booking.pay.amount - (booking.fee?.amount ?? 0n);
      } else if (exception.refund_id !== null) {
        const refund = await this.repository.succeededRefundAmount(exception.refund_id);
        if (refund !== null) hub = -refund;
      }
    }
    let file = 0n;
    if (exception.kind !== 'missing_in_gateway' && exception.file_status === 'succeeded') {
      const amount = exception.file_amount ?? 0n;
      file = exception.row_kind === 'payment' ? amount - (exception.file_fee ?? 0n) : -amount;
    }
    return hub - file;
  }

  /** The intent's booking in the ledger, when it succeeded with the exception's transaction. */
  async #booking(exception: ExceptionRow): Promise<Booking | null> {
    if (exception.payment_intent_id === null || exception.gateway_txn_id === null) return null;
    return this.repository.bookingOf(exception.payment_intent_id, exception.gateway_txn_id);
  }

  #metadata(exception: ExceptionRow, input: ResolveInput): Record<string, unknown> {
    return {
      reconciliation_exception: exception.id,
      reconciliation_run: exception.run_id,
      kind: exception.kind,
      action: input.action,
      operator: input.operator,
      ...(exception.payment_intent_id ? { payment_intent: exception.payment_intent_id } : {}),
    };
  }

  async #post(tx: PoolClient, transfers: TransferInput[]): Promise<void> {
    const linked = transfers.map((transfer, index) =>
      index < transfers.length - 1 ? { ...transfer, flags: { linked: true } } : transfer,
    );
    const results = await this.ledger.createTransfersIn(tx, linked);
    const failed = results.find((result) => !POSTED.has(result.result));
    if (failed) throw notApplicable(`The ledger refused ${failed.id} (${failed.result}); nothing changed.`);
  }

  async #ensure(accounts: Array<{ id: string; code: number; owner_ref: string }>): Promise<void> {
    const results = await this.ledger.createAccounts(
      accounts.map((account) => ({ ...account, currency: 'VND' })),
    );
    const failed = results.find(
      (result) => result.result !== 'created' && !result.result.startsWith('exists'),
    );
    if (failed) throw new Error(`ledger account ${failed.id}: ${failed.result}`);
  }
}

/** The calendar day `days` after a `YYYY-MM-DD` day. */
function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function notApplicable(message: string): ReconciliationError {
  return new ReconciliationError('reconciliation_action_not_applicable', message, 'action');
}
