// Payment intents as they go over the wire: amounts are JSON integers of VND, times Unix seconds
// (docs/api.md). next_action is what the payer's browser does next, shown while the intent waits for it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import {
  PAYMENT_INTENT_METHODS,
  PAYMENT_INTENT_STATUSES,
  type PaymentIntentMethod,
  type PaymentIntentStatus,
} from '../payment-intents.repository';

export class CreatePaymentIntentDto {
  @ApiProperty({ example: 'bill_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  bill_id!: string;
  @ApiProperty({ enum: PAYMENT_INTENT_METHODS })
  method!: PaymentIntentMethod;
  @ApiPropertyOptional({
    description: 'Where the gateway sends the payer back; HUB_PUBLIC_URL/v1/checkout/return when absent.',
  })
  return_url?: string;
}

export class NextActionDto {
  @ApiProperty({ enum: ['redirect', 'deeplink', 'vietqr'] })
  type!: 'redirect' | 'deeplink' | 'vietqr';
  @ApiPropertyOptional({ description: 'redirect, deeplink: where to send the payer.' })
  url?: string;
  @ApiPropertyOptional({ description: 'vietqr: the EMVCo payload to show as a QR code.' })
  payload?: string;
  @ApiPropertyOptional({ description: 'vietqr: the same code as a PNG image, public.' })
  png_url?: string;
}

export class PaymentIntentDto {
  @ApiProperty({ example: 'pi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['payment_intent'] })
  object!: 'payment_intent';
  @ApiProperty({ description: 'The biller id.' })
  biller!: string;
  @ApiProperty({ description: 'The bill id.' })
  bill!: string;
  @ApiProperty({ enum: PAYMENT_INTENT_METHODS })
  method!: PaymentIntentMethod;
  @ApiProperty({ enum: PAYMENT_INTENT_STATUSES })
  status!: PaymentIntentStatus;
  @ApiProperty({ type: 'integer', description: 'VND: the bill’s amount due when the intent was made.' })
  amount!: number;
  @ApiProperty({ enum: ['VND'] })
  currency!: 'VND';
  @ApiProperty({ description: 'The reference every gateway echoes back (PZ + 12), docs/adr/0004.' })
  reference!: string;
  @ApiProperty({ type: NextActionDto, nullable: true, description: 'Only while status is requires_action.' })
  next_action!: NextActionDto | null;
  @ApiProperty()
  return_url!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it failed: the gateway’s code.' })
  failure_code!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The receipt id, once succeeded.' })
  receipt!: string | null;
  @ApiProperty({ type: 'integer' })
  created!: number;
  @ApiProperty({ type: 'integer' })
  expires_at!: number;
}

export class PaymentIntentListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [PaymentIntentDto] })
  data!: PaymentIntentDto[];
}
