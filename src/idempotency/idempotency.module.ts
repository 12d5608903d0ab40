// Idempotency-Key handling: the interceptor each controller with POSTs under /v1 carries
// (`@IdempotentPosts()`), the same for a route whose body streams (StreamedIdempotency), the hourly
// sweep, and the OpenAPI additions that document the header on those POSTs. Global, so that a controller of any module can carry the interceptor.
import { Global, Module } from '@nestjs/common';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencySweeper } from './idempotency.sweeper';
import { StreamedIdempotency } from './streamed-idempotency';

@Global()
@Module({
  providers: [IdempotencyRepository, IdempotencySweeper, StreamedIdempotency],
  exports: [IdempotencyRepository, StreamedIdempotency],
})
export class IdempotencyModule {}
