// Payouts as they go over the wire: amounts are JSON integers of VND, times Unix seconds (docs/api.md).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';

export class PayoutAccountDto {
  @ApiProperty({ maxLength: 100, example: 'KBNN Tỉnh Đồng Nai', description: 'The treasury or bank.' })
  bank!: string;
  @ApiProperty({ maxLength: 34, example: '3511.0.1234567', description: 'Letters, digits, dots, dashes.' })
  account_number!: string;
  @ApiProperty({ maxLength: 200, example: 'Sở Tư pháp tỉnh Đồng Nai' })
  account_name!: string;
}

export class BillerPayoutAccountDto {
  @ApiProperty({ enum: ['payout_account'] })
  object!: 'payout_account';
  @ApiProperty()
  biller!: string;
  @ApiProperty({ type: PayoutAccountDto, nullable: true, description: 'null: not set yet.' })
  account!: PayoutAccountDto | null;
}

export class OwedDto {
  @ApiProperty()
  biller!: string;
  @ApiProperty()
  biller_name!: string;
  @ApiProperty({ type: 'integer', description: 'VND: the payable account’s posted balance.' })
  posted!: number;
  @ApiProperty({
    type: 'integer',
    description: 'VND reserved against it: refunds waiting for their gateway, payouts not yet confirmed.',
  })
  reserved!: number;
  @ApiProperty({ type: 'integer', description: 'VND: posted − reserved, what a new batch would pay.' })
  available!: number;
  @ApiProperty({ type: PayoutAccountDto, nullable: true })
  payout_account!: PayoutAccountDto | null;
}

export class OwedListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [OwedDto] })
  data!: OwedDto[];
}

export class CreatePayoutDto {
  @ApiPropertyOptional({
    type: [String],
    description: 'Pay only these billers (ids). Absent: every biller owed more than zero.',
  })
  billers?: string[];
}

export class PayoutItemDto {
  @ApiProperty({ example: 'poi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ type: 'integer' })
  line!: number;
  @ApiProperty()
  biller!: string;
  @ApiProperty()
  biller_name!: string;
  @ApiProperty({ type: 'integer', description: 'VND.' })
  amount!: number;
  @ApiProperty({ type: PayoutAccountDto, nullable: true, description: 'As it was when the batch was made.' })
  payout_account!: PayoutAccountDto | null;
}

export class PayoutDto {
  @ApiProperty({ example: 'po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['payout'] })
  object!: 'payout';
  @ApiProperty({
    enum: ['pending', 'confirmed', 'cancelled'],
    description:
      'pending: reserved in the ledger, the file ready for the bank; confirmed: posted payable → bank; cancelled: released.',
  })
  status!: string;
  @ApiProperty({ type: 'integer', description: 'VND, the sum of the items.' })
  amount!: number;
  @ApiProperty({ enum: ['VND'] })
  currency!: 'VND';
  @ApiProperty({ type: 'integer' })
  item_count!: number;
  @ApiProperty({ description: 'SHA-256 (hex) of the batch file before its checksum line.' })
  file_sha256!: string;
  @ApiProperty({ type: [PayoutItemDto] })
  items!: PayoutItemDto[];
  @ApiProperty({ type: 'integer' })
  created!: number;
  @ApiProperty({ type: 'integer', nullable: true })
  confirmed_at!: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  cancelled_at!: number | null;
}

export class PayoutSummaryDto {
  @ApiProperty()
  id!: string;
  @ApiProperty({ enum: ['payout'] })
  object!: 'payout';
  @ApiProperty({ enum: ['pending', 'confirmed', 'cancelled'] })
  status!: string;
  @ApiProperty({ type: 'integer' })
  amount!: number;
  @ApiProperty({ type: 'integer' })
  item_count!: number;
  @ApiProperty({ type: 'integer' })
  created!: number;
}

export class PayoutListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [PayoutSummaryDto] })
  data!: PayoutSummaryDto[];
}
