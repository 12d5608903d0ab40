// Agency payouts: what each agency is owed (its payable account's balance less what is reserved), batches
// that reserve it in the ledger and become a file for the treasury or the bank, and the bank's answer:
// confirm posts the reservations (payable → bank:collection), cancel voids them. Each batch row is locked
// while it is confirmed or cancelled, and every transfer id derives from its item, so retries and
// concurrent calls end the same way once.
import { Inject, Injectable } from '@nestjs/common';
import type { PgLedger, TransferInput, TransferResult } from '../../ledger';
import { BillerError } from '../billers/billers.errors';
import { dong } from '../common/money';
import { isId, newId } from '../common/ids';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { invalidParameter, objectBody, requiredString } from '../common/validation';
import { LEDGER } from '../database/database.module';
import { Db } from '../database/db';
import type {
  BillerPayoutAccountDto,
  OwedDto,
  PayoutAccountDto,
  PayoutDto,
  PayoutSummaryDto,
} from './dto/payout.dto';
import { payoutFile, type PayoutFile } from './payout-file';
import {
  BANK_ACCOUNT_INPUT,
  payoutPost,
  type PayoutPostingInput,
  payoutReservation,
  payoutVoid,
} from './payout-postings';
import { PayoutError } from './payouts.errors';
import {
  accountOf,
  type OwedRow,
  type PayoutAccount,
  type PayoutItemRow,
  type PayoutRow,
  PayoutsRepository,
} from './payouts.repository';

/** At most this many billers may be named in one batch request. */
export const PAYOUT_BILLERS_MAX = 1000;
const DONE = new Set<TransferResult['result']>(['created', 'exists']);

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function available(row: OwedRow): bigint {
  return row.credits_posted - row.debits_posted - row.debits_pending;
}

function payoutNotFound(id: string): PayoutError {
  return new PayoutError('payout_not_found', `No such payout: ${id.slice(0, 64)}.`, 'id');
}

/** Links a group so that it is applied all or nothing. */
function linked(transfers: TransferInput[]): TransferInput[] {
  return transfers.map((transfer, index) =>
    index < transfers.length - 1 ? { ...transfer, flags: { ...transfer.flags, linked: true } } : transfer,
  );
}

function postingOf(item: PayoutItemRow): PayoutPostingInput {
  return { payout_id: item.payout_id, item_id: item.id, biller_id: item.biller_id, amount: item.amount };
}

/** The body of POST /v1/payouts: an optional list of biller ids, each at most once. */
export function parseCreatePayout(body: unknown): { billers: string[] | null } {
  const fields = objectBody(body, ['billers'], { optional: true });
  const value = fields.billers;
  if (value === undefined || value === null) return { billers: null };
  if (!Array.isArray(value) || value.length === 0 || value.length > PAYOUT_BILLERS_MAX)
    throw invalidParameter('billers', `billers must be a list of 1 to ${PAYOUT_BILLERS_MAX} biller ids.`);
  for (const id of value)
    if (!isId('biller', id)) throw invalidParameter('billers', 'billers must hold biller ids (blr_…).');
  const ids = value as string[];
  if (new Set(ids).size !== ids.length) throw invalidParameter('billers', 'billers names a biller twice.');
  return { billers: ids };
}

export function parsePayoutAccount(body: unknown): PayoutAccount {
  const fields = objectBody(body, ['bank', 'account_number', 'account_name']);
  return {
    bank: requiredString(fields, 'bank', { max_length: 100 }),
    account_number: requiredString(fields, 'account_number', {
      max_length: 34,
      pattern: /^[0-9A-Za-z.-]{1,34}$/,
      pattern_hint: 'may hold letters, digits, dots and dashes only',
    }),
    account_name: requiredString(fields, 'account_name', { max_length: 200 }),
  };
}

@Injectable()
export class PayoutsService {
  constructor(
    private readonly db: Db,
    private readonly repository: PayoutsRepository,
    @Inject(LEDGER) private readonly ledger: PgLedger,
  ) {}

  /** Every biller with a payable account, and what a batch made now would pay it. */
  async owed(): Promise<Page<OwedDto>> {
    const rows = await this.repository.owed(null);
    return {
      object: 'list',
      data: rows.map((row) => ({
        biller: row.biller_id,
        biller_name: row.biller_name,
        posted: dong(row.credits_posted - row.debits_posted),
        reserved: dong(row.debits_pending),
        available: dong(available(row)),
        payout_account: accountOf(row),
      })),
      has_more: false,
    };
  }

  /**
   * A batch for every biller owed more than zero (or those named): rows, file checksum and the ledger
   * reservations in one transaction, made one batch at a time (an advisory lock), so two concurrent
   * requests cannot reserve the same money: the second finds it reserved.
   */
  async create(body: unknown): Promise<PayoutDto> {
    const { billers } = parseCreatePayout(body);
    const [bank] = await this.ledger.createAccounts([BANK_ACCOUNT_INPUT]);
    if (bank!.result !== 'created' && bank!.result !== 'exists')
      throw new Error(`ledger account ${BANK_ACCOUNT_INPUT.id}: ${bank!.result}`);
    return this.db.transaction(async (tx) => {
      await this.repository.lockCreation();
      if (billers) {
        const existing = await this.repository.existingBillers(billers);
        const unknown = billers.find((id) => !existing.has(id));
        if (unknown) throw new BillerError('biller_not_found', `No such biller: ${unknown}.`, 'billers');
      }
      const due = (await this.repository.owed(billers)).filter((row) => available(row) > 0n);
      if (due.length === 0)
        throw new PayoutError(
          'payout_nothing_owed',
          'No biller is owed anything that is not reserved already.',
        );
      const id = newId('payout');
      // Whole seconds: the file says the time, and the stored row must give the same file again.
      const created_at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const items: PayoutItemRow[] = due.map((row, index) => {
        const account = accountOf(row);
        return {
          id: newId('payout_item'),
          payout_id: id,
          line: index + 1,
          biller_id: row.biller_id,
          biller_name: row.biller_name,
          amount: available(row),
          bank: account?.bank ?? null,
          account_number: account?.account_number ?? null,
          account_name: account?.account_name ?? null,
        };
      });
      const file = this.#file({ id, created_at }, items);
      const amount = items.reduce((sum, item) => sum + item.amount, 0n);
      await this.repository.insert(
        { id, currency: 'VND', amount, item_count: items.length, file_sha256: file.sha256, created_at },
        items,
      );
      const results = await this.ledger.createTransfersIn(
        tx,
        linked(items.map((item) => payoutReservation(postingOf(item)))),
      );
      const failed = results.find((result) => result.result !== 'created');
      if (failed) {
        // A refund reserved part of a balance between the read and the reservation: nothing is kept.
        if (results.some((result) => result.result === 'exceeds_credits'))
          throw new PayoutError(
            'payout_balance_changed',
            'A balance changed while the batch was made; try again.',
          );
        throw new Error(`ledger refused payout ${id}: ${failed.id} ${failed.result}`);
      }
      return this.#dto((await this.repository.find(id))!, items);
    });
  }

  async get(id: string): Promise<PayoutDto> {
    const payout = isId('payout', id) ? await this.repository.find(id) : null;
    if (!payout) throw payoutNotFound(id);
    return this.#dto(payout, await this.repository.items(id));
  }

  async list(page: PageRequest): Promise<Page<PayoutSummaryDto>> {
    return toPage(await this.repository.list(page), page, (row) => ({
      id: row.id,
      object: 'payout' as const,
      status: row.status,
      amount: dong(row.amount),
      item_count: row.item_count,
      created: unixSeconds(row.created_at),
    }));
  }

  /** The batch file, rebuilt from the stored rows; it must hash to what was stored when it was made. */
  async file(id: string): Promise<PayoutFile> {
    const payout = isId('payout', id) ? await this.repository.find(id) : null;
    if (!payout) throw payoutNotFound(id);
    const file = this.#file(payout, await this.repository.items(id));
    if (file.sha256 !== payout.file_sha256)
      throw new Error(`payout ${id}: the rebuilt file does not match its stored checksum`);
    return file;
  }

  /** The bank paid: every reservation posted, once; a confirmed batch answers as it is. */
  confirm(id: string): Promise<PayoutDto> {
    return this.#resolve(id, 'confirmed');
  }

  /** The batch will not be paid: every reservation released, once. */
  cancel(id: string): Promise<PayoutDto> {
    return this.#resolve(id, 'cancelled');
  }

  async getPayoutAccount(biller_id: string): Promise<BillerPayoutAccountDto> {
    const found = isId('biller', biller_id) ? await this.repository.payoutAccount(biller_id) : null;
    if (!found?.found)
      throw new BillerError('biller_not_found', `No such biller: ${biller_id.slice(0, 64)}.`, 'id');
    return { object: 'payout_account', biller: biller_id, account: found.account };
  }

  async setPayoutAccount(biller_id: string, body: unknown): Promise<BillerPayoutAccountDto> {
    const account = parsePayoutAccount(body);
    if (!isId('biller', biller_id) || !(await this.repository.setPayoutAccount(biller_id, account)))
      throw new BillerError('biller_not_found', `No such biller: ${biller_id.slice(0, 64)}.`, 'id');
    return { object: 'payout_account', biller: biller_id, account };
  }

  async #resolve(id: string, to: 'confirmed' | 'cancelled'): Promise<PayoutDto> {
    if (!isId('payout', id)) throw payoutNotFound(id);
    return this.db.transaction(async (tx) => {
      const payout = await this.repository.find(id, true);
      if (!payout) throw payoutNotFound(id);
      const items = await this.repository.items(id);
      if (payout.status === to) return this.#dto(payout, items);
      if (payout.status !== 'pending')
        throw to === 'confirmed'
          ? new PayoutError('payout_cancelled', 'This payout was cancelled; its money is owed again.')
          : new PayoutError('payout_confirmed', 'This payout was confirmed; the bank has paid it.');
      const transfers = items.map((item) =>
        to === 'confirmed' ? payoutPost(postingOf(item)) : payoutVoid(postingOf(item)),
      );
      const results = await this.ledger.createTransfersIn(tx, linked(transfers));
      const failed = results.find((result) => !DONE.has(result.result));
      if (failed) throw new Error(`ledger refused to ${to} payout ${id}: ${failed.id} ${failed.result}`);
      if (to === 'confirmed') await this.repository.markConfirmed(id);
      else await this.repository.markCancelled(id);
      return this.#dto((await this.repository.find(id))!, items);
    });
  }

  #file(payout: { id: string; created_at: Date }, items: readonly PayoutItemRow[]): PayoutFile {
    return payoutFile({ id: payout.id, created_at: payout.created_at, items });
  }

  #dto(payout: PayoutRow, items: readonly PayoutItemRow[]): PayoutDto {
    return {
      id: payout.id,
      object: 'payout',
      status: payout.status,
      amount: dong(payout.amount),
      currency: 'VND',
      item_count: payout.item_count,
      file_sha256: payout.file_sha256,
      items: items.map((item) => ({
        id: item.id,
        line: item.line,
        biller: item.biller_id,
        biller_name: item.biller_name,
        amount: dong(item.amount),
        payout_account: accountOf({
          payout_bank: item.bank,
          payout_account_number: item.account_number,
          payout_account_name: item.account_name,
        }) as PayoutAccountDto | null,
      })),
      created: unixSeconds(payout.created_at),
      confirmed_at: payout.confirmed_at ? unixSeconds(payout.confirmed_at) : null,
      cancelled_at: payout.cancelled_at ? unixSeconds(payout.cancelled_at) : null,
    };
  }
}
