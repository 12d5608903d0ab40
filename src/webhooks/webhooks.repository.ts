// The only SQL of the webhooks module: events and their delivery state. Writes that must commit with
// the caller's work take the caller's transaction (Queryable) explicitly.
import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/pagination';
import { Db } from '../database/db';
import { stringifyAsciiJson } from '../common/json';
import type { Statement } from '../database/script';
import type { Queryable } from '../jobs/job-queue';
import { ReceiptsRepository } from '../receipts/receipts.repository';
import { issuedReceiptDto } from '../receipts/receipts.service';
import type { DeliveryStatus, EventType, NewEvent, PlannedEventInput } from './webhook-events';

/** An event to be recorded later in the transaction, its delivery decided (job_id null: no endpoint). */
export interface PlannedEvent {
  id: string;
  biller_id: string;
  job_id: string | null;
}

/** An event as read: its data rendered already when the row refers to a receipt (receipt_id). */
export interface EventRow {
  id: string;
  biller_id: string;
  type: EventType;
  data: Record<string, unknown>;
  /** A receipt.issued event stored by reference (migrations/0017); null when data was stored. */
  receipt_id: string | null;
  created_at: Date;
  delivery_status: DeliveryStatus;
  delivery_job_id: string | null;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  dead_at: Date | null;
}

/** An event with where and how to send it; read by the worker at send time, never logged. */
export interface DeliveryTarget extends EventRow {
  webhook_url: string | null;
  webhook_secret: string;
}

export interface EventFilter {
  /** null: every biller's (the admin). */
  biller_id: string | null;
  type: EventType | null;
  delivery_status: DeliveryStatus | null;
}

export type AttemptOutcome =
  | { delivered: true }
  /** timed_out: the receiver let the request run into WEBHOOK_TIMEOUT_MS. */
  | { delivered: false; error: string; timed_out?: boolean };

const COLUMNS = `id, biller_id, type, data, receipt_id, created_at, delivery_status, delivery_job_id,
  attempts, last_error, last_attempt_at, delivered_at, dead_at`;
const E_COLUMNS = COLUMNS.split(',')
  .map((column) => `e.${column.trim()}`)
  .join(', ');

/** A row as stored: data is null when the event refers to its receipt instead. */
type StoredEventRow<T extends EventRow = EventRow> = Omit<T, 'data'> & {
  data: Record<string, unknown> | null;
};

@Injectable()
export class WebhooksRepository {
  constructor(
    private readonly db: Db,
    private readonly receipts: ReceiptsRepository,
  ) {}

  /**
   * The rows with their data: an event stored by reference gets its receipt as issued (the receipt's
   * issued fields never change, so the same bytes every time), whatever happened to the receipt since.
   */
  async #withData<T extends EventRow>(rows: ReadonlyArray<StoredEventRow<T>>): Promise<T[]> {
    const ids = rows.flatMap((row) => (row.data === null && row.receipt_id !== null ? [row.receipt_id] : []));
    const receipts = new Map((await this.receipts.findReceipts(ids)).map((receipt) => [receipt.id, receipt]));
    return rows.map((row) => {
      if (row.data !== null) return row as unknown as T;
      const receipt = row.receipt_id === null ? undefined : receipts.get(row.receipt_id);
      // The foreign key and the CHECKs of migrations/0017 rule this out.
      if (!receipt) throw new Error(`event ${row.id} has neither data nor a receipt`);
      return { ...row, data: { ...issuedReceiptDto(receipt) } } as unknown as T;
    });
  }

  /**
   * Inserts the event in tx. It is `pending` under job_id when the biller has a webhook_url, and
   * `no_endpoint` (no job) otherwise; both decided in one statement from the biller's row.
   */
  async insertEvent(tx: Queryable, id: string, event: NewEvent, job_id: string): Promise<EventRow> {
    const inserted = await tx.query(
      `INSERT INTO events (id, biller_id, type, data, delivery_status, delivery_job_id)
       SELECT $1, b.id, $3, $4::json,
              CASE WHEN b.webhook_url IS NULL THEN 'no_endpoint' ELSE 'pending' END,
              CASE WHEN b.webhook_url IS NULL THEN NULL ELSE $5::uuid END
         FROM billers b WHERE b.id = $2
       RETURNING ${COLUMNS}`,
      [id, event.biller_id, event.type, JSON.stringify(event.data), job_id],
    );
    const row = inserted.rows[0] as EventRow | undefined;
    if (!row) throw new Error(`recordEvent: no biller ${event.biller_id}`);
    return row;
  }

  /**
   * insertEvent for many events in one statement, each decided the same way from its biller's row;
   * rows come back in the order given. Throws when a biller is missing (no row may be dropped).
   */
  async insertEvents(
    tx: Queryable,
    events: ReadonlyArray<{ id: string; event: NewEvent; job_id: string }>,
  ): Promise<EventRow[]> {
    if (events.length === 0) return [];
    const inserted = await tx.query(
      `INSERT INTO events (id, biller_id, type, data, delivery_status, delivery_job_id)
       SELECT e.id, b.id, e.type, e.data,
              CASE WHEN b.webhook_url IS NULL THEN 'no_endpoint' ELSE 'pending' END,
              CASE WHEN b.webhook_url IS NULL THEN NULL ELSE e.job_id END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::json[], $5::uuid[])
                WITH ORDINALITY AS e(id, biller_id, type, data, job_id, position)
         JOIN billers b ON b.id = e.biller_id
        ORDER BY e.position
       RETURNING ${COLUMNS}`,
      [
        events.map((row) => row.id),
        events.map((row) => row.event.biller_id),
        events.map((row) => row.event.type),
        events.map((row) => JSON.stringify(row.event.data)),
        events.map((row) => row.job_id),
      ],
    );
    const rows = new Map((inserted.rows as EventRow[]).map((row) => [row.id, row]));
    return events.map((row) => {
      const found = rows.get(row.id);
      if (!found) throw new Error(`recordEvents: no biller ${row.event.biller_id}`);
      return found;
    });
  }

  /**
   * Whether each biller of these payment intents has a webhook endpoint; FOR SHARE keeps the billers'
   * rows (so the answer) unchanged until the transaction ends. Rows: { id, has_endpoint }.
   */
  endpointsOfIntentsStatement(references: readonly string[]): Statement {
    return {
      text: `SELECT id, webhook_url IS NOT NULL AS has_endpoint FROM billers
              WHERE id IN (SELECT biller_id FROM payment_intents WHERE reference = ANY($1::text[]))
              ORDER BY id FOR SHARE`,
      values: [[...references]],
      prepared: 'payhub_endpoints_of_intents',
    };
  }

  /**
   * Events whose delivery was decided already (WebhooksService.planEvents): a job id means pending,
   * none means no endpoint. One VALUES row per event, each value a placeholder of its own (a literal
   * once a script inlines it): Postgres reads the data's JSON once, as it stores it (a JSON array of
   * the events, read back as rows, had every event's data parsed twice).
   */
  insertPlannedEventsStatement(
    events: ReadonlyArray<PlannedEvent & { event: PlannedEventInput }>,
  ): Statement {
    if (events.length === 0) return { text: 'SELECT 1 WHERE false' };
    const values: unknown[] = [];
    const placeholder = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const rows = events.map((row) => {
      const { event } = row;
      const fields = [
        placeholder(row.id),
        placeholder(row.biller_id),
        placeholder(event.type),
        // data, receipt_id: a receipt.issued event refers to its receipt instead of copying it.
        'receipt_id' in event
          ? `NULL, ${placeholder(event.receipt_id)}`
          : `${placeholder(stringifyAsciiJson(event.data))}, NULL`,
        row.job_id === null ? `'no_endpoint', NULL` : `'pending', ${placeholder(row.job_id)}`,
      ];
      return `(${fields.join(', ')})`;
    });
    return {
      text: `INSERT INTO events (id, biller_id, type, data, receipt_id, delivery_status, delivery_job_id)
       VALUES ${rows.join(',\n')}`,
      values,
    };
  }

  async findEvent(id: string, biller_id: string | null): Promise<EventRow | null> {
    const found = await this.db.query<StoredEventRow>(
      `SELECT ${COLUMNS} FROM events WHERE id = $1 AND ($2::text IS NULL OR biller_id = $2)`,
      [id, biller_id],
    );
    return (await this.#withData(found.rows))[0] ?? null;
  }

  /** Newest first; one row more than the page, so the caller knows whether there is more. */
  async listEvents(filter: EventFilter, page: PageRequest): Promise<EventRow[]> {
    const found = await this.db.query<StoredEventRow>(
      `SELECT ${COLUMNS} FROM events
        WHERE ($1::text IS NULL OR biller_id = $1) AND ($2::text IS NULL OR type = $2)
          AND ($3::text IS NULL OR delivery_status = $3) AND ($4::text IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [filter.biller_id, filter.type, filter.delivery_status, page.starting_after, page.limit + 1],
    );
    return this.#withData(found.rows);
  }

  /**
   * Hands the event to a new delivery job in tx, whatever its state, if its biller has a webhook_url.
   * null: no such event for this caller, or no endpoint (findEvent tells which).
   */
  async assignJob(
    tx: Queryable,
    id: string,
    biller_id: string | null,
    job_id: string,
  ): Promise<EventRow | null> {
    const updated = await tx.query(
      `UPDATE events e SET delivery_status = 'pending', delivery_job_id = $3
         FROM billers b
        WHERE e.id = $1 AND ($2::text IS NULL OR e.biller_id = $2)
          AND b.id = e.biller_id AND b.webhook_url IS NOT NULL
        RETURNING ${E_COLUMNS}`,
      [id, biller_id, job_id],
    );
    return (await this.#withData(updated.rows as StoredEventRow[]))[0] ?? null;
  }

  async deliveryTarget(id: string): Promise<DeliveryTarget | null> {
    // Once per delivery attempt: prepared once per connection (Db.queryPrepared).
    const found = await this.db.queryPrepared<StoredEventRow<DeliveryTarget>>(
      'q_events_delivery_target',
      `SELECT ${E_COLUMNS}, b.webhook_url, b.webhook_secret
         FROM events e JOIN billers b ON b.id = e.biller_id WHERE e.id = $1`,
      [id],
    );
    return (await this.#withData(found.rows))[0] ?? null;
  }

  /**
   * Counts an attempt made by job_id, and marks the event delivered on success. Answers the attempt
   * number, or null when another job owns the event now (a redelivery superseded this one).
   */
  async recordAttempt(id: string, job_id: string, outcome: AttemptOutcome): Promise<number | null> {
    const updated = await this.db.queryPrepared<{ attempts: number }>(
      'q_events_record_attempt',
      `UPDATE events SET attempts = attempts + 1, last_attempt_at = clock_timestamp(),
              last_error = $3,
              delivery_status = CASE WHEN $4 THEN 'delivered' ELSE delivery_status END,
              delivered_at = CASE WHEN $4 THEN clock_timestamp() ELSE delivered_at END
        WHERE id = $1 AND delivery_job_id = $2 AND delivery_status = 'pending'
        RETURNING attempts`,
      [id, job_id, outcome.delivered ? null : outcome.error.slice(0, 200), outcome.delivered],
    );
    return updated.rows[0]?.attempts ?? null;
  }

  /** The job's retries are spent: the event is dead until redelivered. false: superseded or settled. */
  async markDead(id: string, job_id: string): Promise<boolean> {
    const updated = await this.db.query(
      `UPDATE events SET delivery_status = 'dead', dead_at = clock_timestamp()
        WHERE id = $1 AND delivery_job_id = $2 AND delivery_status = 'pending'`,
      [id, job_id],
    );
    return updated.rowCount === 1;
  }

  /** The biller's webhook_url went away while the job waited. */
  async markNoEndpoint(id: string, job_id: string): Promise<void> {
    await this.db.query(
      `UPDATE events SET delivery_status = 'no_endpoint'
        WHERE id = $1 AND delivery_job_id = $2 AND delivery_status = 'pending'`,
      [id, job_id],
    );
  }
}
