// Refunds as they go over the wire: amounts are JSON integers of VND, times Unix seconds (docs/api.md).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import { REFUND_STATUSES, type RefundStatus } from '../refunds.repository';

export class CreateRefundDto {
  @ApiProperty({ example: 'pi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P', description: 'A succeeded payment intent.' })
  payment_intent!: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'VND. Absent: all that is left to refund. Less than the payment: a partial refund.',
  })
  amount?: number;
  @ApiProperty({ maxLength: 255, example: 'Nộp trùng lệ phí', description: 'Sent to the gateway.' })
  reason!: string;
}

export class RefundDto {
  @ApiProperty({ example: 're_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['refund'] })
  object!: 'refund';
  @ApiProperty({ description: 'The biller id.' })
  biller!: string;
  @ApiProperty({ description: 'The payment intent refunded.' })
  payment_intent!: string;
  @ApiProperty({ enum: ['vnpay', 'momo', 'zalopay', 'vietqr'] })
  gateway!: string;
  @ApiProperty({ type: 'integer', description: 'VND.' })
  amount!: number;
  @ApiProperty({ enum: ['VND'] })
  currency!: 'VND';
  @ApiProperty()
  reason!: string;
  @ApiProperty({
    enum: REFUND_STATUSES,
    description:
      'pending: the gateway has not confirmed yet (the hub asks again later); succeeded; failed: the gateway refused, nothing was refunded.',
  })
  status!: RefundStatus;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it failed: `<gateway>_<code>`.' })
  failure_code!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The gateway’s id of the refund.' })
  gateway_refund_id!: string | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    enum: ['cancelled', 'refund_receipt'],
    description: 'Once succeeded: the original receipt was cancelled, or a refund receipt was issued.',
  })
  receipt_action!: 'cancelled' | 'refund_receipt' | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The cancelled receipt or the refund receipt (GET /v1/receipts/{id}).',
  })
  receipt!: string | null;
  @ApiProperty({ type: 'integer' })
  created!: number;
}

export class RefundListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [RefundDto] })
  data!: RefundDto[];
}
