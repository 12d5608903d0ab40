// Authentication for routes that a biller may call: `Authorization: Bearer <API key>` (or, where the
// route allows it, the admin token). The guard records the caller (src/auth/principal.ts) so every
// module can scope its queries to the biller; later modules use @Authenticated(...) the same way.
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { tokenMatches } from '../auth/admin-token';
import { ADMIN_TOKEN_DIGEST, bearerToken } from '../auth/admin.guard';
import { AuthError } from '../auth/auth.errors';
import { type Principal, setPrincipal } from '../auth/principal';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ADMIN_SECURITY } from '../ledger/ledger.controller';
import { hashApiKey, looksLikeApiKey } from './api-key-material';
import { BillerError } from './billers.errors';
import { BillersRepository } from './billers.repository';

/** The OpenAPI security scheme of biller API keys. */
export const BILLER_SECURITY = 'biller';

export type CallerKind = Principal['kind'];

const ALLOWED_CALLERS = Symbol('ALLOWED_CALLERS');

@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly billers: BillersRepository,
    @Inject(ADMIN_TOKEN_DIGEST) private readonly adminDigest: Buffer,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<CallerKind[] | undefined>(ALLOWED_CALLERS, [
      context.getHandler(),
      context.getClass(),
    ]);
    // A route behind this guard without @Authenticated is a bug: refuse rather than let anyone in.
    if (!allowed || allowed.length === 0) throw new Error('CallerGuard needs @Authenticated(...)');
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const adminOnly = !allowed.includes('biller');
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      if (adminOnly)
        throw new AuthError(
          'admin_token_missing',
          'This endpoint needs an `Authorization: Bearer <admin token>` header.',
        );
      throw new BillerError(
        'api_key_missing',
        'This endpoint needs an `Authorization: Bearer <API key>` header.',
      );
    }
    const principal = await this.identify(bearerToken(header), allowed);
    if (principal) {
      setPrincipal(request, principal);
      return true;
    }
    // One answer for unknown, revoked and expired keys alike; the message never echoes the token.
    if (adminOnly) throw new AuthError('admin_token_invalid', 'The admin token is not valid.');
    throw new BillerError('api_key_invalid', 'The API key is not valid: unknown, revoked or expired.');
  }

  private async identify(token: string | undefined, allowed: CallerKind[]): Promise<Principal | null> {
    if (token === undefined) return null;
    if (allowed.includes('admin') && tokenMatches(this.adminDigest, token)) return { kind: 'admin' };
    if (!allowed.includes('biller') || !looksLikeApiKey(token)) return null;
    const key = await this.billers.findActiveKey(hashApiKey(token));
    return key ? { kind: 'biller', biller_id: key.biller_id, key_id: key.key_id } : null;
  }
}

/**
 * Lets in the listed callers and documents it: `@Authenticated('admin')`, `@Authenticated('biller')`,
 * `@Authenticated('admin', 'biller')`. The module of the controller must import BillersModule.
 */
export function Authenticated(...callers: [CallerKind, ...CallerKind[]]) {
  return applyDecorators(
    SetMetadata(ALLOWED_CALLERS, callers),
    UseGuards(CallerGuard),
    ...callers.map((caller) => ApiBearerAuth(caller === 'admin' ? ADMIN_SECURITY : BILLER_SECURITY)),
    ApiUnauthorizedResponse({
      type: ErrorBodyDto,
      description: `No credentials, or wrong ones (accepted: ${callers.join(' or ')}).`,
    }),
  );
}
