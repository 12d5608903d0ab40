// Delivers events to billers' webhook_url through pg-boss: each attempt POSTs the event's exact JSON
// signed with the biller's secret; a failure is retried with backoff, and a job whose retries are spent
// reaches the dead-letter queue, which marks the event dead (kept for a redelivery).
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import type { Counter } from 'prom-client';
import { deadline } from '../../adapters/shared/http';
import { stringifyJson } from '../common/json';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { JobQueue, type Queryable } from '../jobs/job-queue';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { type AttemptOutcome, type DeliveryTarget, WebhooksRepository } from './webhooks.repository';

export const DELIVERY_QUEUE = 'webhook-delivery';
export const DEAD_LETTER_QUEUE = 'webhook-dead-letter';
/** Delivery workers per hub process. */
const DELIVERY_WORKERS = 4;
/**
 * Jobs one worker takes at once and delivers concurrently (each succeeding or failing on its own): up
 * to DELIVERY_WORKERS x DELIVERY_BATCH deliveries in flight per process, each bounded by
 * WEBHOOK_TIMEOUT_MS, so a receiver that hangs holds up its own deliveries and few others.
 */
const DELIVERY_BATCH = 16;
/** pg-boss fails a job that stays active this long after the request's own timeout (a crashed worker). */
const ACTIVE_MARGIN_SECONDS = 30;
/**
 * After a delivery ran into WEBHOOK_TIMEOUT_MS, this process sends nothing more to that URL for this
 * long: its jobs wait (postponed, no attempt counted) instead of holding a worker each for the whole
 * timeout while other billers' events queue behind them.
 */
export const UNRESPONSIVE_PAUSE_MS = 60_000;

/** What a delivery job carries: ids only; the URL and secret are read when it runs. */
export interface DeliveryJob {
  event_id: string;
  /** The job's own id, also kept on the event: a job that finds another id there stands down. */
  job_id: string;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The body every attempt sends, byte for byte the same: `{id, type, created, data}`. */
export function webhookBody(event: Pick<DeliveryTarget, 'id' | 'type' | 'created_at' | 'data'>): string {
  return stringifyJson({
    id: event.id,
    type: event.type,
    created: unixSeconds(event.created_at),
    data: event.data,
  });
}

/** The request ran into its deadline. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** A short, secret-free reason: the status, or the network error's code. */
function failureReason(error: unknown, timeout_ms: number): string {
  if (isTimeout(error)) return `timeout after ${timeout_ms} ms`;
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network error';
}

/** Thrown to make pg-boss retry; its message (stored in the job's output) carries no secret. */
class DeliveryFailed extends Error {
  constructor(reason: string) {
    super(`webhook delivery failed: ${reason}`);
    this.name = 'DeliveryFailed';
  }
}

@Injectable()
export class WebhookDelivery implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger: Logger;
  /** URLs that let a delivery time out, and until when this process sends them nothing. */
  readonly #unresponsive = new Map<string, number>();

  /** Deliveries by result: delivered, failed (retried or dead), postponed (an unresponsive URL). */
  private readonly deliveries: Counter<'result'>;

  constructor(
    private readonly jobs: JobQueue,
    private readonly repository: WebhooksRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) logger: Logger,
    metrics: MetricsService,
  ) {
    this.logger = logger.child({ component: 'webhooks' });
    this.deliveries = metrics.counter(
      'payhub_webhook_deliveries_total',
      'Webhook deliveries this process made, by result: delivered, failed (to be retried, or dead), postponed (the URL timed out lately).',
      ['result'],
    );
    // Every hub process shares the queue: these read the same database-wide numbers.
    metrics.gauge(
      'payhub_webhook_deliveries_waiting',
      'Webhook deliveries not yet made, in every hub process: due, or waiting for a retry.',
      async () => (await this.jobs.waiting(DELIVERY_QUEUE)).count,
    );
    metrics.gauge(
      'payhub_webhook_oldest_waiting_seconds',
      'Age of the oldest webhook delivery not yet made (0 when none waits): a receiver down, or deliveries behind.',
      async () => (await this.jobs.waiting(DELIVERY_QUEUE)).oldest_seconds,
    );
  }

  /** JobsModule has started pg-boss by now (its module initialises first). */
  async onModuleInit(): Promise<void> {
    await this.jobs.createQueue(DEAD_LETTER_QUEUE);
    await this.jobs.createQueue(DELIVERY_QUEUE, { deadLetter: DEAD_LETTER_QUEUE });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (let i = 0; i < DELIVERY_WORKERS; i++) {
      await this.jobs.work<DeliveryJob>(DELIVERY_QUEUE, (job) => this.deliver(job), {
        batch: DELIVERY_BATCH,
      });
    }
    await this.jobs.work<DeliveryJob>(DEAD_LETTER_QUEUE, (job) => this.deadLetter(job));
  }

  /** A new job id, for the event row and the job alike. */
  newJobId(): string {
    return randomUUID();
  }

  /** Enqueues the delivery in tx, with the retry settings in force now. */
  async enqueue(tx: Queryable, event_id: string, job_id: string): Promise<void> {
    const data: DeliveryJob = { event_id, job_id };
    await this.jobs.send(tx, DELIVERY_QUEUE, data, {
      id: job_id,
      retryLimit: this.config.webhook_retry_limit,
      retryDelay: this.config.webhook_retry_delay_seconds,
      retryBackoff: this.config.webhook_retry_backoff,
      expireInSeconds: Math.ceil(this.config.webhook_timeout_ms / 1000) + ACTIVE_MARGIN_SECONDS,
      deadLetter: DEAD_LETTER_QUEUE,
    });
  }

  /** Enqueues many deliveries in tx with one INSERT, with the same settings as enqueue. */
  async enqueueMany(tx: Queryable, deliveries: readonly DeliveryJob[]): Promise<void> {
    await this.jobs.sendMany(
      tx,
      DELIVERY_QUEUE,
      deliveries.map((data) => ({ id: data.job_id, data })),
      {
        retryLimit: this.config.webhook_retry_limit,
        retryDelay: this.config.webhook_retry_delay_seconds,
        retryBackoff: this.config.webhook_retry_backoff,
        expireInSeconds: Math.ceil(this.config.webhook_timeout_ms / 1000) + ACTIVE_MARGIN_SECONDS,
        deadLetter: DEAD_LETTER_QUEUE,
      },
    );
  }

  /** One attempt. Returns on success or when there is nothing to do; throws to have it retried. */
  async deliver(job: PgBoss.Job<DeliveryJob>): Promise<void> {
    const { event_id, job_id } = job.data;
    const target = await this.repository.deliveryTarget(event_id);
    // Superseded by a redelivery, or already settled: this job has nothing left to do.
    if (!target || target.delivery_job_id !== job_id || target.delivery_status !== 'pending') return;
    if (target.webhook_url === null) {
      await this.repository.markNoEndpoint(event_id, job_id);
      return;
    }
    const paused_until = this.#unresponsive.get(target.webhook_url);
    if (paused_until !== undefined && paused_until > Date.now()) {
      if (await this.jobs.postpone(DELIVERY_QUEUE, job.id, new Date(paused_until))) {
        this.deliveries.inc({ result: 'postponed' });
        this.logger.debug(
          { event_id, until: new Date(paused_until) },
          'webhook postponed: endpoint unresponsive',
        );
        return;
      }
    } else if (paused_until !== undefined) this.#unresponsive.delete(target.webhook_url);
    const outcome = await this.post(target.webhook_url, webhookBody(target), target.webhook_secret);
    if (!outcome.delivered && outcome.timed_out)
      this.#unresponsive.set(target.webhook_url, Date.now() + UNRESPONSIVE_PAUSE_MS);
    const attempt = await this.repository.recordAttempt(event_id, job_id, outcome);
    const context = { event_id, biller_id: target.biller_id, type: target.type, attempt };
    this.deliveries.inc({ result: outcome.delivered ? 'delivered' : 'failed' });
    if (outcome.delivered) {
      this.logger.info(context, 'webhook delivered');
      return;
    }
    this.logger.warn({ ...context, reason: outcome.error }, 'webhook delivery failed');
    // A redelivery took over while this attempt ran: its job carries on, this one ends quietly.
    if (attempt === null) return;
    throw new DeliveryFailed(outcome.error);
  }

  /** A delivery job's retries are spent (or it timed out for the last time). */
  async deadLetter(job: PgBoss.Job<DeliveryJob>): Promise<void> {
    const { event_id, job_id } = job.data;
    if (await this.repository.markDead(event_id, job_id)) {
      this.logger.warn({ event_id }, 'webhook dead-lettered: every retry failed');
    }
  }

  /**
   * POSTs body, signed at send time. 2xx is delivered; anything else (a redirect too: following one
   * would send the event somewhere the biller never configured) is a failure.
   */
  private async post(url: string, body: string, secret: string): Promise<AttemptOutcome> {
    const timeout_ms = this.config.webhook_timeout_ms;
    const signature = signWebhook(secret, body, Math.floor(Date.now() / 1000));
    let status: number;
    const { signal, clear } = deadline(timeout_ms);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'payhub-webhooks/1',
          [SIGNATURE_HEADER]: signature,
        },
        body,
        redirect: 'manual',
        signal,
      });
      status = response.status;
      // The answer's body means nothing to the hub; drop it so the connection is freed.
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      return { delivered: false, error: failureReason(error, timeout_ms), timed_out: isTimeout(error) };
    } finally {
      clear();
    }
    return status >= 200 && status < 300
      ? { delivered: true }
      : { delivered: false, error: `HTTP ${status}` };
  }
}
