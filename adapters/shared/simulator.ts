// What every gateway simulator shares: a loopback HTTP server with a tiny router, a pay page where a
// person or a test approves, declines or lets a payment time out, and a callback sender that retries
// as the real gateway does and can duplicate, delay, reorder or drop callbacks on demand. The
// gateway-specific parts (formats, signatures, codes) live in `<gw>/<gw>.simulator.ts`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchText } from './http';

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: Buffer;
  /** Path parameters captured by `:name` segments of the route. */
  readonly params: Record<string, string>;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export type SimHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  readonly method: string;
  readonly parts: string[];
  readonly handler: SimHandler;
}

/** Largest request body a simulator reads (gateways' requests are small). */
const BODY_BYTES_MAX = 1024 * 1024;

/** A request body that is a JSON object (gateways' APIs take nothing else), or null for anything else. */
export function jsonObject(rawBody: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(rawBody.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function json(status: number, value: unknown): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

export function html(status: number, body: string): SimResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

export function redirect(url: string): SimResponse {
  return { status: 302, headers: { location: url }, body: '' };
}

/** A loopback HTTP server with `:param` routes; 404 JSON for anything else. */
export class SimServer {
  readonly #routes: Route[] = [];
  #server: Server | null = null;
  #url = '';

  route(method: string, path: string, handler: SimHandler): this {
    this.#routes.push({ method: method.toUpperCase(), parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** The base URL (`http://127.0.0.1:<port>`), once listening. */
  get url(): string {
    if (!this.#url) throw new Error('simulator is not listening');
    return this.#url;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.#serve(req, res));
    // Kept open as a gateway's API keeps them: undici closes a connection 1 s before the server's
    // announced timeout, so a 1 s timeout made every call from the hub open a new connection.
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => done());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.#url = `http://${host}:${address.port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > BODY_BYTES_MAX) {
          send(res, json(413, { error: 'body too large' }));
          return;
        }
        chunks.push(chunk);
      }
      const url = new URL(req.url ?? '/', 'http://simulator.local');
      const method = (req.method ?? 'GET').toUpperCase();
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      for (const route of this.#routes) {
        if (route.method !== method || route.parts.length !== parts.length) continue;
        const params: Record<string, string> = {};
        const matches = route.parts.every((part, i) => {
          if (part.startsWith(':')) {
            params[part.slice(1)] = parts[i] as string;
            return true;
          }
          return part === parts[i];
        });
        if (!matches) continue;
        const query: Record<string, string> = {};
        for (const [key, value] of url.searchParams) query[key] = value;
        const answer = await route.handler({
          method,
          path: url.pathname,
          query,
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          params,
        });
        send(res, answer);
        return;
      }
      send(res, json(404, { error: 'no such endpoint' }));
    } catch (error) {
      send(res, json(500, { error: error instanceof Error ? error.message : 'simulator error' }));
    }
  }
}

function send(res: ServerResponse, answer: SimResponse): void {
  if (res.headersSent) return;
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body ?? '');
}

/** What a test or an operator can make the callback sender do wrong, as real gateways sometimes do. */
export interface CallbackFaults {
  /** Send each callback this many extra times (after the first is acknowledged or given up). */
  duplicate?: number;
  /** Wait this long before the first attempt. */
  delay_ms?: number;
  /** Hold callbacks until `release()`, then send them newest first. */
  reorder?: boolean;
  /** Never send: the hub must find out by querying. */
  drop?: boolean;
}

export interface OutgoingCallback {
  /** Which payment (or refund) the callback is about, for the delivery log. */
  readonly ref: string;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface DeliveryAttempt {
  readonly ref: string;
  readonly attempt: number;
  /** The HTTP status received; 0 when the call failed (refused, timed out). */
  readonly status: number;
  readonly body: string;
  readonly acknowledged: boolean;
  readonly duplicate: boolean;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts_max: number;
  /** Wait before attempt n+1 (the last value repeats). Real gateways wait minutes; tests use ms. */
  readonly intervals_ms: readonly number[];
  /** Whether the merchant's reply ends the retries (VNPay: RspCode 00 or 02; MoMo: 204). */
  acknowledged(status: number, body: string): boolean;
}

/**
 * Sends a gateway's callbacks with its retry policy and the configured faults, and keeps a log of every
 * attempt so tests can assert what the hub answered. `idle()` resolves when nothing is in flight.
 */
export class CallbackSender {
  faults: CallbackFaults = {};
  readonly log: DeliveryAttempt[] = [];
  readonly #held: OutgoingCallback[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #closed = false;

  constructor(
    readonly policy: RetryPolicy,
    readonly timeout_ms = 5_000,
  ) {}

  send(callback: OutgoingCallback): void {
    if (this.faults.drop) return;
    if (this.faults.reorder) {
      this.#held.push(callback);
      return;
    }
    this.#track(this.#deliver(callback));
  }

  /** Sends held (reordered) callbacks, newest first. */
  release(): void {
    const held = this.#held.splice(0).reverse();
    for (const callback of held) this.#track(this.#deliver(callback));
  }

  get held(): number {
    return this.#held.length;
  }

  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Stops retries (a closing simulator must not keep calling). */
  close(): void {
    this.#closed = true;
    this.#held.length = 0;
  }

  #track(work: Promise<void>): void {
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  async #deliver(callback: OutgoingCallback): Promise<void> {
    const { delay_ms = 0, duplicate = 0 } = this.faults;
    if (delay_ms > 0) await sleep(delay_ms);
    await this.#withRetries(callback, false);
    for (let i = 0; i < duplicate; i += 1) await this.#withRetries(callback, true);
  }

  async #withRetries(callback: OutgoingCallback, duplicate: boolean): Promise<void> {
    const { attempts_max, intervals_ms } = this.policy;
    for (let attempt = 1; attempt <= attempts_max && !this.#closed; attempt += 1) {
      const { status, body } = await this.#call(callback);
      const acknowledged = status > 0 && this.policy.acknowledged(status, body);
      this.log.push({ ref: callback.ref, attempt, status, body, acknowledged, duplicate });
      if (acknowledged || attempt === attempts_max) return;
      const wait = intervals_ms[Math.min(attempt - 1, intervals_ms.length - 1)] ?? 0;
      await sleep(wait);
    }
  }

  async #call(callback: OutgoingCallback): Promise<{ status: number; body: string }> {
    try {
      const { status, text } = await fetchText(
        undefined,
        callback.url,
        {
          method: callback.method,
          headers: callback.headers,
          body: callback.method === 'POST' ? callback.body : undefined,
        },
        this.timeout_ms,
      );
      return { status, body: text };
    } catch {
      return { status: 0, body: '' };
    }
  }
}

/**
 * What every gateway simulator class shares: its loopback server, the URL it listens on and the
 * callback sender it stops on close. A subclass adds its routes to `server` in its constructor and
 * starts with `listen`.
 */
export abstract class GatewaySimulator {
  abstract readonly callbacks: CallbackSender;
  protected readonly server = new SimServer();

  /** `http://127.0.0.1:<port>`, once listening. */
  get url(): string {
    return this.server.url;
  }

  /** Stops the callback retries first, so a closing simulator calls no one, then the server. */
  async close(): Promise<void> {
    this.callbacks.close();
    await this.server.close();
  }

  protected async listen(port = 0): Promise<this> {
    await this.server.listen(port);
    return this;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A payment as a simulator remembers it. */
export type SimPaymentStatus = 'pending' | 'succeeded' | 'failed' | 'expired';

export interface SimRefund {
  readonly refund_ref: string;
  readonly gateway_refund_id: string;
  readonly amount: bigint;
  readonly at: Date;
}

export interface SimPayment {
  readonly merchant_ref: string;
  readonly amount: bigint;
  readonly description: string;
  readonly created_at: Date;
  status: SimPaymentStatus;
  gateway_txn_id: string;
  paid_at: Date | null;
  readonly refunds: SimRefund[];
  /** The gateway-specific fields a callback or a query answer needs (return URL, request ids ...). */
  readonly extra: Record<string, string>;
}

export function refundedTotal(payment: SimPayment): bigint {
  return payment.refunds.reduce((sum, refund) => sum + refund.amount, 0n);
}

/** Escapes text for the pay page. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );
}

/**
 * The pay page: what is being paid and three buttons (forms POSTing to `<action_base>/approve`,
 * `/decline`, `/timeout`). Tests press them over HTTP like a person would.
 */
export function payPage(input: {
  readonly gateway: string;
  readonly merchant_ref: string;
  readonly amount: bigint;
  readonly description: string;
  readonly action_base: string;
  readonly status: SimPaymentStatus;
}): string {
  const amount = input.amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const buttons =
    input.status === 'pending'
      ? ['approve', 'decline', 'timeout']
          .map(
            (action) =>
              `<form method="post" action="${escapeHtml(`${input.action_base}/${action}`)}">` +
              `<button type="submit" name="action" value="${action}" data-action="${action}">${action}</button></form>`,
          )
          .join('\n')
      : `<p data-status="${input.status}">This payment is ${input.status}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.gateway)} simulator</title></head>
<body>
<h1>${escapeHtml(input.gateway)} simulator</h1>
<dl>
<dt>Order</dt><dd data-field="merchant_ref">${escapeHtml(input.merchant_ref)}</dd>
<dt>Amount</dt><dd data-field="amount">${amount} VND</dd>
<dt>Description</dt><dd data-field="description">${escapeHtml(input.description)}</dd>
</dl>
${buttons}
</body></html>
`;
}

/** A clock the tests can set; simulators read time only through it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** Gateway-style numeric transaction ids: increasing, unique within a simulator. */
export function sequence(start: number): () => string {
  let next = start;
  return () => String((next += 1));
}
