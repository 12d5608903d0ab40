// The only SQL of the receipts module: signing keys, each biller's series, the gapless counters and the
// receipts. Every query goes through Db, so issuing inside a payment's transaction joins it.
import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import type { Statement } from '../database/script';

/** Serialises key creation and rotation across hub processes (an arbitrary constant, "rcpk"). */
const SIGNING_KEY_LOCK = 0x7263706b;

export interface SigningKeyRow {
  kid: string;
  public_jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  private_key_sealed: Buffer;
  kek_id: string;
  status: 'active' | 'retired';
  created_at: Date;
  retired_at: Date | null;
}

export interface SeriesRow {
  biller_id: string;
  receipt_name: string;
  template_symbol: string;
  series_symbol: string;
  collector_address: string | null;
  updated_at: Date;
}

export interface ReceiptLineRow {
  fee_name: string;
  /** Decimal string: jsonb has no bigint. */
  amount: string;
}

export interface ReceiptRow {
  id: string;
  biller_id: string;
  receipt_name: string;
  template_symbol: string;
  series_symbol: string;
  number: bigint;
  collector_name: string;
  collector_tax_id: string | null;
  collector_address: string | null;
  bill_id: string | null;
  payment_intent_id: string | null;
  payer_name: string;
  payer_id_number: string | null;
  payer_address: string | null;
  lines: ReceiptLineRow[];
  amount: bigint;
  currency: 'VND';
  amount_in_words: string;
  payment_method: string;
  gateway_transaction_id: string | null;
  paid_at: Date;
  issued_at: Date;
  kid: string;
  jws: string;
  status: 'issued' | 'cancelled';
  cancelled_at: Date | null;
  cancellation_reason: string | null;
  cancellation_jws: string | null;
  /** 'refund': a refund receipt (migrations/0008), pointing at the receipt it refunds. */
  kind: 'payment' | 'refund';
  refund_of: string | null;
  refund_id: string | null;
}

export type NewReceipt = Omit<
  ReceiptRow,
  'status' | 'cancelled_at' | 'cancellation_reason' | 'cancellation_jws'
>;

/** A biller as an issuer of receipts: its name and tax id, and its series (null when it has none). */
export interface IssuerRow {
  biller_id: string;
  name: string;
  tax_id: string | null;
  series: SeriesRow | null;
}

interface IssuerSqlRow {
  biller_id: string;
  name: string;
  tax_id: string | null;
  series_biller_id: string | null;
  receipt_name: string;
  template_symbol: string;
  series_symbol: string;
  collector_address: string | null;
  updated_at: Date;
}

const ISSUER_SELECT = `SELECT b.id AS biller_id, b.name, b.tax_id, s.biller_id AS series_biller_id, s.receipt_name,
       s.template_symbol, s.series_symbol, s.collector_address, s.updated_at
  FROM billers b LEFT JOIN receipt_series s ON s.biller_id = b.id`;

export function toIssuerRow(row: IssuerSqlRow): IssuerRow {
  return {
    biller_id: row.biller_id,
    name: row.name,
    tax_id: row.tax_id,
    series:
      row.series_biller_id === null
        ? null
        : {
            biller_id: row.series_biller_id,
            receipt_name: row.receipt_name,
            template_symbol: row.template_symbol,
            series_symbol: row.series_symbol,
            collector_address: row.collector_address,
            updated_at: row.updated_at,
          },
  };
}

/** `count` consecutive numbers of one series (ReceiptsRepository.reserveNumbersStatement). */
export interface NumberReservation {
  biller_id: string;
  template_symbol: string;
  series_symbol: string;
  count: number;
}

export interface ReservedCounter {
  biller_id: string;
  template_symbol: string;
  series_symbol: string;
  last_number: bigint;
}

function counterKey(r: { biller_id: string; template_symbol: string; series_symbol: string }): string {
  return `${r.biller_id}\u0000${r.template_symbol}\u0000${r.series_symbol}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KEY_COLUMNS = 'kid, public_jwk, private_key_sealed, kek_id, status, created_at, retired_at';
const SERIES_COLUMNS =
  'biller_id, receipt_name, template_symbol, series_symbol, collector_address, updated_at';
const RECEIPT_FIELDS = [
  'id',
  'biller_id',
  'receipt_name',
  'template_symbol',
  'series_symbol',
  'number',
  'collector_name',
  'collector_tax_id',
  'collector_address',
  'bill_id',
  'payment_intent_id',
  'payer_name',
  'payer_id_number',
  'payer_address',
  'lines',
  'amount',
  'currency',
  'amount_in_words',
  'payment_method',
  'gateway_transaction_id',
  'paid_at',
  'issued_at',
  'kid',
  'jws',
  'kind',
  'refund_of',
  'refund_id',
] as const satisfies ReadonlyArray<keyof NewReceipt>;
const RECEIPT_COLUMNS = [
  ...RECEIPT_FIELDS,
  'status',
  'cancelled_at',
  'cancellation_reason',
  'cancellation_jws',
].join(', ');

@Injectable()
export class ReceiptsRepository {
  constructor(private readonly db: Db) {}

  // --- signing keys

  /** Runs fn in a transaction that holds the signing-key lock: one creator or rotator at a time. */
  withSigningKeyLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(async () => {
      await this.db.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return fn();
    });
  }

  async findActiveKey(): Promise<SigningKeyRow | null> {
    const { text } = this.activeKeyStatement();
    const found = await this.db.query<SigningKeyRow>(text);
    return found.rows[0] ?? null;
  }

  /** findActiveKey as a statement, for a caller that sends it with others (src/database/script.ts). */
  activeKeyStatement(): Statement {
    return {
      text: `SELECT ${KEY_COLUMNS} FROM receipt_signing_keys WHERE status = 'active'`,
      prepared: 'payhub_active_signing_key',
    };
  }

  async findKey(kid: string): Promise<SigningKeyRow | null> {
    const found = await this.db.query<SigningKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM receipt_signing_keys WHERE kid = $1`,
      [kid],
    );
    return found.rows[0] ?? null;
  }

  /** Active first, then retired ones, newest first. Bounded: one key per rotation, rotations are rare. */
  async listKeys(limit: number): Promise<SigningKeyRow[]> {
    const found = await this.db.query<SigningKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM receipt_signing_keys
        ORDER BY status = 'active' DESC, created_at DESC LIMIT $1`,
      [limit],
    );
    return found.rows;
  }

  async retireActiveKey(): Promise<void> {
    await this.db.query(
      `UPDATE receipt_signing_keys SET status = 'retired', retired_at = clock_timestamp()
        WHERE status = 'active'`,
    );
  }

  async insertActiveKey(key: Pick<SigningKeyRow, 'kid' | 'public_jwk' | 'private_key_sealed' | 'kek_id'>) {
    const inserted = await this.db.query<SigningKeyRow>(
      `INSERT INTO receipt_signing_keys (kid, public_jwk, private_key_sealed, kek_id, status)
       VALUES ($1, $2, $3, $4, 'active') RETURNING ${KEY_COLUMNS}`,
      [key.kid, JSON.stringify(key.public_jwk), key.private_key_sealed, key.kek_id],
    );
    return inserted.rows[0]!;
  }

  // --- series and numbering

  async findSeries(biller_id: string): Promise<SeriesRow | null> {
    const found = await this.db.query<SeriesRow>(
      `SELECT ${SERIES_COLUMNS} FROM receipt_series WHERE biller_id = $1`,
      [biller_id],
    );
    return found.rows[0] ?? null;
  }

  async upsertSeries(series: Omit<SeriesRow, 'updated_at'>): Promise<SeriesRow> {
    const saved = await this.db.query<SeriesRow>(
      `INSERT INTO receipt_series (biller_id, receipt_name, template_symbol, series_symbol, collector_address)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (biller_id) DO UPDATE
         SET receipt_name = EXCLUDED.receipt_name, template_symbol = EXCLUDED.template_symbol,
             series_symbol = EXCLUDED.series_symbol, collector_address = EXCLUDED.collector_address,
             updated_at = clock_timestamp()
       RETURNING ${SERIES_COLUMNS}`,
      [
        series.biller_id,
        series.receipt_name,
        series.template_symbol,
        series.series_symbol,
        series.collector_address,
      ],
    );
    return saved.rows[0]!;
  }

  /**
   * The next number of the series. The counter row stays locked until the surrounding transaction
   * ends: concurrent issuers in one series queue here, a commit keeps the number, a rollback returns
   * it. Must run inside the caller's transaction (Db.transaction), or the lock ends at once.
   */
  async nextNumber(biller_id: string, template_symbol: string, series_symbol: string): Promise<bigint> {
    const next = await this.db.query<{ last_number: bigint }>(
      `INSERT INTO receipt_counters AS c (biller_id, template_symbol, series_symbol, last_number)
       VALUES ($1, $2, $3, 1)
       ON CONFLICT (biller_id, template_symbol, series_symbol)
         DO UPDATE SET last_number = c.last_number + 1
       RETURNING last_number`,
      [biller_id, template_symbol, series_symbol],
    );
    return next.rows[0]!.last_number;
  }

  /**
   * Reserves `count` consecutive numbers in each series with one statement (counter rows taken in
   * key order, so concurrent reservers queue rather than deadlock), sent with others; its rows go to
   * reservedFirsts. Like nextNumber, the rows stay locked until the caller's transaction ends: a
   * rollback gives every number back, a commit keeps them all.
   */
  reserveNumbersStatement(reservations: readonly NumberReservation[]): Statement {
    const sorted = [...reservations].sort((a, b) => compareKeys(counterKey(a), counterKey(b)));
    return {
      text: `INSERT INTO receipt_counters AS c (biller_id, template_symbol, series_symbol, last_number)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[])
       ON CONFLICT (biller_id, template_symbol, series_symbol)
         DO UPDATE SET last_number = c.last_number + EXCLUDED.last_number
       RETURNING biller_id, template_symbol, series_symbol, last_number`,
      values: [
        sorted.map((r) => r.biller_id),
        sorted.map((r) => r.template_symbol),
        sorted.map((r) => r.series_symbol),
        sorted.map((r) => r.count),
      ],
    };
  }

  /** The first number reserved in each series, in the order of the reservations. */
  reservedFirsts(reservations: readonly NumberReservation[], rows: readonly ReservedCounter[]): bigint[] {
    const last = new Map(rows.map((row) => [counterKey(row), BigInt(row.last_number)]));
    return reservations.map((r) => {
      const end = last.get(counterKey(r));
      if (end === undefined) throw new Error(`no counter reserved for ${r.biller_id}`);
      return end - BigInt(r.count) + 1n;
    });
  }

  /**
   * Each issuer (the biller's name and tax id with its series, null when it has none) of the billers
   * of the payment intents with these references, as a statement sent with others (src/payments/payment-confirmations.ts); its rows go through toIssuerRow.
   */
  issuersOfIntentsStatement(references: readonly string[]): Statement {
    return {
      text: `${ISSUER_SELECT} WHERE b.id IN (SELECT biller_id FROM payment_intents WHERE reference = ANY($1::text[]))`,
      values: [[...references]],
      prepared: 'payhub_issuers_of_intents',
    };
  }

  /**
   * insertReceipt for many receipts, as a statement (no RETURNING) sent with others: one VALUES row
   * per receipt, each value its own placeholder (a literal once the script inlines it). Postgres reads
   * each literal once, straight into its column; a JSON array read back as rows
   * (json_populate_recordset) cost it a third more per receipt: the text parsed as JSON, then every
   * field taken out of it and parsed again (docs/adr/0007).
   */
  insertReceiptsStatement(receipts: readonly NewReceipt[]): Statement {
    if (receipts.length === 0) return { text: 'SELECT 1 WHERE false' };
    const values: unknown[] = [];
    const rows = receipts.map((receipt) => {
      const placeholders = RECEIPT_FIELDS.map((field) => {
        values.push(field === 'lines' ? JSON.stringify(receipt.lines) : receipt[field]);
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')}, 'issued')`;
    });
    return {
      text: `INSERT INTO receipts (${RECEIPT_FIELDS.join(', ')}, status) VALUES ${rows.join(',\n')}`,
      values,
    };
  }

  async insertReceipt(receipt: NewReceipt): Promise<ReceiptRow> {
    const values = RECEIPT_FIELDS.map((field) =>
      field === 'lines' ? JSON.stringify(receipt.lines) : receipt[field],
    );
    const inserted = await this.db.query<ReceiptRow>(
      `INSERT INTO receipts (${RECEIPT_FIELDS.join(', ')}, status)
       VALUES (${RECEIPT_FIELDS.map((_, index) => `$${index + 1}`).join(', ')}, 'issued')
       RETURNING ${RECEIPT_COLUMNS}`,
      values,
    );
    return inserted.rows[0]!;
  }

  /** The receipts with these ids (in no particular order); ids without a receipt are left out. */
  async findReceipts(ids: readonly string[]): Promise<ReceiptRow[]> {
    if (ids.length === 0) return [];
    // Every receipt.issued event read or delivered renders its receipt: prepared once per connection.
    // One receipt (a delivery) by `id = $1`: for `= ANY($1)` Postgres keeps planning afresh, since its
    // generic plan assumes an array of several ids and costs more than a plan for one.
    const found =
      ids.length === 1
        ? await this.db.queryPrepared<ReceiptRow>(
            'q_receipt_by_id',
            `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE id = $1`,
            [ids[0]],
          )
        : await this.db.queryPrepared<ReceiptRow>(
            'q_receipts_by_ids',
            `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE id = ANY($1::text[])`,
            [[...ids]],
          );
    return found.rows;
  }

  /** The receipt; `lock` holds it until the transaction ends (a cancellation reads, then writes). */
  async findReceipt(id: string, options: { lock?: boolean } = {}): Promise<ReceiptRow | null> {
    const found = await this.db.query<ReceiptRow>(
      `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return found.rows[0] ?? null;
  }

  async markCancelled(
    id: string,
    cancellation: { cancelled_at: Date; reason: string; jws: string },
  ): Promise<ReceiptRow> {
    const updated = await this.db.query<ReceiptRow>(
      `UPDATE receipts SET status = 'cancelled', cancelled_at = $2, cancellation_reason = $3,
              cancellation_jws = $4
        WHERE id = $1 AND status = 'issued' RETURNING ${RECEIPT_COLUMNS}`,
      [id, cancellation.cancelled_at, cancellation.reason, cancellation.jws],
    );
    const row = updated.rows[0];
    // The caller locked the row and saw it issued; anything else is a bug.
    if (!row) throw new Error(`receipt ${id} was not in the issued state`);
    return row;
  }
}
