// The only SQL of the bills module: bills, the deposits final hospital bills deduct, and the parking
// tariffs. Every query on bills is scoped by biller_id; the caller decides which biller that is.
import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';
import type { BillKind, BillStatus, HospitalStage } from './bill.schema';

/** A bill as stored: payer, lines and details are jsonb with bigints as decimal strings. */
export interface BillRow {
  id: string;
  biller_id: string;
  kind: BillKind;
  reference: string;
  stage: HospitalStage | null;
  payer: Record<string, unknown>;
  lines: Record<string, unknown>[];
  amount: bigint;
  currency: 'VND';
  /** As read: an open bill past its expires_at reads 'expired'. */
  status: BillStatus;
  expires_at: Date | null;
  details: Record<string, unknown>;
  created_at: Date;
}

export type NewBillRow = Omit<BillRow, 'status' | 'created_at' | 'currency'>;

export interface BillFilters {
  status: BillStatus | null;
  reference: string | null;
}

/** A deposit bill named by a final bill, locked for the final bill's transaction. */
export interface DepositRow {
  id: string;
  reference: string;
  invoice_number: string;
  status: BillStatus;
  amount: bigint;
  /** The open or paid final bill that already deducts it, if any. */
  deducted_by: string | null;
}

export interface TariffRow {
  biller_id: string;
  tariff: unknown;
  updated_at: Date;
}

/**
 * The status a bill reads with, of the bills row named `table`. Expiry is computed, not swept: every
 * read agrees at every instant, with no window between expires_at and a sweep in which an expired bill
 * could still be paid.
 */
function statusSql(table: string): string {
  return `(CASE WHEN ${table}.status = 'open' AND ${table}.expires_at <= clock_timestamp() THEN 'expired'
    ELSE ${table}.status END)`;
}

const BILL_COLUMNS = `id, biller_id, kind, reference, stage, payer, lines, amount, currency,
  ${statusSql('bills')} AS status, expires_at, details, created_at`;
/** A final bill (`f`) that no longer holds its deposits: cancelled or expired. */
const FINAL_RELEASED = `${statusSql('f')} IN ('cancelled', 'expired')`;

@Injectable()
export class BillsRepository {
  constructor(private readonly db: Db) {}

  /** Runs fn atomically (a savepoint inside a keyed request's transaction, docs/adr/0005). */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(() => fn());
  }

  /**
   * Inserts a bill, or answers 'reference_exists' when an open or paid bill of the biller and kind has
   * its reference. An open bill past its expiry is stored as expired first, freeing its reference.
   */
  async insertBill(bill: NewBillRow): Promise<BillRow | 'reference_exists'> {
    await this.db.query(
      `UPDATE bills SET status = 'expired'
        WHERE biller_id = $1 AND kind = $2 AND reference = $3 AND status = 'open'
          AND expires_at <= clock_timestamp()`,
      [bill.biller_id, bill.kind, bill.reference],
    );
    const inserted = await this.db.query<BillRow>(
      `INSERT INTO bills (id, biller_id, kind, reference, stage, payer, lines, amount, expires_at, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (biller_id, kind, reference) WHERE status IN ('open', 'paid') DO NOTHING
       RETURNING ${BILL_COLUMNS}`,
      [
        bill.id,
        bill.biller_id,
        bill.kind,
        bill.reference,
        bill.stage,
        JSON.stringify(bill.payer),
        JSON.stringify(bill.lines),
        bill.amount,
        bill.expires_at,
        JSON.stringify(bill.details),
      ],
    );
    return inserted.rows[0] ?? 'reference_exists';
  }

  async findBill(biller_id: string, id: string): Promise<BillRow | null> {
    const found = await this.db.query<BillRow>(
      `SELECT ${BILL_COLUMNS} FROM bills WHERE id = $1 AND biller_id = $2`,
      [id, biller_id],
    );
    return found.rows[0] ?? null;
  }

  /** Newest first; one row more than the page, so the caller knows whether there is more. */
  async listBills(biller_id: string, filters: BillFilters, page: PageRequest): Promise<BillRow[]> {
    const found = await this.db.query<BillRow>(
      `SELECT ${BILL_COLUMNS} FROM bills
        WHERE biller_id = $1 AND ($2::text IS NULL OR id < $2)
          AND ($3::text IS NULL OR ${statusSql('bills')} = $3) AND ($4::text IS NULL OR reference = $4)
        ORDER BY id DESC LIMIT $5`,
      [biller_id, page.starting_after, filters.status, filters.reference, page.limit + 1],
    );
    return found.rows;
  }

  /** Cancels an open, unexpired bill; null when there is none (absent, another biller's, or not open). */
  async cancelBill(biller_id: string, id: string): Promise<BillRow | null> {
    const updated = await this.db.query<BillRow>(
      `UPDATE bills SET status = 'cancelled', cancelled_at = clock_timestamp()
        WHERE id = $1 AND biller_id = $2 AND status = 'open'
          AND (expires_at IS NULL OR expires_at > clock_timestamp())
        RETURNING ${BILL_COLUMNS}`,
      [id, biller_id],
    );
    return updated.rows[0] ?? null;
  }

  /**
   * The biller's deposit bills with these references, locked until the transaction ends so that two
   * final bills cannot both take one. A reference may name several bills (a cancelled one and its
   * reissue); the caller prefers the live one.
   */
  async lockDeposits(biller_id: string, references: readonly string[]): Promise<DepositRow[]> {
    const found = await this.db.query<DepositRow>(
      `SELECT b.id, b.reference, b.details ->> 'invoice_number' AS invoice_number,
              ${statusSql('b')} AS status,
              b.amount,
              (SELECT d.final_bill_id FROM hospital_deposit_deductions d JOIN bills f ON f.id = d.final_bill_id
                WHERE d.deposit_bill_id = b.id AND NOT ${FINAL_RELEASED}) AS deducted_by
         FROM bills b
        WHERE b.biller_id = $1 AND b.kind = 'hospital' AND b.stage = 'deposit' AND b.reference = ANY($2)
        ORDER BY b.id DESC
        FOR UPDATE OF b`,
      [biller_id, references],
    );
    return found.rows;
  }

  /**
   * Records that final_bill_id deducts these deposits, first forgetting deductions by final bills that
   * were cancelled or expired. Returns how many were recorded: fewer than asked means another final
   * bill took one meanwhile (the primary key is the deposit).
   */
  async deductDeposits(
    final_bill_id: string,
    deposits: readonly { id: string; amount: bigint }[],
  ): Promise<number> {
    const ids = deposits.map((deposit) => deposit.id);
    await this.db.query(
      `DELETE FROM hospital_deposit_deductions d USING bills f
        WHERE d.final_bill_id = f.id AND d.deposit_bill_id = ANY($1) AND ${FINAL_RELEASED}`,
      [ids],
    );
    const inserted = await this.db.query(
      `INSERT INTO hospital_deposit_deductions (deposit_bill_id, final_bill_id, amount)
       SELECT unnest($1::text[]), $2, unnest($3::bigint[])
       ON CONFLICT (deposit_bill_id) DO NOTHING`,
      [ids, final_bill_id, deposits.map((deposit) => deposit.amount.toString())],
    );
    return inserted.rowCount ?? 0;
  }

  async findTariff(biller_id: string): Promise<TariffRow | null> {
    const found = await this.db.query<TariffRow>(
      'SELECT biller_id, tariff, updated_at FROM parking_tariffs WHERE biller_id = $1',
      [biller_id],
    );
    return found.rows[0] ?? null;
  }

  /** Sets the biller's tariff, replacing any earlier one whole. */
  async putTariff(biller_id: string, tariff: unknown): Promise<TariffRow> {
    const stored = await this.db.query<TariffRow>(
      `INSERT INTO parking_tariffs (biller_id, tariff) VALUES ($1, $2)
       ON CONFLICT (biller_id) DO UPDATE SET tariff = EXCLUDED.tariff, updated_at = clock_timestamp()
       RETURNING biller_id, tariff, updated_at`,
      [biller_id, JSON.stringify(tariff)],
    );
    return stored.rows[0]!;
  }
}
