// A receipt over the wire. ReceiptBodyDto is exactly what the JWS signs (besides iss and iat): amounts
// and the number are decimal strings, times Unix seconds; ReceiptDto adds the state and the JWS itself.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PartyDto {
  @ApiProperty()
  name!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Tax code (collector) or ID number (payer).' })
  id_number!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  address!: string | null;
}

export class ReceiptLineDto {
  @ApiProperty({ example: 'Lệ phí cấp giấy phép lái xe' })
  fee_name!: string;
  @ApiProperty({ description: 'VND, a decimal string.', example: '135000' })
  amount!: string;
}

export class ReceiptBodyDto {
  @ApiProperty({ example: 'rcp_01JD3M0Q8XK6W1E9T3V4R5S6P7' })
  id!: string;
  @ApiProperty({ enum: ['receipt'] })
  object!: 'receipt';
  @ApiProperty()
  biller!: string;
  @ApiProperty({ example: 'Biên lai thu phí, lệ phí' })
  receipt_name!: string;
  @ApiProperty({ description: 'Ký hiệu mẫu biên lai.' })
  template_symbol!: string;
  @ApiProperty({ description: 'Ký hiệu biên lai.' })
  series_symbol!: string;
  @ApiProperty({ description: 'Gapless within the series, from 1; a decimal string.', example: '1' })
  number!: string;
  @ApiProperty({ type: PartyDto })
  collector!: PartyDto;
  @ApiProperty({ type: PartyDto })
  payer!: PartyDto;
  @ApiProperty({ type: 'string', nullable: true })
  bill!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  payment_intent!: string | null;
  @ApiProperty({ type: [ReceiptLineDto] })
  lines!: ReceiptLineDto[];
  @ApiProperty({ description: 'VND, a decimal string: the sum of the lines.', example: '150000' })
  amount!: string;
  @ApiProperty({ enum: ['VND'] })
  currency!: 'VND';
  @ApiProperty({ example: 'Một trăm năm mươi nghìn đồng' })
  amount_in_words!: string;
  @ApiProperty({ example: 'vnpay' })
  payment_method!: string;
  @ApiProperty({ type: 'string', nullable: true })
  gateway_transaction_id!: string | null;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  paid_at!: number;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  issued_at!: number;
  @ApiPropertyOptional({ enum: ['refund'], description: 'Refund receipts only (docs/refunds.md).' })
  kind?: 'refund';
  @ApiPropertyOptional({ type: 'string', description: 'Refund receipts only: the receipt refunded.' })
  refund_of?: string | null;
  @ApiPropertyOptional({ type: 'string', description: 'Refund receipts only: the refund id (re_…).' })
  refund?: string | null;
}

export class CancellationDto {
  @ApiProperty({ enum: ['receipt_cancellation'] })
  object!: 'receipt_cancellation';
  @ApiProperty()
  receipt!: string;
  @ApiProperty()
  biller!: string;
  @ApiProperty()
  template_symbol!: string;
  @ApiProperty()
  series_symbol!: string;
  @ApiProperty({ description: 'The cancelled receipt keeps its number.' })
  number!: string;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  cancelled_at!: number;
  @ApiProperty()
  reason!: string;
}

export class ReceiptDto extends ReceiptBodyDto {
  @ApiProperty({ enum: ['issued', 'cancelled'] })
  status!: 'issued' | 'cancelled';
  @ApiProperty({
    description: 'Compact JWS (EdDSA, Ed25519) over the receipt; keys at /.well-known/jwks.json.',
  })
  jws!: string;
  @ApiProperty({ type: CancellationDto, nullable: true })
  cancellation!: CancellationDto | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Compact JWS over the cancellation.' })
  cancellation_jws!: string | null;
}
