// Events: recording one in the caller's transaction (with its delivery job), and the API's reads and
// redeliveries, each scoped by the caller: a biller reaches only its own events.
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { isId, newId } from '../common/ids';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { Db } from '../database/db';
import type { Statement } from '../database/script';
import type { Queryable } from '../jobs/job-queue';
import type { EventDto } from './dto/event.dto';
import { WebhookDelivery } from './webhook-delivery';
import type { NewEvent, PlannedEventInput } from './webhook-events';
import {
  type EventFilter,
  type EventRow,
  type PlannedEvent,
  WebhooksRepository,
} from './webhooks.repository';
import { WebhookError } from './webhooks.errors';

function unixSeconds(date: Date | null): number | null {
  return date && Math.floor(date.getTime() / 1000);
}

export function toEvent(row: EventRow): EventDto {
  return {
    id: row.id,
    object: 'event',
    type: row.type,
    created: unixSeconds(row.created_at)!,
    biller: row.biller_id,
    data: row.data,
    delivery: {
      status: row.delivery_status,
      attempts: row.attempts,
      last_error: row.last_error,
      last_attempt_at: unixSeconds(row.last_attempt_at),
      delivered_at: unixSeconds(row.delivered_at),
      dead_at: unixSeconds(row.dead_at),
    },
  };
}

function eventNotFound(id: string): WebhookError {
  // The id came from the path; cut short in case it is garbage.
  return new WebhookError('event_not_found', `No such event: ${id.slice(0, 64)}.`, 'id');
}

function scopeOf(principal: Principal): string | null {
  return principal.kind === 'admin' ? null : principal.biller_id;
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly delivery: WebhookDelivery,
    private readonly db: Db,
  ) {}

  /**
   * Stores the event and enqueues its delivery, both in tx: a transaction that rolls back leaves
   * neither, one that commits leaves both. A biller without webhook_url gets the event stored as
   * `no_endpoint` and no job.
   */
  async recordEvent(tx: Queryable, event: NewEvent): Promise<EventDto> {
    const job_id = this.delivery.newJobId();
    const row = await this.repository.insertEvent(tx, newId('event'), event, job_id);
    if (row.delivery_status === 'pending') await this.delivery.enqueue(tx, row.id, job_id);
    return toEvent(row);
  }

  /**
   * recordEvent for many events at once, in tx: one INSERT of the events and one of their delivery
   * jobs. The same rows, states and jobs as recording them one by one; answers them in order.
   */
  async recordEvents(tx: Queryable, events: readonly NewEvent[]): Promise<EventDto[]> {
    const rows = await this.repository.insertEvents(
      tx,
      events.map((event) => ({ id: newId('event'), event, job_id: this.delivery.newJobId() })),
    );
    await this.delivery.enqueueMany(
      tx,
      rows
        .filter((row) => row.delivery_status === 'pending')
        .map((row) => ({ event_id: row.id, job_id: row.delivery_job_id! })),
    );
    return rows.map(toEvent);
  }

  /**
   * recordEvents in parts, for a caller that records events late in a transaction whose round trips
   * it counts (src/payments/payment-confirmations.ts): the events' ids and delivery jobs decided now
   * from `endpoints` (whether each biller has a webhook endpoint, read with endpointsOfIntentsStatement,
   * which holds the billers' rows until the transaction ends so that it stays true), their jobs
   * enqueued now (enqueuePlanned), the rows inserted later by plannedEventsStatement, in the same
   * transaction, with the same delivery status recordEvents would give them.
   */
  planEvents(biller_ids: readonly string[], endpoints: ReadonlyMap<string, boolean>): PlannedEvent[] {
    return biller_ids.map((biller_id) => {
      const has = endpoints.get(biller_id);
      if (has === undefined) throw new Error(`planEvents: no endpoint read for biller ${biller_id}`);
      return { id: newId('event'), biller_id, job_id: has ? this.delivery.newJobId() : null };
    });
  }

  async enqueuePlanned(tx: Queryable, planned: readonly PlannedEvent[]): Promise<void> {
    await this.delivery.enqueueMany(
      tx,
      planned.flatMap((event) => (event.job_id ? [{ event_id: event.id, job_id: event.job_id }] : [])),
    );
  }

  endpointsOfIntentsStatement(references: readonly string[]): Statement {
    return this.repository.endpointsOfIntentsStatement(references);
  }

  plannedEventsStatement(planned: readonly PlannedEvent[], events: readonly PlannedEventInput[]): Statement {
    if (planned.length !== events.length) throw new Error('plannedEventsStatement: one event per plan');
    events.forEach((event, index) => {
      if (event.biller_id !== planned[index]!.biller_id)
        throw new Error('plannedEventsStatement: biller differs');
    });
    return this.repository.insertPlannedEventsStatement(
      planned.map((plan, index) => ({ ...plan, event: events[index]! })),
    );
  }

  async list(
    principal: Principal,
    filter: Omit<EventFilter, 'biller_id'>,
    page: PageRequest,
  ): Promise<Page<EventDto>> {
    const rows = await this.repository.listEvents({ ...filter, biller_id: scopeOf(principal) }, page);
    return toPage(rows, page, toEvent);
  }

  async get(principal: Principal, id: string): Promise<EventDto> {
    if (!isId('event', id)) throw eventNotFound(id);
    const row = await this.repository.findEvent(id, scopeOf(principal));
    if (!row) throw eventNotFound(id);
    return toEvent(row);
  }

  /**
   * Sends the same event (same id, same body) again under a new job with a fresh retry budget,
   * whatever its state; an older job still retrying stands down. Runs in the request's transaction
   * (a savepoint inside the Idempotency-Key one), so the job exists only if the request commits.
   */
  async redeliver(principal: Principal, id: string): Promise<EventDto> {
    if (!isId('event', id)) throw eventNotFound(id);
    const scope = scopeOf(principal);
    return this.db.transaction(async (tx) => {
      const job_id = this.delivery.newJobId();
      const row = await this.repository.assignJob(tx, id, scope, job_id);
      if (!row) {
        if (!(await this.repository.findEvent(id, scope))) throw eventNotFound(id);
        throw new WebhookError(
          'webhook_endpoint_missing',
          'The biller has no webhook_url, so there is nowhere to send the event.',
        );
      }
      await this.delivery.enqueue(tx, row.id, job_id);
      return toEvent(row);
    });
  }
}
