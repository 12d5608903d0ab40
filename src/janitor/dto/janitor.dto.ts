// The janitor's admin answers: the counts of one run, and the intents left unsettled after a query.
import { ApiProperty } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import {
  PAYMENT_INTENT_METHODS,
  type PaymentIntentMethod,
} from '../../payment-intents/payment-intents.repository';

export class JanitorRunDto {
  @ApiProperty({ enum: ['janitor_run'] })
  object!: 'janitor_run';
  @ApiProperty({ type: 'integer', description: 'Intents asked about at their gateway.' })
  queried!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, paid (applied once, as a callback is).' })
  succeeded!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, failed at the gateway.' })
  failed!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Of those, without a final word (pending, unknown order, unreachable): see /v1/janitor/unresolved.',
  })
  unresolved!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Intents stored expired (no payment known; the bill stays open).',
  })
  intents_expired!: number;
  @ApiProperty({ type: 'integer', description: 'Open bills past their expiry stored expired.' })
  bills_expired!: number;
}

export class UnresolvedIntentDto {
  @ApiProperty({ example: 'pi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['payment_intent'] })
  object!: 'payment_intent';
  @ApiProperty()
  biller!: string;
  @ApiProperty()
  bill!: string;
  @ApiProperty({ enum: PAYMENT_INTENT_METHODS })
  method!: PaymentIntentMethod;
  @ApiProperty({ enum: ['processing'] })
  status!: 'processing';
  @ApiProperty({ type: 'integer', description: 'VND.' })
  amount!: number;
  @ApiProperty({ description: 'The reference the gateway knows the payment by.' })
  reference!: string;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  expires_at!: number;
  @ApiProperty({ type: 'integer', description: 'When the janitor last asked the gateway (Unix seconds).' })
  last_queried_at!: number;
  @ApiProperty({ type: 'integer', description: 'How many times the gateway was asked.' })
  query_attempts!: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'What the last query found: `<status>:<gateway code>`, `unreachable` or `rejected:<reason>`.',
  })
  last_query_result!: string | null;
}

export class UnresolvedIntentListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [UnresolvedIntentDto] })
  data!: UnresolvedIntentDto[];
}
