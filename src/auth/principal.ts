// Who is calling, as the guards established it: later code scopes every query by it (a biller only
// ever sees its own rows) and the Idempotency-Key records are kept per caller.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export type Principal = { kind: 'admin' } | { kind: 'biller'; biller_id: string; key_id: string };

const principals = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/** The caller a guard admitted, or null on a route without authentication. */
export function principalOf(request: FastifyRequest): Principal | null {
  return principals.get(request) ?? null;
}

/** The idempotency scope and the like: 'admin', or the biller's id. */
export function principalScope(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : principal.biller_id;
}

/** `@CurrentPrincipal() principal: Principal` in a handler behind a guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = principalOf(context.switchToHttp().getRequest<FastifyRequest>());
  // A handler that asks for the principal without a guard is a bug, not a client error.
  if (!principal) throw new Error('CurrentPrincipal used on a route without an authentication guard');
  return principal;
});
