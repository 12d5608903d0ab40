// The ledger verification report as it goes over the wire: amounts are bigint, so they are strings.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const AMOUNT = {
  type: 'string',
  pattern: '^-?[0-9]+$',
  description: 'Minor units, as a decimal string.',
} as const;

export class CurrencyTotalsDto {
  @ApiProperty({ example: 'VND' })
  currency!: string;
  @ApiProperty(AMOUNT)
  debits_posted!: string;
  @ApiProperty(AMOUNT)
  credits_posted!: string;
  @ApiProperty(AMOUNT)
  debits_pending!: string;
  @ApiProperty(AMOUNT)
  credits_pending!: string;
}

export class VerifyFaultDto {
  @ApiProperty({
    enum: [
      'balance_mismatch',
      'history_mismatch',
      'currency_unbalanced',
      'limit_exceeded',
      'bad_resolution',
      'currency_mismatch',
    ],
  })
  kind!: string;
  @ApiPropertyOptional()
  account_id?: string;
  @ApiPropertyOptional()
  transfer_id?: string;
  @ApiPropertyOptional()
  currency?: string;
  @ApiProperty()
  detail!: string;
}

export class VerifyReportDto {
  @ApiProperty({ description: 'True when no invariant is broken.' })
  ok!: boolean;
  @ApiProperty({ type: 'integer' })
  accounts_checked!: number;
  @ApiProperty({ type: 'integer' })
  transfers_checked!: number;
  @ApiProperty({ type: [CurrencyTotalsDto] })
  totals!: CurrencyTotalsDto[];
  @ApiProperty({ type: [VerifyFaultDto], description: 'At most 100 per kind of check.' })
  faults!: VerifyFaultDto[];
}
