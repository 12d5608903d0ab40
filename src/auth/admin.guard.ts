// Guards the admin API: `Authorization: Bearer <admin token>`, compared in constant time.
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { tokenMatches } from './admin-token';
import { AuthError } from './auth.errors';
import { setPrincipal } from './principal';

/** Injection token of the SHA-256 digest of the admin token (the token itself is not kept). */
export const ADMIN_TOKEN_DIGEST = Symbol('ADMIN_TOKEN_DIGEST');

const BEARER = /^Bearer +([^\s]+) *$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for any other form. */
export function bearerToken(header: string): string | undefined {
  return BEARER.exec(header)?.[1];
}

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN_DIGEST) private readonly digest: Buffer) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      throw new AuthError(
        'admin_token_missing',
        'This endpoint needs an `Authorization: Bearer <admin token>` header.',
      );
    }
    const presented = bearerToken(header);
    if (presented === undefined || !tokenMatches(this.digest, presented)) {
      throw new AuthError('admin_token_invalid', 'The admin token is not valid.');
    }
    setPrincipal(request, { kind: 'admin' });
    return true;
  }
}
