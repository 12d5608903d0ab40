// The ledger's state machine: applies transfers to a snapshot of accounts and transfers and decides
// each one's result. Pure and synchronous; the Postgres store loads the snapshot under row locks,
// runs this, and writes back what it created, so every rule lives in exactly one place.
import {
  AMOUNT_MAX,
  CURRENCY_PATTERN,
  ID_PATTERN,
  METADATA_BYTES_MAX,
  TRANSFER_FLAG,
  type Account,
  type Balances,
  type Transfer,
  type TransferInput,
  type TransferResult,
  type TransferResultCode,
} from './types';

/** Ids the ledger gives its own transfers start with `~`, which callers' ids cannot. */
export const EXPIRY_ID_PREFIX = '~expire:';

export interface EngineState {
  /** Every account a transfer of the batch may touch; absent means it does not exist. */
  accounts: Map<string, Account>;
  /** Every stored transfer whose id the batch names (its own ids and pending ids); absent: none. */
  transfers: Map<string, Transfer>;
  /** pending transfer id -> the transfer that posted, voided or expired it. */
  resolutions: Map<string, Transfer>;
}

type UndoEntry =
  { kind: 'balances'; account: Account; before: Balances } | { kind: 'transfer'; transfer: Transfer };

export interface ApplyOptions {
  /** The ledger's own transfers (expiries) may use the reserved flag and id prefix. */
  internal?: boolean;
}

export function flagsOf(input: TransferInput, internalExpired: boolean): number {
  const f = input.flags ?? {};
  return (
    (f.linked ? TRANSFER_FLAG.linked : 0) |
    (f.pending ? TRANSFER_FLAG.pending : 0) |
    (f.post_pending_transfer ? TRANSFER_FLAG.post_pending_transfer : 0) |
    (f.void_pending_transfer ? TRANSFER_FLAG.void_pending_transfer : 0) |
    (internalExpired ? TRANSFER_FLAG.expired : 0)
  );
}

/** Stable JSON with sorted keys, so metadata compares equal however its keys were ordered. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => JSON.stringify(key) + ':' + canonicalJson((value as Record<string, unknown>)[key]));
    return '{' + entries.join(',') + '}';
  }
  return JSON.stringify(value);
}

export function metadataValid(metadata: unknown): boolean {
  if (metadata === undefined || metadata === null) return true;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return false;
  try {
    const json = JSON.stringify(metadata);
    return Buffer.byteLength(json, 'utf8') <= METADATA_BYTES_MAX;
  } catch {
    return false; // bigint or a cycle: not storable as JSON
  }
}

function sameMetadata(
  a: Record<string, unknown> | null | undefined,
  b: Record<string, unknown> | null,
): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

function balancesOf(account: Account): Balances {
  return {
    debits_pending: account.debits_pending,
    debits_posted: account.debits_posted,
    credits_pending: account.credits_pending,
    credits_posted: account.credits_posted,
  };
}

export class Engine {
  /** Transfers created by this engine, in order; the store inserts exactly these. */
  readonly created: Transfer[] = [];
  /** Accounts whose balances changed; the store writes exactly these back. */
  readonly touched = new Set<string>();
  private undo: UndoEntry[] | null = null;

  constructor(
    private readonly state: EngineState,
    private readonly now: Date,
  ) {}

  /** Applies one caller's transfers in order; linked chains are all-or-nothing. */
  apply(inputs: readonly TransferInput[], options: ApplyOptions = {}): TransferResult[] {
    const results: TransferResult[] = new Array(inputs.length);
    let chainStart = -1;
    let chainFailed = false;
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index]!;
      const linked = input.flags?.linked === true;
      if (linked && chainStart < 0) {
        chainStart = index;
        chainFailed = false;
        this.undo = [];
      }
      let code: TransferResultCode;
      let transfer: Transfer | undefined;
      if (chainStart >= 0 && chainFailed) {
        code = 'linked_event_failed';
      } else if (linked && index === inputs.length - 1) {
        code = 'linked_event_chain_open';
      } else {
        [code, transfer] = this.applyOne(input, options);
      }
      results[index] = { index, id: input.id, result: code, transfer };
      if (chainStart >= 0) {
        if (code !== 'created' && code !== 'exists' && !chainFailed) {
          // The first failure of a chain fails every event of the chain, those before it included.
          // `exists` is no failure: a chain sent again answers `exists` for each of its events.
          chainFailed = true;
          this.rollback();
          for (let earlier = chainStart; earlier < index; earlier++) {
            results[earlier] = { index: earlier, id: inputs[earlier]!.id, result: 'linked_event_failed' };
          }
        }
        if (!linked) {
          chainStart = -1;
          this.undo = null;
        }
      }
    }
    return results;
  }

  private rollback(): void {
    const undo = this.undo ?? [];
    for (let i = undo.length - 1; i >= 0; i--) {
      const entry = undo[i]!;
      if (entry.kind === 'balances') {
        Object.assign(entry.account, entry.before);
      } else {
        const t = entry.transfer;
        this.state.transfers.delete(t.id);
        if (t.pending_id !== null) this.state.resolutions.delete(t.pending_id);
        const at = this.created.lastIndexOf(t);
        if (at >= 0) this.created.splice(at, 1);
      }
    }
    this.undo = [];
  }

  private validate(input: TransferInput, options: ApplyOptions): TransferResultCode | null {
    const internal = options.internal === true && input.id.startsWith(EXPIRY_ID_PREFIX);
    if (typeof input.id !== 'string' || (!internal && !ID_PATTERN.test(input.id))) return 'id_invalid';
    const f = input.flags ?? {};
    const kinds = Number(!!f.pending) + Number(!!f.post_pending_transfer) + Number(!!f.void_pending_transfer);
    if (kinds > 1) return 'flags_are_mutually_exclusive';
    const resolves = !!f.post_pending_transfer || !!f.void_pending_transfer;
    if (!resolves && input.pending_id !== undefined) return 'pending_id_must_be_empty';
    if (resolves && (typeof input.pending_id !== 'string' || input.pending_id === ''))
      return 'pending_id_must_not_be_empty';
    if (resolves && input.pending_id === input.id) return 'pending_id_must_be_different';
    if (input.timeout_seconds !== undefined && input.timeout_seconds !== 0 && !f.pending)
      return 'timeout_reserved_for_pending_transfer';
    if (
      input.timeout_seconds !== undefined &&
      (!Number.isSafeInteger(input.timeout_seconds) ||
        input.timeout_seconds < 0 ||
        input.timeout_seconds > 2 ** 31 - 1)
    )
      return 'timeout_invalid';
    if (input.amount !== undefined || !resolves) {
      if (typeof input.amount !== 'bigint' || input.amount <= 0n) return 'amount_must_be_positive';
      if (input.amount > AMOUNT_MAX) return 'amount_exceeds_maximum';
    }
    if (!resolves || input.debit_account_id !== undefined) {
      if (typeof input.debit_account_id !== 'string' || !ID_PATTERN.test(input.debit_account_id))
        return 'debit_account_id_invalid';
    }
    if (!resolves || input.credit_account_id !== undefined) {
      if (typeof input.credit_account_id !== 'string' || !ID_PATTERN.test(input.credit_account_id))
        return 'credit_account_id_invalid';
    }
    if (input.debit_account_id !== undefined && input.debit_account_id === input.credit_account_id)
      return 'accounts_must_be_different';
    if (!resolves || input.currency !== undefined) {
      if (typeof input.currency !== 'string' || !CURRENCY_PATTERN.test(input.currency))
        return 'currency_invalid';
    }
    if (!resolves || input.code !== undefined) {
      if (!Number.isInteger(input.code) || (input.code as number) < 1 || (input.code as number) > 65535)
        return 'code_invalid';
    }
    if (!metadataValid(input.metadata)) return 'metadata_invalid';
    return null;
  }

  private applyOne(input: TransferInput, options: ApplyOptions): [TransferResultCode, Transfer?] {
    const invalid = this.validate(input, options);
    if (invalid) return [invalid];
    const f = input.flags ?? {};
    if (f.post_pending_transfer || f.void_pending_transfer) return this.resolvePending(input, options);

    const debit = this.state.accounts.get(input.debit_account_id!);
    const credit = this.state.accounts.get(input.credit_account_id!);
    if (!debit || !credit) return ['account_not_found'];
    if (debit.currency !== input.currency || credit.currency !== input.currency) return ['currency_mismatch'];

    const flags = flagsOf(input, false);
    const timeout = input.timeout_seconds ?? 0;
    const existing = this.state.transfers.get(input.id);
    if (existing) {
      if (existing.flags !== flags) return ['exists_with_different_flags', existing];
      if (existing.pending_id !== null) return ['exists_with_different_pending_id', existing];
      if (existing.timeout_seconds !== timeout) return ['exists_with_different_timeout', existing];
      if (existing.debit_account_id !== input.debit_account_id)
        return ['exists_with_different_debit_account_id'];
      if (existing.credit_account_id !== input.credit_account_id)
        return ['exists_with_different_credit_account_id'];
      if (existing.amount !== input.amount) return ['exists_with_different_amount'];
      if (existing.currency !== input.currency) return ['exists_with_different_currency'];
      if (existing.code !== input.code) return ['exists_with_different_code'];
      if (!sameMetadata(input.metadata, existing.metadata)) return ['exists_with_different_metadata'];
      return ['exists', existing];
    }

    const amount = input.amount!;
    const pending = f.pending === true;
    if (
      debit.debits_pending + debit.debits_posted + amount > AMOUNT_MAX ||
      credit.credits_pending + credit.credits_posted + amount > AMOUNT_MAX
    )
      return ['overflows_balance'];
    if (
      debit.flags.debits_must_not_exceed_credits &&
      debit.debits_pending + debit.debits_posted + amount > debit.credits_posted
    )
      return ['exceeds_credits'];
    if (
      credit.flags.credits_must_not_exceed_debits &&
      credit.credits_pending + credit.credits_posted + amount > credit.debits_posted
    )
      return ['exceeds_debits'];

    this.remember(debit);
    this.remember(credit);
    if (pending) {
      debit.debits_pending += amount;
      credit.credits_pending += amount;
    } else {
      debit.debits_posted += amount;
      credit.credits_posted += amount;
    }
    const transfer = this.record({
      id: input.id,
      debit,
      credit,
      amount,
      currency: input.currency!,
      code: input.code!,
      flags,
      pending_id: null,
      timeout_seconds: timeout,
      expires_at: pending && timeout > 0 ? new Date(this.now.getTime() + timeout * 1000) : null,
      metadata: input.metadata ?? null,
    });
    return ['created', transfer];
  }

  private resolvePending(input: TransferInput, options: ApplyOptions): [TransferResultCode, Transfer?] {
    const f = input.flags ?? {};
    const posting = f.post_pending_transfer === true;
    const expiring = options.internal === true && input.id.startsWith(EXPIRY_ID_PREFIX);
    const pending = this.state.transfers.get(input.pending_id!);
    if (!pending) return ['pending_transfer_not_found'];
    if ((pending.flags & TRANSFER_FLAG.pending) === 0) return ['pending_transfer_not_pending'];
    if (input.debit_account_id !== undefined && input.debit_account_id !== pending.debit_account_id)
      return ['pending_transfer_has_different_debit_account_id'];
    if (input.credit_account_id !== undefined && input.credit_account_id !== pending.credit_account_id)
      return ['pending_transfer_has_different_credit_account_id'];
    if (input.currency !== undefined && input.currency !== pending.currency)
      return ['pending_transfer_has_different_currency'];
    if (!posting && input.amount !== undefined && input.amount !== pending.amount)
      return ['pending_transfer_has_different_amount'];

    const flags = flagsOf(input, expiring);
    const code = input.code ?? pending.code;
    const existing = this.state.transfers.get(input.id);
    if (existing) {
      if (existing.flags !== flags) return ['exists_with_different_flags', existing];
      if (existing.pending_id !== input.pending_id) return ['exists_with_different_pending_id', existing];
      if (input.amount !== undefined && existing.amount !== input.amount)
        return ['exists_with_different_amount'];
      if (existing.code !== code) return ['exists_with_different_code'];
      if (!sameMetadata(input.metadata, existing.metadata)) return ['exists_with_different_metadata'];
      return ['exists', existing];
    }

    const resolution = this.state.resolutions.get(pending.id);
    if (resolution) {
      if (resolution.flags & TRANSFER_FLAG.post_pending_transfer) return ['pending_transfer_already_posted'];
      if (resolution.flags & TRANSFER_FLAG.expired) return ['pending_transfer_expired'];
      return ['pending_transfer_already_voided'];
    }
    if (!expiring && pending.expires_at !== null && pending.expires_at.getTime() <= this.now.getTime())
      return ['pending_transfer_expired'];
    const amount = posting ? (input.amount ?? pending.amount) : pending.amount;
    if (amount > pending.amount) return ['exceeds_pending_transfer_amount'];

    // The pending transfer's accounts are loaded with it; their limits held when it was reserved and
    // posting at most the reserved amount can only release room, so no limit check is needed here.
    const debit = this.state.accounts.get(pending.debit_account_id);
    const credit = this.state.accounts.get(pending.credit_account_id);
    if (!debit || !credit)
      throw new Error(`ledger bug: accounts of pending transfer ${pending.id} not loaded`);
    this.remember(debit);
    this.remember(credit);
    debit.debits_pending -= pending.amount;
    credit.credits_pending -= pending.amount;
    if (posting) {
      debit.debits_posted += amount;
      credit.credits_posted += amount;
    }
    const transfer = this.record({
      id: input.id,
      debit,
      credit,
      amount,
      currency: pending.currency,
      code,
      flags,
      pending_id: pending.id,
      timeout_seconds: 0,
      expires_at: null,
      metadata: input.metadata ?? null,
    });
    this.state.resolutions.set(pending.id, transfer);
    return ['created', transfer];
  }

  private remember(account: Account): void {
    if (this.undo) this.undo.push({ kind: 'balances', account, before: balancesOf(account) });
    this.touched.add(account.id);
  }

  private record(fields: {
    id: string;
    debit: Account;
    credit: Account;
    amount: bigint;
    currency: string;
    code: number;
    flags: number;
    pending_id: string | null;
    timeout_seconds: number;
    expires_at: Date | null;
    metadata: Record<string, unknown> | null;
  }): Transfer {
    assertBalances(fields.debit);
    assertBalances(fields.credit);
    const transfer: Transfer = {
      seq: 0n,
      id: fields.id,
      debit_account_id: fields.debit.id,
      credit_account_id: fields.credit.id,
      amount: fields.amount,
      currency: fields.currency,
      code: fields.code,
      flags: fields.flags,
      pending_id: fields.pending_id,
      timeout_seconds: fields.timeout_seconds,
      expires_at: fields.expires_at,
      metadata: fields.metadata,
      timestamp: this.now,
      debit_account_after: balancesOf(fields.debit),
      credit_account_after: balancesOf(fields.credit),
    };
    this.state.transfers.set(transfer.id, transfer);
    this.created.push(transfer);
    if (this.undo) this.undo.push({ kind: 'transfer', transfer });
    return transfer;
  }
}

/** Invariants only a bug can break; checked on every write (and again by verify on read). */
export function assertBalances(account: Account): void {
  const { debits_pending, debits_posted, credits_pending, credits_posted } = account;
  if (debits_pending < 0n || debits_posted < 0n || credits_pending < 0n || credits_posted < 0n)
    throw new Error(`ledger bug: negative balance on account ${account.id}`);
  if (account.flags.debits_must_not_exceed_credits && debits_pending + debits_posted > credits_posted)
    throw new Error(`ledger bug: account ${account.id} debits exceed credits`);
  if (account.flags.credits_must_not_exceed_debits && credits_pending + credits_posted > debits_posted)
    throw new Error(`ledger bug: account ${account.id} credits exceed debits`);
}
