// The body of POST /v1/billers: its OpenAPI shape and the strict check that turns a raw body into it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  objectBody,
  optionalHttpUrl,
  optionalString,
  requiredEnum,
  requiredString,
} from '../../common/validation';
import { BILLER_KINDS, type BillerKind } from '../billers.repository';

export const BILLER_NAME_MAX_LENGTH = 200;
/** Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 for a branch. */
const TAX_ID = /^[0-9]{10}(-[0-9]{3})?$/;

export class CreateBillerDto {
  @ApiProperty({ maxLength: BILLER_NAME_MAX_LENGTH, example: 'Sở Giao thông Vận tải' })
  name!: string;

  @ApiProperty({ enum: BILLER_KINDS })
  kind!: BillerKind;

  @ApiPropertyOptional({ type: 'string', nullable: true, pattern: TAX_ID.source, example: '0312345678' })
  tax_id?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    format: 'uri',
    maxLength: 2048,
    description: 'Where the hub delivers signed events; http or https.',
  })
  webhook_url?: string | null;
}

export interface CreateBillerInput {
  name: string;
  kind: BillerKind;
  tax_id: string | null;
  webhook_url: string | null;
}

export function parseCreateBiller(body: unknown): CreateBillerInput {
  const fields = objectBody(body, ['name', 'kind', 'tax_id', 'webhook_url']);
  const name = requiredString(fields, 'name', { max_length: BILLER_NAME_MAX_LENGTH }).trim();
  return {
    name,
    kind: requiredEnum(fields, 'kind', BILLER_KINDS),
    tax_id: optionalString(fields, 'tax_id', {
      max_length: 14,
      pattern: TAX_ID,
      pattern_hint: 'must be a tax code of 10 digits, or 10 digits, a dash and 3 digits',
    }),
    webhook_url: optionalHttpUrl(fields, 'webhook_url'),
  };
}
