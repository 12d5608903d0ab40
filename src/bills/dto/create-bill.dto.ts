// The body of POST /v1/bills for OpenAPI. The strict check is parseBillInput (../bill.schema.ts): the
// fields a kind allows differ, and every rule with its error code is in docs/bills.md.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BILL_KINDS, HOSPITAL_STAGES, type BillKind } from '../bill.schema';

export class CreateBillLineDto {
  @ApiProperty({ maxLength: 200 })
  name!: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description:
      'Whole VND as a JSON number (a string or a fraction is refused). Optional on final hospital lines.',
  })
  amount?: number;
  @ApiPropertyOptional({ maxLength: 300, description: 'Fee bills, required: the act that sets the fee.' })
  legal_basis?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Final hospital bills, required.' })
  insurance_covered?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Final hospital bills, required.' })
  patient_pays?: number;
}

export class CreateBillDto {
  @ApiProperty({ enum: BILL_KINDS })
  kind!: BillKind;
  @ApiProperty({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' })
  reference!: string;
  @ApiProperty({ example: { name: 'Nguyễn Văn An', id_number: '079123456789', phone: '+84901234567' } })
  payer!: Record<string, unknown>;
  @ApiPropertyOptional({
    type: [CreateBillLineDto],
    description: '1 to 100 lines. Parking bills may leave them out to be priced by the operator’s tariff.',
  })
  lines?: CreateBillLineDto[];
  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339 with its offset; within 366 days.' })
  expires_at?: string;
  @ApiPropertyOptional({ enum: ['VND'] })
  currency?: 'VND';
  @ApiPropertyOptional({
    type: 'integer',
    description: 'A checksum: must equal the amount the hub computes.',
  })
  amount?: number;
  @ApiPropertyOptional({ description: 'Fee bills, required.' })
  procedure_code?: string;
  @ApiPropertyOptional({ description: 'Parking bills, required.' })
  lot?: string;
  @ApiPropertyOptional({ description: 'Parking bills, required.' })
  plate?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Parking bills, required.' })
  entered_at?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Parking bills, required.' })
  exited_at?: string;
  @ApiPropertyOptional({ description: 'Hospital bills, required.' })
  invoice_number?: string;
  @ApiPropertyOptional({ description: 'Hospital bills, required: { name, id_number?, insurance_number? }.' })
  patient?: Record<string, unknown>;
  @ApiPropertyOptional({ enum: HOSPITAL_STAGES, description: 'Hospital bills, required.' })
  stage?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Final hospital bills: references of paid deposit bills of the same invoice to deduct.',
  })
  deposit_references?: string[];
}
