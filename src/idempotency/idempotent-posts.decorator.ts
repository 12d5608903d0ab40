// Idempotency-Key on a controller's POSTs (idempotency.interceptor.ts). Every controller with POST
// routes under /v1 carries it; test/e2e/idempotency.test.ts walks the app's routes and fails for one
// that does not. The gateways' callbacks (/v1/gateways/...) do not: unauthenticated, they deduplicate
// by the gateway's own transaction id, and without an interceptor Nest runs their handler directly
// (an interceptor, even one that passes the request on, wraps every request in RxJS observables:
// ~3% of the hub's event loop under the confirmations' load, docs/adr/0007).
import { UseInterceptors } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor';

export const IdempotentPosts = (): ClassDecorator & MethodDecorator =>
  UseInterceptors(IdempotencyInterceptor);
