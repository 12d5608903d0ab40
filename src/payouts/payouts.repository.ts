// The only SQL of the payouts module: what each agency is owed (its payable account in the ledger), the
// batches and their items, and the agencies' payout accounts. Every query goes through Db, so a batch's
// rows commit with its ledger reservations.
import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { ACCOUNT_CODES } from '../payments/payment-postings';

/** Serialises the making of batches across hub processes (an arbitrary constant, "pout"). */
const PAYOUT_CREATION_LOCK = 0x706f7574;

export type PayoutStatus = 'pending' | 'confirmed' | 'cancelled';

export interface PayoutAccount {
  bank: string;
  account_number: string;
  account_name: string;
}

export interface OwedRow {
  biller_id: string;
  biller_name: string;
  credits_posted: bigint;
  debits_posted: bigint;
  debits_pending: bigint;
  payout_bank: string | null;
  payout_account_number: string | null;
  payout_account_name: string | null;
}

export interface PayoutRow {
  id: string;
  status: PayoutStatus;
  currency: 'VND';
  amount: bigint;
  item_count: number;
  file_sha256: string;
  created_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
}

export interface PayoutItemRow {
  id: string;
  payout_id: string;
  line: number;
  biller_id: string;
  biller_name: string;
  amount: bigint;
  bank: string | null;
  account_number: string | null;
  account_name: string | null;
}

const PAYOUT_COLUMNS =
  'id, status, currency, amount, item_count, file_sha256, created_at, confirmed_at, cancelled_at';
const ITEM_COLUMNS =
  'id, payout_id, line, biller_id, biller_name, amount, bank, account_number, account_name';

@Injectable()
export class PayoutsRepository {
  constructor(private readonly db: Db) {}

  /** Held until the surrounding transaction ends: one batch is made at a time. */
  async lockCreation(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock($1)', [PAYOUT_CREATION_LOCK]);
  }

  /** Every biller with a payable account (or those of `biller_ids`), with its balances, by id. */
  async owed(biller_ids: readonly string[] | null): Promise<OwedRow[]> {
    const found = await this.db.query<OwedRow>(
      `SELECT b.id AS biller_id, b.name AS biller_name, a.credits_posted, a.debits_posted, a.debits_pending,
              b.payout_bank, b.payout_account_number, b.payout_account_name
         FROM billers b JOIN ledger_accounts a ON a.id = 'payable:' || b.id AND a.code = $1
        WHERE $2::text[] IS NULL OR b.id = ANY($2::text[])
        ORDER BY b.id`,
      [ACCOUNT_CODES.payable, biller_ids],
    );
    return found.rows;
  }

  /** Which of these ids are billers at all. */
  async existingBillers(ids: readonly string[]): Promise<Set<string>> {
    const found = await this.db.query<{ id: string }>('SELECT id FROM billers WHERE id = ANY($1::text[])', [
      ids,
    ]);
    return new Set(found.rows.map((row) => row.id));
  }

  async insert(payout: Omit<PayoutRow, 'status' | 'confirmed_at' | 'cancelled_at'>, items: PayoutItemRow[]) {
    await this.db.query(
      `INSERT INTO payouts (id, currency, amount, item_count, file_sha256, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [payout.id, payout.currency, payout.amount, payout.item_count, payout.file_sha256, payout.created_at],
    );
    await this.db.query(
      `INSERT INTO payout_items (id, payout_id, line, biller_id, biller_name, amount, bank, account_number, account_name)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[], $5::text[], $6::int8[], $7::text[],
                            $8::text[], $9::text[])`,
      [
        items.map((item) => item.id),
        items.map((item) => item.payout_id),
        items.map((item) => item.line),
        items.map((item) => item.biller_id),
        items.map((item) => item.biller_name),
        items.map((item) => item.amount.toString()),
        items.map((item) => item.bank),
        items.map((item) => item.account_number),
        items.map((item) => item.account_name),
      ],
    );
  }

  /** `lock`: FOR UPDATE, so a confirm and a cancel (or two of either) of one batch queue here. */
  async find(id: string, lock = false): Promise<PayoutRow | null> {
    const found = await this.db.query<PayoutRow>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return found.rows[0] ?? null;
  }

  async items(payout_id: string): Promise<PayoutItemRow[]> {
    const found = await this.db.query<PayoutItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM payout_items WHERE payout_id = $1 ORDER BY line`,
      [payout_id],
    );
    return found.rows;
  }

  /** Newest first, limit + 1 rows (the extra one only says that there is more). */
  async list(page: { limit: number; starting_after: string | null }): Promise<PayoutRow[]> {
    const found = await this.db.query<PayoutRow>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE ($1::text IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
      [page.starting_after, page.limit + 1],
    );
    return found.rows;
  }

  async markConfirmed(id: string): Promise<void> {
    await this.db.query(
      `UPDATE payouts SET status = 'confirmed', confirmed_at = clock_timestamp() WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  }

  async markCancelled(id: string): Promise<void> {
    await this.db.query(
      `UPDATE payouts SET status = 'cancelled', cancelled_at = clock_timestamp() WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  }

  async payoutAccount(biller_id: string): Promise<{ found: boolean; account: PayoutAccount | null }> {
    const found = await this.db.query<{
      payout_bank: string | null;
      payout_account_number: string | null;
      payout_account_name: string | null;
    }>('SELECT payout_bank, payout_account_number, payout_account_name FROM billers WHERE id = $1', [
      biller_id,
    ]);
    const row = found.rows[0];
    if (!row) return { found: false, account: null };
    return { found: true, account: accountOf(row) };
  }

  /** Answers false when there is no such biller. */
  async setPayoutAccount(biller_id: string, account: PayoutAccount): Promise<boolean> {
    const updated = await this.db.query(
      `UPDATE billers SET payout_bank = $2, payout_account_number = $3, payout_account_name = $4 WHERE id = $1`,
      [biller_id, account.bank, account.account_number, account.account_name],
    );
    return (updated.rowCount ?? 0) > 0;
  }
}

export function accountOf(row: {
  payout_bank: string | null;
  payout_account_number: string | null;
  payout_account_name: string | null;
}): PayoutAccount | null {
  return row.payout_bank !== null && row.payout_account_number !== null && row.payout_account_name !== null
    ? {
        bank: row.payout_bank,
        account_number: row.payout_account_number,
        account_name: row.payout_account_name,
      }
    : null;
}
