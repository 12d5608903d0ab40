// The file import's multipart body, read once part by part: the fields `gateway` and `date`, then one
// `file` part streamed to the import (nothing buffered). For Idempotency-Key (StreamedIdempotency) it
// is fingerprinted by its fields and the file's SHA-256, known once the file has been read to its end,
// whether the import took it or refused it.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { GatewayId } from '../../adapters/contract';
import { canonicalJson } from '../idempotency/idempotency.interceptor';
import { ReconciliationError } from './reconciliation.errors';

export interface UploadTarget {
  gateway: GatewayId;
  date: string;
}

const FIELDS = new Set(['gateway', 'date']);

export class SettlementUpload {
  readonly #fields: Record<string, string> = {};
  readonly #file = createHash('sha256');
  /** The one file part has been read to its end (hashed). */
  #fileRead = false;
  /** A part the import does not take (an unknown field, a second file): no fingerprint. */
  #foreign = false;

  constructor(private readonly request: FastifyRequest) {}

  /**
   * Reads the parts and hands the file to `reconcile`, with the target `target` reads from the fields
   * before it (throwing for a bad one); answers what `reconcile` answered. The file is read to its end
   * even when refused, so the client gets the answer rather than a broken pipe, and the fingerprint
   * covers all of it.
   */
  async import<T>(
    target: (fields: Record<string, unknown>) => UploadTarget,
    reconcile: (target: UploadTarget, source: AsyncIterable<Buffer>) => Promise<T>,
  ): Promise<T> {
    let result: { value: T } | null = null;
    for await (const part of this.request.parts()) {
      if (part.type === 'field') {
        this.#field(part.fieldname, part.value);
        continue;
      }
      if (part.fieldname !== 'file' || result !== null || this.#fileRead) {
        this.#foreign = true;
        await drain(part);
        throw new ReconciliationError('settlement_file_missing', 'Send one file part named file.', 'file');
      }
      let refusal: { error: unknown } | null = null;
      try {
        result = { value: await reconcile(target(this.#fields), this.#through(part.file)) };
      } catch (error) {
        refusal = { error };
      }
      try {
        await this.#rest(part.file);
      } catch (error) {
        if (!refusal) throw error;
      }
      if (refusal) throw refusal.error;
    }
    if (result === null) {
      target(this.#fields);
      throw new ReconciliationError('settlement_file_missing', 'The file part is missing.', 'file');
    }
    return result.value;
  }

  /** SHA-256 of the fields and of the file's SHA-256; null unless the body was read whole and is one the import takes. */
  fingerprint(): Buffer | null {
    if (!this.#fileRead || this.#foreign) return null;
    const file_sha256 = this.#file.copy().digest('hex');
    return createHash('sha256')
      .update(canonicalJson({ fields: this.#fields, file_sha256 }))
      .digest();
  }

  /** Reads the whole body and fingerprints it without importing anything. */
  async fingerprintOnly(): Promise<Buffer | null> {
    for await (const part of this.request.parts()) {
      if (part.type === 'field') {
        if (FIELDS.has(part.fieldname)) this.#fields[part.fieldname] = String(part.value);
        else this.#foreign = true;
        continue;
      }
      if (part.fieldname !== 'file' || this.#fileRead) {
        this.#foreign = true;
        await drain(part);
        continue;
      }
      await this.#rest(part.file);
    }
    return this.fingerprint();
  }

  #field(name: string, value: unknown): void {
    if (!FIELDS.has(name)) {
      this.#foreign = true;
      throw new ReconciliationError(
        'settlement_file_missing',
        `Unknown field: ${name.slice(0, 50)}.`,
        name.slice(0, 50),
      );
    }
    this.#fields[name] = String(value);
  }

  /** The file's bytes on their way to the import, hashed; stopping early leaves the stream open for #rest. */
  async *#through(file: Readable): AsyncGenerator<Buffer> {
    for await (const chunk of file.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      this.#file.update(chunk);
      yield chunk;
    }
  }

  /**
   * Whatever the import did not read, hashed to the end of the file. A file cut short (the stream
   * destroyed, or over the size limit, which throws here) leaves no whole body to fingerprint.
   */
  async #rest(file: Readable): Promise<void> {
    if (file.destroyed && !file.readableEnded) return;
    for await (const chunk of file as AsyncIterable<Buffer>) this.#file.update(chunk);
    this.#fileRead = true;
  }
}

async function drain(part: MultipartFile): Promise<void> {
  if (part.file.readableEnded || part.file.destroyed) return;
  part.file.resume();
  await new Promise<void>((done) => {
    part.file.once('end', done);
    part.file.once('close', done);
    part.file.once('error', () => done());
  });
}
