// Documents Idempotency-Key where the interceptor applies it (every POST under /v1 but the gateways'
// callbacks, as test/e2e/idempotency.test.ts holds the controllers to), so that no route has to
// document it on its own.
import type { OpenAPIObject } from '@nestjs/swagger';
import { IDEMPOTENCY_HEADER } from './idempotency.errors';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency.interceptor';

export function documentIdempotencyKeys(document: OpenAPIObject, error_body_ref: string): void {
  for (const [path, item] of Object.entries(document.paths)) {
    const post = item.post;
    if (!path.startsWith('/v1/') || path.startsWith('/v1/gateways/') || !post) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      {
        name: IDEMPOTENCY_HEADER,
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: '^[\\x20-\\x7e]+$' },
        description:
          'Retries with the same key and body within 24 h get the first answer back (with `Idempotent-Replayed: true`); ' +
          'the same key with another body or path answers 409 `idempotency_key_reused`, and while the first request ' +
          'runs, 409 `idempotency_key_in_use`.',
      },
    ];
    post.responses['409'] ??= {
      description: 'idempotency_key_reused or idempotency_key_in_use.',
      content: { 'application/json': { schema: { $ref: error_body_ref } } },
    };
  }
}
