// Idempotency-Key for a route whose body streams (a settlement file's multipart import): the
// interceptor fingerprints a parsed JSON body inside one transaction, but such a body is known only
// once it has been read, and the route's work may span several transactions (an import, then the
// gateways' confirmations after its commit). The route marks itself with `@OwnIdempotency()` (the
// interceptor then leaves it alone) and runs its work through `StreamedIdempotency.run`:
// - the key is claimed for the whole request by a session advisory lock on a connection of its own
//   (the same lock the interceptor takes per transaction): a second request with it is 409
//   `idempotency_key_in_use` at once;
// - a key already answered: the body is read and fingerprinted without doing anything; the same body
//   gets the stored answer back (`Idempotent-Replayed: true`), another body 409 `idempotency_key_reused`;
// - a new key: the work runs, and its answer (a refusal too, once the whole body was read) is stored
//   with the body's fingerprint, sealed like the interceptor's (docs/api.md#idempotency).
// A crash between the work's commit and the answer's store leaves the key unused: a retry runs again,
// which a route using this must make safe (the import answers a file it already has with its first run).
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { principalOf, principalScope } from '../auth/principal';
import { toErrorAnswer } from '../common/hub-exception.filter';
import { stringifyJson } from '../common/json';
import { keyInUse, keyReused } from './idempotency.errors';
import { parseIdempotencyKey, replayOf } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { idempotencyKeyMaterial } from './sealed-response';

export { OwnIdempotency } from './idempotency.interceptor';

/** What a streamed route gives StreamedIdempotency.run. */
export interface StreamedWork<T> {
  /** Does the work (reading the body as it goes); its value is the 200 answer. */
  execute(): Promise<T>;
  /**
   * After execute, answered or refused: the fingerprint of the body it read, or null when it could
   * not read it whole (such a refusal is not stored: a retry runs anew).
   */
  fingerprint(): Buffer | null;
  /** Reads the whole body and fingerprints it, doing nothing else (null: not a body execute takes). */
  fingerprintOnly(): Promise<Buffer | null>;
}

@Injectable()
export class StreamedIdempotency {
  constructor(private readonly repository: IdempotencyRepository) {}

  async run<T>(request: FastifyRequest, work: StreamedWork<T>): Promise<T> {
    const header = request.headers['idempotency-key'];
    const principal = principalOf(request);
    if (header === undefined || !principal) return work.execute();
    const key = parseIdempotencyKey(header);
    const scope = principalScope(principal);
    const path = request.url.split('?')[0]!;
    const material = idempotencyKeyMaterial(scope, key);
    const hold = await this.repository.holdKey(material.lock_id);
    if (!hold) throw keyInUse();
    try {
      const stored = await this.repository.find(scope, material.hash);
      if (stored) {
        const fingerprint = await work.fingerprintOnly();
        if (stored.path !== path || fingerprint === null || !stored.fingerprint.equals(fingerprint))
          throw keyReused();
        throw replayOf(material, stored);
      }
      let value: T;
      try {
        value = await work.execute();
      } catch (error) {
        const answer = toErrorAnswer(error, request.method, request.url);
        const fingerprint = work.fingerprint();
        // A failure (5xx) is not an answer to keep; nor is a refusal of a body not read whole.
        if (answer.status < 500 && fingerprint !== null)
          await this.repository.storeAnswer(
            scope,
            material,
            { path, fingerprint },
            answer.status,
            stringifyJson(answer.body),
          );
        throw error;
      }
      const fingerprint = work.fingerprint();
      if (fingerprint !== null)
        await this.repository.storeAnswer(
          scope,
          material,
          { path, fingerprint },
          200,
          stringifyJson(value) ?? '',
        );
      return value;
    } finally {
      await hold.release();
    }
  }
}
