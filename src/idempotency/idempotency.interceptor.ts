// Idempotency-Key for every POST under /v1, for every module without a line of its own: the request
// runs in one transaction that also stores its answer, so a retry with the same key gets the stored
// answer back and the work is never done twice (docs/api.md#idempotency).
import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { principalOf, principalScope } from '../auth/principal';
import { HubError } from '../common/errors';
import { PreparedResponse, toErrorAnswer } from '../common/hub-exception.filter';
import { stringifyJson } from '../common/json';
import { Db } from '../database/db';
import { IDEMPOTENCY_HEADER, IdempotencyError, keyInUse, keyReused } from './idempotency.errors';
import { IdempotencyRepository, type StoredRequest } from './idempotency.repository';
import { type IdempotencyKeyMaterial, idempotencyKeyMaterial, openResponse } from './sealed-response';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Visible ASCII and space: no control characters, nothing a proxy might re-encode. */
const KEY_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** JSON bodies nested deeper than this are refused rather than fingerprinted by recursion. */
const BODY_DEPTH_MAX = 64;

/** JSON with object keys sorted at every level: the same body always gives the same text. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > BODY_DEPTH_MAX) throw new HubError('body_invalid', 'The request body is nested too deeply.');
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((field) => `${JSON.stringify(field)}:${canonicalJson(record[field], depth + 1)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const OWN_IDEMPOTENCY = 'payhub:own-idempotency';

/**
 * On a POST handler whose body streams and which takes Idempotency-Key itself, through
 * StreamedIdempotency (streamed-idempotency.ts): this interceptor leaves it alone.
 */
export const OwnIdempotency = (): MethodDecorator => SetMetadata(OWN_IDEMPOTENCY, true);

export function parseIdempotencyKey(header: string | string[]): string {
  if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
    throw new IdempotencyError(
      'idempotency_key_invalid',
      `${IDEMPOTENCY_HEADER} must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters, sent once.`,
    );
  }
  return header;
}

/** A stored answer, to be sent again as it was (the exception filter writes it). */
export function replayOf(material: IdempotencyKeyMaterial, stored: StoredRequest): PreparedResponse {
  return new PreparedResponse(
    stored.response_status,
    openResponse(material.sealing_key, stored.response_sealed),
    { [REPLAYED_HEADER]: 'true' },
  );
}

type Outcome = { kind: 'value'; value: unknown } | { kind: 'refused'; error: unknown };

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly db: Db,
    private readonly repository: IdempotencyRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || !request.url.startsWith('/v1/') || header === undefined) {
      return next.handle();
    }
    if (Reflect.getMetadata(OWN_IDEMPOTENCY, context.getHandler()) === true) return next.handle();
    const key = parseIdempotencyKey(header);
    // Keys belong to a caller. A route without authentication (a gateway's callback) has nobody to
    // scope them to and deduplicates by the gateway's own transaction id instead.
    const principal = principalOf(request);
    if (!principal) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return from(this.run(request, reply, next, principalScope(principal), key));
  }

  private async run(
    request: FastifyRequest,
    reply: FastifyReply,
    next: CallHandler,
    scope: string,
    key: string,
  ): Promise<unknown> {
    const path = request.url.split('?')[0]!;
    const material = idempotencyKeyMaterial(scope, key);
    const fingerprint = createHash('sha256')
      .update(canonicalJson(request.body ?? null))
      .digest();
    const store = (response_status: number, body: string) =>
      this.repository.storeAnswer(scope, material, { path, fingerprint }, response_status, body);
    const outcome = await this.db.transaction(async (): Promise<Outcome> => {
      // Without waiting: a client retrying while its first attempt still runs learns so at once.
      if (!(await this.repository.tryLock(material.lock_id))) throw keyInUse();
      const stored = await this.repository.find(scope, material.hash);
      if (stored) {
        if (stored.path !== path || !stored.fingerprint.equals(fingerprint)) throw keyReused();
        throw replayOf(material, stored);
      }
      try {
        // A savepoint: a refused request leaves nothing behind but its stored answer.
        const value = await this.db.transaction(() =>
          lastValueFrom(next.handle(), { defaultValue: undefined }),
        );
        await store(reply.statusCode, stringifyJson(value) ?? '');
        return { kind: 'value', value };
      } catch (error) {
        const answer = toErrorAnswer(error, request.method, request.url);
        // A failure (5xx) is not an answer to keep: the transaction rolls back and a retry runs anew.
        if (answer.status >= 500) throw error;
        await store(answer.status, stringifyJson(answer.body));
        return { kind: 'refused', error };
      }
    });
    if (outcome.kind === 'refused') throw outcome.error;
    return outcome.value;
  }
}
