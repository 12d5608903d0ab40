// A VietQR payment is a bank transfer already credited to the hub's collection account: unlike a card
// gateway's callback, it cannot be refused. A verified transfer that pays no VietQR intent (reference
// missing, mangled beyond recognition, ambiguous or unknown) or pays the wrong amount is booked to
// suspense:vietqr with a payment review, once per bank transaction (bank_ref), and answered as booked,
// so the bank stops resending it. A transfer that names an intent with its exact amount is applied as
// every gateway's success is (PaymentCallbacksService): this only decides that it is one.
import type { CallbackOutcome, PaymentEvent } from '../../adapters/contract';
import { findReferences, VIETQR_REFERENCE_SHAPE } from '../../adapters/vietqr/vietqr.matcher';
import type { PgLedger, TransferInput } from '../../ledger';
import type { Db } from '../database/db';
import type { Logger } from '../logging/logger';
import {
  clearingAccount,
  paymentAccounts,
  suspenseAccount,
  suspenseTransfers,
  TRANSFER_CODES,
} from './payment-postings';
import type { PaymentsRepository, StoredIntent } from './payments.repository';

/** What holdUnmatchedTransfer needs of PaymentCallbacksService. */
export interface BankTransferDeps {
  readonly db: Db;
  readonly repository: PaymentsRepository;
  readonly ledger: PgLedger;
  readonly logger: Logger;
}

/** A ledger answer other than these rolls the booking back (and the bank is told to retry). */
const POSTED = new Set(['created', 'exists']);

/**
 * A transfer no intent can claim: clearing:vietqr → suspense:vietqr under an id derived from the bank's
 * transaction reference alone, so a resent notification can only ever answer `exists`.
 */
export function unknownReferenceTransfers(input: {
  bank_ref: string;
  amount: bigint;
  reference: string;
}): TransferInput[] {
  return [
    {
      id: `suspense:vietqr:${input.bank_ref}`,
      debit_account_id: clearingAccount('vietqr'),
      credit_account_id: suspenseAccount('vietqr'),
      amount: input.amount,
      currency: 'VND',
      code: TRANSFER_CODES.suspense,
      metadata: { gateway_txn_id: input.bank_ref, reference: input.reference },
    },
  ];
}

/** At most this many intents are looked up per description (findReferences' own limit bounds it too). */
const CANDIDATES_MAX = 16;

/**
 * The VietQR intent a transfer pays: the one intent among the references in its description (the
 * adapter's merchant_ref is '' when it saw more than one candidate, but noise may look like a reference
 * and the exact-key lookup drops it, as the matcher's decideTransfer does). Null when none or several.
 */
async function intentOf(event: PaymentEvent, deps: BankTransferDeps): Promise<StoredIntent | null> {
  const description = event.raw.description ?? '';
  const candidates = findReferences(description, VIETQR_REFERENCE_SHAPE, CANDIDATES_MAX);
  if (event.merchant_ref !== '' && !candidates.includes(event.merchant_ref))
    candidates.push(event.merchant_ref);
  const known: StoredIntent[] = [];
  for (const reference of candidates) {
    const intent = await deps.repository.findIntentByReference(reference);
    // A reference of another method's intent pays nothing here: that intent awaits its own gateway.
    if (intent !== null && intent.method === 'vietqr') known.push(intent);
  }
  return known.length === 1 ? known[0]! : null;
}

/**
 * For a verified VietQR event: books it to suspense with a review when it cannot pay an intent exactly
 * (`recorded`, or `already_confirmed` when this bank_ref was booked so already), or answers the event
 * naming the one VietQR intent it pays, with that intent's amount, for the caller to apply as a payment.
 */
export async function holdUnmatchedTransfer(
  event: PaymentEvent,
  deps: BankTransferDeps,
): Promise<{ outcome: CallbackOutcome } | { event: PaymentEvent }> {
  const known = await intentOf(event, deps);
  if (known && known.amount === event.amount) return { event: { ...event, merchant_ref: known.reference } };

  await ensureAccounts(deps.ledger);
  const transfers = known
    ? suspenseTransfers({
        gateway: 'vietqr',
        biller_id: known.biller_id,
        bill_id: known.bill_id,
        payment_intent_id: known.id,
        gateway_txn_id: event.gateway_txn_id,
        amount: event.amount,
      })
    : unknownReferenceTransfers({
        bank_ref: event.gateway_txn_id,
        amount: event.amount,
        reference: event.merchant_ref,
      });
  return deps.db.transaction(async (tx) => {
    // The review's unique key (gateway, bank_ref, reference, reason) makes the booking happen once:
    // a concurrent copy waits on it, then finds it taken and posts nothing.
    const created = await deps.repository.insertReview({
      gateway: 'vietqr',
      reason: known ? 'amount_mismatch' : 'unknown_reference',
      reference: known?.reference ?? event.merchant_ref,
      gateway_txn_id: event.gateway_txn_id,
      payment_intent_id: known?.id ?? null,
      bill_id: known?.bill_id ?? null,
      amount: event.amount,
      expected_amount: known?.amount ?? null,
      transfer_id: transfers[0]!.id,
      gateway_code: event.gateway_code,
      raw: event.raw,
    });
    if (!created) return { outcome: 'already_confirmed' } as const;
    const results = await deps.ledger.createTransfersIn(tx, transfers);
    const failed = results.find((result) => !POSTED.has(result.result));
    if (failed) throw new Error(`ledger refused transfer ${failed.id}: ${failed.result}`);
    deps.logger.warn(
      {
        gateway: 'vietqr',
        bank_ref: event.gateway_txn_id,
        reference: known?.reference ?? event.merchant_ref,
        reason: known ? 'amount_mismatch' : 'unknown_reference',
      },
      'bank transfer held in suspense for review',
    );
    return { outcome: 'recorded' } as const;
  });
}

/** clearing:vietqr and suspense:vietqr (no biller is known yet); createAccounts is idempotent. */
async function ensureAccounts(ledger: PgLedger): Promise<void> {
  const wanted = new Set([clearingAccount('vietqr'), suspenseAccount('vietqr')]);
  const accounts = paymentAccounts('vietqr', '-').filter((account) => wanted.has(account.id));
  const results = await ledger.createAccounts(accounts);
  const failed = results.find((result) => result.result !== 'created' && result.result !== 'exists');
  if (failed) throw new Error(`ledger account ${failed.id}: ${failed.result}`);
}
