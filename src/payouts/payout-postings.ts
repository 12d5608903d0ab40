// The ledger side of a payout, as pure code: each item of a batch reserves what its agency is owed (a
// pending transfer payable → bank:collection: the money leaves the hub's collection account for the
// agency's), posted once the bank confirms the batch and voided if it is cancelled. Ids derive from the
// item id, so a retried confirm or cancel (or a second hub) can only answer `exists`.
import type { AccountInput, TransferInput } from '../../ledger';
import { ACCOUNT_CODES, BANK_ACCOUNT, payableAccount, TRANSFER_CODES } from '../payments/payment-postings';

export interface PayoutPostingInput {
  payout_id: string;
  item_id: string;
  biller_id: string;
  amount: bigint;
}

export const payoutReservationId = (item_id: string) => `payout:${item_id}`;

/** The hub's collection account; createAccounts is idempotent. */
export const BANK_ACCOUNT_INPUT: AccountInput = {
  id: BANK_ACCOUNT,
  code: ACCOUNT_CODES.bank,
  currency: 'VND',
  owner_ref: 'hub:bank',
};

function metadata(input: PayoutPostingInput) {
  return { payout: input.payout_id, payout_item: input.item_id };
}

/**
 * Reserves the amount in the agency's payable: it can no longer be refunded or put in another batch.
 * No timeout: once the file has gone to the bank, only the bank's answer may release the money.
 */
export function payoutReservation(input: PayoutPostingInput): TransferInput {
  return {
    id: payoutReservationId(input.item_id),
    debit_account_id: payableAccount(input.biller_id),
    credit_account_id: BANK_ACCOUNT,
    amount: input.amount,
    currency: 'VND',
    code: TRANSFER_CODES.payout,
    flags: { pending: true },
    metadata: metadata(input),
  };
}

/** The bank paid the agency: the reservation is posted for its whole amount. */
export function payoutPost(input: PayoutPostingInput): TransferInput {
  return {
    id: `${payoutReservationId(input.item_id)}:post`,
    pending_id: payoutReservationId(input.item_id),
    code: TRANSFER_CODES.payout,
    flags: { post_pending_transfer: true },
    metadata: metadata(input),
  };
}

/** The batch was cancelled: the reservation is released and the agency is owed it again. */
export function payoutVoid(input: PayoutPostingInput): TransferInput {
  return {
    id: `${payoutReservationId(input.item_id)}:void`,
    pending_id: payoutReservationId(input.item_id),
    code: TRANSFER_CODES.payout,
    flags: { void_pending_transfer: true },
    metadata: metadata(input),
  };
}
