// Mapping between the ledger's Postgres rows and its TypeScript types. Queries cast nothing: each
// query passes LEDGER_PG_TYPES so int8 arrives as bigint whatever the caller's pool does.
import { types } from 'pg';
import type { Account, Balances, Transfer } from './types';

const INT8_OID = 20;

export const LEDGER_PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => BigInt(value)
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export const ACCOUNT_COLUMNS = `id, code, currency, owner_ref, debits_must_not_exceed_credits,
  credits_must_not_exceed_debits, metadata, debits_pending, debits_posted, credits_pending, credits_posted, created_at`;

export const TRANSFER_COLUMNS = `seq, id, debit_account_id, credit_account_id, amount, currency, code, flags,
  pending_id, timeout_seconds, expires_at, metadata, timestamp, dr_debits_pending, dr_debits_posted,
  dr_credits_pending, dr_credits_posted, cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

export function accountFromRow(row: Row): Account {
  return {
    id: row.id,
    code: row.code,
    currency: row.currency,
    owner_ref: row.owner_ref,
    flags: {
      debits_must_not_exceed_credits: row.debits_must_not_exceed_credits,
      credits_must_not_exceed_debits: row.credits_must_not_exceed_debits,
    },
    metadata: row.metadata,
    debits_pending: row.debits_pending,
    debits_posted: row.debits_posted,
    credits_pending: row.credits_pending,
    credits_posted: row.credits_posted,
    created_at: row.created_at,
  };
}

export function transferFromRow(row: Row): Transfer {
  return {
    seq: row.seq,
    id: row.id,
    debit_account_id: row.debit_account_id,
    credit_account_id: row.credit_account_id,
    amount: row.amount,
    currency: row.currency,
    code: row.code,
    flags: row.flags,
    pending_id: row.pending_id,
    timeout_seconds: row.timeout_seconds,
    expires_at: row.expires_at,
    metadata: row.metadata,
    timestamp: row.timestamp,
    debit_account_after: {
      debits_pending: row.dr_debits_pending,
      debits_posted: row.dr_debits_posted,
      credits_pending: row.dr_credits_pending,
      credits_posted: row.dr_credits_posted,
    },
    credit_account_after: {
      debits_pending: row.cr_debits_pending,
      debits_posted: row.cr_debits_posted,
      credits_pending: row.cr_credits_pending,
      credits_posted: row.cr_credits_posted,
    },
  };
}

/** Assets (1xxx) and expenses (5xxx) grow on the debit side; everything else on the credit side. */
export function normalSide(code: number): 'debit' | 'credit' {
  return (code >= 1000 && code < 2000) || (code >= 5000 && code < 6000) ? 'debit' : 'credit';
}

export interface BalanceView extends Balances {
  account_id: string;
  currency: string;
  normal_side: 'debit' | 'credit';
  /** Posted balance on the account's normal side. */
  posted: bigint;
  /** Posted balance less what pending transfers reserve against it. */
  available: bigint;
}

export function balanceView(account: Pick<Account, 'id' | 'code' | 'currency'>, b: Balances): BalanceView {
  const side = normalSide(account.code);
  const posted = side === 'credit' ? b.credits_posted - b.debits_posted : b.debits_posted - b.credits_posted;
  const available = side === 'credit' ? posted - b.debits_pending : posted - b.credits_pending;
  return {
    account_id: account.id,
    currency: account.currency,
    normal_side: side,
    debits_pending: b.debits_pending,
    debits_posted: b.debits_posted,
    credits_pending: b.credits_pending,
    credits_posted: b.credits_posted,
    posted,
    available,
  };
}
