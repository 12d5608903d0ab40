// Billers and their API keys as they go over the wire. Times are Unix seconds (after Stripe); the
// webhook secret and an API key appear only in the answer that created them.
import { ApiProperty } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import { BILLER_KINDS, type BillerKind } from '../billers.repository';

export class BillerDto {
  @ApiProperty({ example: 'blr_01JD3M0Q8XK6W1E9T3V4R5S6P7' })
  id!: string;
  @ApiProperty({ enum: ['biller'] })
  object!: 'biller';
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: BILLER_KINDS })
  kind!: BillerKind;
  @ApiProperty({ type: 'string', nullable: true })
  tax_id!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  webhook_url!: string | null;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
}

export class CreatedBillerDto extends BillerDto {
  @ApiProperty({ description: 'Shown this once; the hub keeps only its hash.', example: 'phk_…' })
  api_key!: string;
  @ApiProperty({
    description: 'Signs the webhooks sent to webhook_url; shown this once.',
    example: 'whsec_…',
  })
  webhook_secret!: string;
}

export class BillerListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [BillerDto] })
  data!: BillerDto[];
}

export class ApiKeyDto {
  @ApiProperty({ example: 'key_01JD3M0Q8XK6W1E9T3V4R5S6P7' })
  id!: string;
  @ApiProperty({ enum: ['api_key'] })
  object!: 'api_key';
  @ApiProperty()
  biller!: string;
  @ApiProperty({
    description: 'The first characters of the key, to tell keys apart.',
    example: 'phk_Ab3dE9fG',
  })
  prefix!: string;
  @ApiProperty({ description: 'Whether the key works now.' })
  active!: boolean;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds; when the key stops working.' })
  expires_at!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  revoked_at!: number | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'Shown this once; the hub keeps only its hash.', example: 'phk_…' })
  api_key!: string;
}

export class ApiKeyListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [ApiKeyDto] })
  data!: ApiKeyDto[];
}
