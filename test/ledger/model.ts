// A deliberately naive in-memory ledger that the property tests compare the real one against. It
// re-states the transfer rules from scratch (it shares no code with ledger/engine.ts), and covers only
// the result codes that the generators in property.test.ts can produce.
import type { Balances, TransferInput, TransferResultCode } from '../../ledger';

/** `debits`: debits_must_not_exceed_credits; `credits`: credits_must_not_exceed_debits. */
export type Limit = 'none' | 'debits' | 'credits';

export interface ModelAccount extends Balances {
  id: string;
  currency: string;
  limit: Limit;
}

type Kind = 'normal' | 'pending' | 'post' | 'void';

interface ModelTransfer {
  id: string;
  kind: Kind;
  linked: boolean;
  debit: string;
  credit: string;
  amount: bigint;
  currency: string;
  code: number;
  pending_id: string | null;
  timeout_seconds: number;
  /** On the model's clock (whole seconds since it started); null: never expires. */
  expires_at: number | null;
}

interface State {
  accounts: Map<string, ModelAccount>;
  transfers: Map<string, ModelTransfer>;
  /** pending id -> how it was resolved. */
  resolutions: Map<string, 'posted' | 'voided' | 'expired'>;
}

function kindOf(input: TransferInput): Kind {
  if (input.flags?.post_pending_transfer) return 'post';
  if (input.flags?.void_pending_transfer) return 'void';
  return input.flags?.pending ? 'pending' : 'normal';
}

export class LedgerModel {
  private state: State = { accounts: new Map(), transfers: new Map(), resolutions: new Map() };
  /** The model's clock, moved only by advance(). */
  private now_seconds = 0;

  addAccount(id: string, currency: string, limit: Limit): void {
    this.state.accounts.set(id, {
      id,
      currency,
      limit,
      debits_pending: 0n,
      debits_posted: 0n,
      credits_pending: 0n,
      credits_posted: 0n,
    });
  }

  account(id: string): ModelAccount | undefined {
    return this.state.accounts.get(id);
  }

  /** Pending transfers that are neither resolved nor past their timeout, oldest first. */
  openPendings(): TransferInput[] {
    return [...this.state.transfers.values()]
      .filter((t) => t.kind === 'pending' && !this.state.resolutions.has(t.id))
      .filter((t) => t.expires_at === null || t.expires_at > this.now_seconds)
      .map((t) => ({
        id: t.id,
        debit_account_id: t.debit,
        credit_account_id: t.credit,
        amount: t.amount,
        currency: t.currency,
      }));
  }

  advance(seconds: number): void {
    this.now_seconds += seconds;
  }

  /** One call: events are applied in order; a linked chain is applied whole or not at all. */
  createTransfers(inputs: readonly TransferInput[]): TransferResultCode[] {
    const results: TransferResultCode[] = [];
    let start = 0;
    while (start < inputs.length) {
      // The chain runs up to and including the first event without the linked flag.
      let end = start;
      while (end < inputs.length - 1 && inputs[end]!.flags?.linked) end++;
      const open = inputs[end]!.flags?.linked === true; // only possible for the call's last event
      if (end === start && !open) {
        results.push(this.one(inputs[start]!));
        start++;
        continue;
      }
      const saved = structuredClone(this.state);
      const codes: TransferResultCode[] = [];
      let failedAt = -1;
      for (let i = start; i <= end && failedAt < 0; i++) {
        const code = open && i === end ? 'linked_event_chain_open' : this.one(inputs[i]!);
        codes.push(code);
        if (code !== 'created' && code !== 'exists') failedAt = i;
      }
      if (failedAt >= 0) {
        // The first failure undoes the whole chain; every other event of it reports the chain failed.
        this.state = saved;
        for (let i = start; i <= end; i++)
          results.push(i === failedAt ? codes.at(-1)! : 'linked_event_failed');
      } else {
        results.push(...codes);
      }
      start = end + 1;
    }
    return results;
  }

  /** The expiry sweep: voids every unresolved pending transfer whose timeout has passed. */
  expire(): number {
    let count = 0;
    for (const p of this.state.transfers.values()) {
      if (p.kind !== 'pending' || p.expires_at === null || p.expires_at > this.now_seconds) continue;
      if (this.state.resolutions.has(p.id)) continue;
      this.release(p);
      this.state.resolutions.set(p.id, 'expired');
      count++;
    }
    return count;
  }

  private one(input: TransferInput): TransferResultCode {
    const kind = kindOf(input);
    if (input.debit_account_id !== undefined && input.debit_account_id === input.credit_account_id)
      return 'accounts_must_be_different';
    if (kind === 'post' || kind === 'void') return this.resolve(input, kind);
    const debit = this.state.accounts.get(input.debit_account_id!);
    const credit = this.state.accounts.get(input.credit_account_id!);
    if (!debit || !credit) return 'account_not_found';
    if (debit.currency !== input.currency || credit.currency !== input.currency) return 'currency_mismatch';
    const amount = input.amount!;
    const timeout_seconds = input.timeout_seconds ?? 0;
    const linked = input.flags?.linked === true;

    const old = this.state.transfers.get(input.id);
    if (old) {
      if (old.kind !== kind || old.linked !== linked) return 'exists_with_different_flags';
      if (old.timeout_seconds !== timeout_seconds) return 'exists_with_different_timeout';
      if (old.debit !== debit.id) return 'exists_with_different_debit_account_id';
      if (old.credit !== credit.id) return 'exists_with_different_credit_account_id';
      if (old.amount !== amount) return 'exists_with_different_amount';
      if (old.code !== input.code) return 'exists_with_different_code';
      return 'exists';
    }

    // Pending debits count against the limit as if posted: a reservation must be postable in full.
    if (
      debit.limit === 'debits' &&
      debit.debits_pending + debit.debits_posted + amount > debit.credits_posted
    )
      return 'exceeds_credits';
    if (
      credit.limit === 'credits' &&
      credit.credits_pending + credit.credits_posted + amount > credit.debits_posted
    )
      return 'exceeds_debits';

    if (kind === 'pending') {
      debit.debits_pending += amount;
      credit.credits_pending += amount;
    } else {
      debit.debits_posted += amount;
      credit.credits_posted += amount;
    }
    this.state.transfers.set(input.id, {
      id: input.id,
      kind,
      linked,
      debit: debit.id,
      credit: credit.id,
      amount,
      currency: debit.currency,
      code: input.code!,
      pending_id: null,
      timeout_seconds,
      expires_at: kind === 'pending' && timeout_seconds > 0 ? this.now_seconds + timeout_seconds : null,
    });
    return 'created';
  }

  private resolve(input: TransferInput, kind: 'post' | 'void'): TransferResultCode {
    const pending = this.state.transfers.get(input.pending_id!);
    if (!pending) return 'pending_transfer_not_found';
    if (pending.kind !== 'pending') return 'pending_transfer_not_pending';
    if (input.debit_account_id !== undefined && input.debit_account_id !== pending.debit)
      return 'pending_transfer_has_different_debit_account_id';
    if (input.credit_account_id !== undefined && input.credit_account_id !== pending.credit)
      return 'pending_transfer_has_different_credit_account_id';
    if (input.currency !== undefined && input.currency !== pending.currency)
      return 'pending_transfer_has_different_currency';
    if (kind === 'void' && input.amount !== undefined && input.amount !== pending.amount)
      return 'pending_transfer_has_different_amount';
    const code = input.code ?? pending.code;
    const linked = input.flags?.linked === true;

    const old = this.state.transfers.get(input.id);
    if (old) {
      if (old.kind !== kind || old.linked !== linked) return 'exists_with_different_flags';
      if (old.pending_id !== pending.id) return 'exists_with_different_pending_id';
      if (input.amount !== undefined && input.amount !== old.amount) return 'exists_with_different_amount';
      if (old.code !== code) return 'exists_with_different_code';
      return 'exists';
    }

    const resolution = this.state.resolutions.get(pending.id);
    if (resolution === 'posted') return 'pending_transfer_already_posted';
    if (resolution === 'voided') return 'pending_transfer_already_voided';
    if (resolution === 'expired') return 'pending_transfer_expired';
    if (pending.expires_at !== null && pending.expires_at <= this.now_seconds)
      return 'pending_transfer_expired';
    const amount = kind === 'post' ? (input.amount ?? pending.amount) : pending.amount;
    if (amount > pending.amount) return 'exceeds_pending_transfer_amount';

    this.release(pending);
    if (kind === 'post') {
      this.state.accounts.get(pending.debit)!.debits_posted += amount;
      this.state.accounts.get(pending.credit)!.credits_posted += amount;
    }
    this.state.resolutions.set(pending.id, kind === 'post' ? 'posted' : 'voided');
    this.state.transfers.set(input.id, {
      id: input.id,
      kind,
      linked,
      debit: pending.debit,
      credit: pending.credit,
      amount,
      currency: pending.currency,
      code,
      pending_id: pending.id,
      timeout_seconds: 0,
      expires_at: null,
    });
    return 'created';
  }

  private release(pending: ModelTransfer): void {
    this.state.accounts.get(pending.debit)!.debits_pending -= pending.amount;
    this.state.accounts.get(pending.credit)!.credits_pending -= pending.amount;
  }
}
