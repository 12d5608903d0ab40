// The body of POST /v1/billers/:id/api_keys/:key_id/revoke: an optional grace period, so a biller can
// deploy its new key before the old one stops working.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { objectBody, optionalInteger } from '../../common/validation';

/** A week: long enough for any deployment, short enough that a forgotten old key still dies. */
export const REVOKE_GRACE_SECONDS_MAX = 7 * 24 * 60 * 60;

export class RevokeApiKeyDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: REVOKE_GRACE_SECONDS_MAX,
    default: 0,
    description: 'The key keeps working this long; 0 stops it at once.',
  })
  expires_in_seconds?: number;
}

export function parseRevokeApiKey(body: unknown): { expires_in_seconds: number } {
  const fields = objectBody(body, ['expires_in_seconds'], { optional: true });
  return {
    expires_in_seconds:
      optionalInteger(fields, 'expires_in_seconds', { min: 0, max: REVOKE_GRACE_SECONDS_MAX }) ?? 0,
  };
}
