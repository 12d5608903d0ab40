// The public keys receipts are signed with, as a JWK Set at the well-known address: the active key and
// every retired one, so a receipt signed years ago still verifies offline with any JOSE library.
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type PublicJwk, ReceiptSigningKeys } from './signing-keys';

/**
 * Five minutes: a verifier that meets a new kid refetches anyway (jose's remote JWK Set does), and a
 * rotation only adds keys, so a stale copy never rejects an old receipt.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

@ApiTags('receipts')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: ReceiptSigningKeys) {}

  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({ summary: 'The receipt signing keys (Ed25519, EdDSA), active and retired.' })
  @ApiOkResponse({ description: '{"keys": [JWK, ...]}, the active key first.' })
  jwks(): Promise<{ keys: PublicJwk[] }> {
    return this.keys.jwks();
  }
}
