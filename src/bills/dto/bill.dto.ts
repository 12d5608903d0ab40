// Bills as they go over the wire. Amounts are JSON integers of VND, like the amounts a biller sends:
// every amount is capped far below 2^53 (DEFAULT_BILL_LIMITS), so a number carries it exactly.
// Times are Unix seconds (docs/api.md).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import {
  BILL_KINDS,
  HOSPITAL_STAGES,
  type BillKind,
  type BillStatus,
  type HospitalStage,
} from '../bill.schema';

export const BILL_STATUSES: readonly BillStatus[] = ['open', 'paid', 'expired', 'cancelled'];

export class PayerDto {
  @ApiProperty({ example: 'Nguyễn Văn An' })
  name!: string;
  @ApiProperty({ type: 'string', nullable: true, example: '079123456789' })
  id_number!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '+84901234567' })
  phone!: string | null;
}

export class PatientDto {
  @ApiProperty()
  name!: string;
  @ApiProperty({ type: 'string', nullable: true })
  id_number!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The BHYT card number.' })
  insurance_number!: string | null;
}

export class BillLineDto {
  @ApiProperty()
  name!: string;
  @ApiProperty({ type: 'integer', description: 'VND.' })
  amount!: number;
  @ApiPropertyOptional({ description: 'Fee bills: the act that sets the fee.' })
  legal_basis?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Final hospital bills: the insurer’s part, VND.' })
  insurance_covered?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Final hospital bills: the patient’s part, VND.' })
  patient_pays?: number;
}

export class BillDto {
  @ApiProperty({ example: 'bill_01JD3M0Q8XK6W1E9T3V4R5S6P7' })
  id!: string;
  @ApiProperty({ enum: ['bill'] })
  object!: 'bill';
  @ApiProperty({ description: 'The biller’s id.' })
  biller!: string;
  @ApiProperty({ enum: BILL_KINDS })
  kind!: BillKind;
  @ApiProperty({ description: 'The biller’s own id for the bill; one open or paid bill per kind has it.' })
  reference!: string;
  @ApiProperty({ type: PayerDto })
  payer!: PayerDto;
  @ApiProperty({ type: [BillLineDto] })
  lines!: BillLineDto[];
  @ApiProperty({
    type: 'integer',
    description: 'VND. Final hospital bills: the patient’s share, before deposits (see amount_due).',
  })
  amount!: number;
  @ApiProperty({ enum: ['VND'] })
  currency!: 'VND';
  @ApiProperty({ enum: BILL_STATUSES, description: 'An open bill past expires_at reads expired.' })
  status!: BillStatus;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  expires_at!: number | null;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
  @ApiPropertyOptional({
    description:
      'The payer’s checkout page: HUB_PUBLIC_URL/pay/<id>?sig=<HMAC>. Give it to the payer (SMS, e-mail, ' +
      'the city app); an unsigned or altered link opens nothing (docs/pages.md).',
    example: 'https://payhub.example.vn/pay/bill_01JD3M0Q8XK6W1E9T3V4R5S6P7?sig=3q2-7wAAAAB5d2Fkb3M',
  })
  checkout_url?: string;

  @ApiPropertyOptional({ description: 'Fee bills.' })
  procedure_code?: string;

  @ApiPropertyOptional({ description: 'Parking bills.' })
  lot?: string;
  @ApiPropertyOptional({ description: 'Parking bills, upper-cased.' })
  plate?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Parking bills; Unix seconds.' })
  entered_at?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Parking bills; Unix seconds.' })
  exited_at?: number;
  @ApiPropertyOptional({
    enum: ['tariff', 'lines'],
    description: 'Parking bills: whether the hub priced the stay or the operator did.',
  })
  amount_source?: 'tariff' | 'lines';

  @ApiPropertyOptional({ enum: HOSPITAL_STAGES, description: 'Hospital bills.' })
  stage?: HospitalStage;
  @ApiPropertyOptional({ description: 'Hospital bills.' })
  invoice_number?: string;
  @ApiPropertyOptional({ type: PatientDto, description: 'Hospital bills.' })
  patient?: PatientDto;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Final hospital bills: all lines, insurer’s part included.',
  })
  amount_total?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Final hospital bills.' })
  insurance_covered?: number;
  @ApiPropertyOptional({ type: [String], description: 'Final hospital bills: the deposits deducted.' })
  deposit_references?: string[];
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Final hospital bills: the deposits’ part of amount.',
  })
  deposit_applied?: number;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Final hospital bills: deposits beyond the share, owed back to the patient.',
  })
  deposit_refund?: number;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Final hospital bills: what the patient still pays, amount minus deposit_applied.',
  })
  amount_due?: number;
}

export class BillListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [BillDto] })
  data!: BillDto[];
}
