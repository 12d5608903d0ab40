// The ledger's data model, after TigerBeetle: accounts with four balances, transfers between two
// accounts, results as data. Money is always bigint minor units (VND: 1 = 1 dong).

export const AMOUNT_MAX = 9_223_372_036_854_775_807n; // int8 max: what Postgres can hold
export const ID_PATTERN = /^[A-Za-z0-9_.:@/-]{1,128}$/;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const METADATA_BYTES_MAX = 4096;

export interface AccountFlags {
  /** A liability or revenue account that may never be debited past what was credited to it. */
  debits_must_not_exceed_credits?: boolean;
  /** An asset account that may never be credited past what was debited to it. */
  credits_must_not_exceed_debits?: boolean;
}

export interface AccountInput {
  id: string;
  /** Chart-of-accounts type (docs/ledger.md): 1xxx assets, 2xxx liabilities, 4xxx revenue, 5xxx expenses. */
  code: number;
  currency: string;
  owner_ref?: string | null;
  flags?: AccountFlags;
  metadata?: Record<string, unknown> | null;
}

export interface Balances {
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
}

export interface Account extends Balances {
  id: string;
  code: number;
  currency: string;
  owner_ref: string | null;
  flags: Required<AccountFlags>;
  metadata: Record<string, unknown> | null;
  created_at: Date;
}

export interface TransferFlags {
  /** This transfer and the next one succeed or fail together (a chain ends at the first without it). */
  linked?: boolean;
  /** Reserve the amount now; post or void it later. */
  pending?: boolean;
  post_pending_transfer?: boolean;
  void_pending_transfer?: boolean;
}

export interface TransferInput {
  /** Chosen by the caller and the idempotency key: sending the same transfer again answers `exists`. */
  id: string;
  debit_account_id?: string;
  credit_account_id?: string;
  /** Required except when posting (omitted: the whole pending amount) or voiding. */
  amount?: bigint;
  currency?: string;
  code?: number;
  pending_id?: string;
  /** Pending transfers only: seconds until it expires and its reservation is released (0: never). */
  timeout_seconds?: number;
  metadata?: Record<string, unknown> | null;
  flags?: TransferFlags;
}

export const TRANSFER_FLAG = {
  linked: 1,
  pending: 2,
  post_pending_transfer: 4,
  void_pending_transfer: 8,
  /** A void made by the ledger itself when a pending transfer timed out. */
  expired: 16,
} as const;

export interface Transfer {
  seq: bigint;
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  code: number;
  /** Bit set of TRANSFER_FLAG. */
  flags: number;
  pending_id: string | null;
  timeout_seconds: number;
  expires_at: Date | null;
  metadata: Record<string, unknown> | null;
  timestamp: Date;
  /** Balances of the debit and the credit account right after this transfer. */
  debit_account_after: Balances;
  credit_account_after: Balances;
}

export type AccountResultCode =
  | 'created'
  | 'exists'
  | 'id_invalid'
  | 'code_invalid'
  | 'currency_invalid'
  | 'flags_are_mutually_exclusive'
  | 'owner_ref_invalid'
  | 'metadata_invalid'
  | 'exists_with_different_code'
  | 'exists_with_different_currency'
  | 'exists_with_different_flags'
  | 'exists_with_different_owner_ref'
  | 'exists_with_different_metadata';

/** Transfer results in order of precedence: a transfer gets the first that applies (docs/ledger.md). */
export const TRANSFER_RESULTS = [
  'created',
  'linked_event_failed',
  'linked_event_chain_open',
  'id_invalid',
  'flags_are_mutually_exclusive',
  'pending_id_must_be_empty',
  'pending_id_must_not_be_empty',
  'pending_id_must_be_different',
  'timeout_reserved_for_pending_transfer',
  'timeout_invalid',
  'amount_must_be_positive',
  'amount_exceeds_maximum',
  'debit_account_id_invalid',
  'credit_account_id_invalid',
  'accounts_must_be_different',
  'currency_invalid',
  'code_invalid',
  'metadata_invalid',
  'account_not_found',
  'pending_transfer_not_found',
  'pending_transfer_not_pending',
  'pending_transfer_has_different_debit_account_id',
  'pending_transfer_has_different_credit_account_id',
  'pending_transfer_has_different_currency',
  'pending_transfer_has_different_amount',
  'currency_mismatch',
  'exists_with_different_flags',
  'exists_with_different_pending_id',
  'exists_with_different_timeout',
  'exists_with_different_debit_account_id',
  'exists_with_different_credit_account_id',
  'exists_with_different_amount',
  'exists_with_different_currency',
  'exists_with_different_code',
  'exists_with_different_metadata',
  'exists',
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  'exceeds_pending_transfer_amount',
  'overflows_balance',
  'exceeds_credits',
  'exceeds_debits',
] as const;

export type TransferResultCode = (typeof TRANSFER_RESULTS)[number];

export interface TransferResult {
  index: number;
  id: string;
  result: TransferResultCode;
  /** The stored transfer, for `created` and `exists`. */
  transfer?: Transfer;
}

export interface AccountResult {
  index: number;
  id: string;
  result: AccountResultCode;
}

export function isOk(result: TransferResult): boolean {
  return result.result === 'created' || result.result === 'exists';
}
