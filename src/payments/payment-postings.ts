// The ledger side of a paid intent, as pure code: which accounts a payment needs and the one linked
// group of transfers it posts. Transfer ids derive from the intent id (and, for money held in suspense,
// from the gateway's transaction), so a retried callback can only ever answer `exists`.
import type { AccountInput, TransferInput } from '../../ledger';
import type { GatewayId } from '../../adapters/contract';
import type { FeeBearer } from '../config/config.schema';

/** Chart of accounts (docs/ledger.md). */
export const ACCOUNT_CODES = {
  clearing: 1100,
  bank: 1200,
  payable: 2100,
  suspense: 2900,
  fees: 5100,
  write_offs: 5900,
} as const;
/** Transfer reasons (docs/ledger.md): one list for every module that posts. */
export const TRANSFER_CODES = {
  payment: 1,
  gateway_fee: 2,
  suspense: 3,
  refund: 4,
  settlement: 5,
  fee_adjustment: 6,
  payout: 7,
  write_off: 8,
  late_capture: 9,
} as const;

export const clearingAccount = (gateway: GatewayId) => `clearing:${gateway}`;
export const payableAccount = (biller_id: string) => `payable:${biller_id}`;
export const feesAccount = (gateway: GatewayId) => `fees:${gateway}`;
export const suspenseAccount = (gateway: GatewayId) => `suspense:${gateway}`;
/** The hub's collection account at its bank: gateways settle into it, agencies are paid out of it. */
export const BANK_ACCOUNT = 'bank:collection';
export const writeOffsAccount = (gateway: GatewayId) => `write_offs:${gateway}`;

export interface PostingInput {
  gateway: GatewayId;
  biller_id: string;
  bill_id: string;
  payment_intent_id: string;
  gateway_txn_id: string;
  amount: bigint;
  /** The gateway's fee (0 when none is configured); capped at the amount. */
  fee: bigint;
  /** FEE_BEARER: `hub` books the fee as its expense; `biller` deducts it from what the biller is owed. */
  fee_bearer: FeeBearer;
}

/** Every account a payment through `gateway` for `biller_id` may touch; createAccounts is idempotent. */
export function paymentAccounts(gateway: GatewayId, biller_id: string): AccountInput[] {
  return [
    {
      id: clearingAccount(gateway),
      code: ACCOUNT_CODES.clearing,
      currency: 'VND',
      owner_ref: `gateway:${gateway}`,
    },
    {
      id: payableAccount(biller_id),
      code: ACCOUNT_CODES.payable,
      currency: 'VND',
      owner_ref: `biller:${biller_id}`,
      flags: { debits_must_not_exceed_credits: true },
    },
    { id: feesAccount(gateway), code: ACCOUNT_CODES.fees, currency: 'VND', owner_ref: `gateway:${gateway}` },
    {
      id: suspenseAccount(gateway),
      code: ACCOUNT_CODES.suspense,
      currency: 'VND',
      owner_ref: `gateway:${gateway}`,
    },
  ];
}

/**
 * A payment: clearing → the biller's payable for the whole amount (what its receipt says), then, when the
 * gateway charges a fee, a second transfer out of the bearer's account into clearing: the hub's fee
 * expense (`hub`) or the biller's payable (`biller`: the agency is owed amount − fee). Either way the
 * clearing account ends at what the gateway pays out at settlement (amount − fee).
 * One linked group: all or nothing.
 */
export function paymentTransfers(input: PostingInput): TransferInput[] {
  const metadata = {
    payment_intent: input.payment_intent_id,
    bill: input.bill_id,
    gateway_txn_id: input.gateway_txn_id,
  };
  const fee = input.fee > input.amount ? input.amount : input.fee;
  const transfers: TransferInput[] = [
    {
      id: `pay:${input.payment_intent_id}`,
      debit_account_id: clearingAccount(input.gateway),
      credit_account_id: payableAccount(input.biller_id),
      amount: input.amount,
      currency: 'VND',
      code: TRANSFER_CODES.payment,
      metadata,
    },
  ];
  if (fee > 0n) {
    transfers.push({
      id: `pay:${input.payment_intent_id}:fee`,
      debit_account_id:
        input.fee_bearer === 'biller' ? payableAccount(input.biller_id) : feesAccount(input.gateway),
      credit_account_id: clearingAccount(input.gateway),
      amount: fee,
      currency: 'VND',
      code: TRANSFER_CODES.gateway_fee,
      metadata: { ...metadata, fee_bearer: input.fee_bearer },
    });
  }
  return linkAll(transfers);
}

/**
 * Money that arrived but cannot pay the bill (paid twice, or the bill is no longer open): clearing →
 * the gateway's suspense account, until a person refunds or reassigns it. No fee is booked here; the
 * refund or reassignment settles it.
 */
export function suspenseTransfers(input: Omit<PostingInput, 'fee' | 'fee_bearer'>): TransferInput[] {
  return [
    {
      id: `suspense:${input.payment_intent_id}:${input.gateway_txn_id}`,
      debit_account_id: clearingAccount(input.gateway),
      credit_account_id: suspenseAccount(input.gateway),
      amount: input.amount,
      currency: 'VND',
      code: TRANSFER_CODES.suspense,
      metadata: {
        payment_intent: input.payment_intent_id,
        bill: input.bill_id,
        gateway_txn_id: input.gateway_txn_id,
        biller: input.biller_id,
      },
    },
  ];
}

function linkAll(transfers: TransferInput[]): TransferInput[] {
  return transfers.map((transfer, index) =>
    index < transfers.length - 1 ? { ...transfer, flags: { linked: true } } : transfer,
  );
}
