// The reconciliation API's answers: a run (one imported settlement file) and its exceptions.
import { ApiProperty } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import { EXCEPTION_KINDS, type ExceptionKind } from '../reconciliation.matcher';
import { EXCEPTION_STATUSES, type ExceptionStatus } from '../reconciliation.repository';

const GATEWAYS = ['vnpay', 'momo', 'zalopay', 'vietqr'] as const;

export class ReconciliationRunDto {
  @ApiProperty({ example: 'rcn_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['reconciliation_run'] })
  object!: 'reconciliation_run';
  @ApiProperty({ enum: GATEWAYS })
  gateway!: string;
  @ApiProperty({ example: '2026-11-21', description: 'The Vietnam calendar day the file covers.' })
  date!: string;
  @ApiProperty({
    enum: ['matched', 'completed'],
    description:
      'matched: imported and matched; completed: missing_in_hub rows also confirmed at the gateway.',
  })
  status!: string;
  @ApiProperty({ description: "SHA-256 of the file's bytes (hex): the same file again finds this run." })
  file_sha256!: string;
  @ApiProperty({ type: 'integer' })
  file_bytes!: number;
  @ApiProperty({ type: 'integer' })
  rows!: number;
  @ApiProperty({ type: 'integer' })
  payment_rows!: number;
  @ApiProperty({ type: 'integer' })
  refund_rows!: number;
  @ApiProperty({ type: 'integer', description: 'Rows that agree with the hub.' })
  matched!: number;
  @ApiProperty({ type: 'integer', description: 'Exceptions found (file rows and hub items).' })
  exceptions!: number;
  @ApiProperty({ type: 'integer', description: "VND, the file's total of amounts." })
  amount_total!: number;
  @ApiProperty({ type: 'integer', description: "VND, the file's total of fees." })
  fee_total!: number;
  @ApiProperty({
    type: 'integer',
    description:
      "VND the gateway pays out: succeeded payments' amount − fee, less succeeded refunds; booked " +
      'bank:collection ← clearing:<gateway>.',
  })
  payout!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'The ledger transfer of the payout.' })
  settlement_transfer!: string | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      "clearing:<gateway>'s balance once the run completed (VND): 0 when every day so far is fully " +
      'settled; anything else is residue to explain.',
  })
  clearing_balance!: number | null;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  completed_at!: number | null;
}

export class ReconcileAnswerDto extends ReconciliationRunDto {
  @ApiProperty({ description: 'false: this very file was imported before; nothing changed.' })
  created_now!: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Exceptions found by kind (empty on a repeated import).',
  })
  exceptions_by_kind!: Record<string, number>;
  @ApiProperty({
    type: 'integer',
    description:
      'Open missing_in_gateway exceptions of other days that this file lists (a payment around midnight ' +
      'on the next or previous day’s file), resolved as timing_difference by this import.',
  })
  timing_differences!: number;
  @ApiProperty({
    type: 'integer',
    description: 'missing_in_hub payments the gateway confirmed and the hub posted late.',
  })
  confirmed!: number;
}

export class ReconciliationRunListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [ReconciliationRunDto] })
  data!: ReconciliationRunDto[];
}

export class ReconciliationExceptionDto {
  @ApiProperty({ example: 'rcx_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['reconciliation_exception'] })
  object!: 'reconciliation_exception';
  @ApiProperty()
  run!: string;
  @ApiProperty({ enum: GATEWAYS })
  gateway!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS })
  kind!: ExceptionKind;
  @ApiProperty({ enum: EXCEPTION_STATUSES })
  status!: ExceptionStatus;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "The file's line; null for missing_in_gateway.",
  })
  line!: number | null;
  @ApiProperty({ enum: ['payment', 'refund'] })
  row_kind!: string;
  @ApiProperty({ type: 'string', nullable: true })
  merchant_ref!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  gateway_txn_id!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  refund_ref!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  payment_intent!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  refund!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'VND, as the file says.' })
  file_amount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'VND, as the hub has it.' })
  hub_amount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  file_fee!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The configured fee (fee_mismatch).' })
  expected_fee!: number | null;
  @ApiProperty({ type: 'string', nullable: true })
  file_status!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  hub_status!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "first_line for a duplicate; the gateway query's answer for missing_in_hub.",
  })
  details!: Record<string, unknown>;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'How it was resolved (late_capture, held_in_suspense, ...).',
  })
  resolution!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  resolved_at!: number | null;
  @ApiProperty({ type: 'string', nullable: true })
  resolved_by!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The ledger transfer of the resolution.' })
  transfer!: string | null;
  @ApiProperty({ type: [String], description: 'Every ledger transfer the resolution posted.' })
  transfers!: string[];
  @ApiProperty({ type: 'string', nullable: true, description: "The operator's reason for the resolution." })
  resolution_reason!: string | null;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
}

export class ReconciliationAuditDto {
  @ApiProperty({ enum: ['reconciliation_audit'] })
  object!: 'reconciliation_audit';
  @ApiProperty({ enum: ['late_capture', 'refund', 'write_off', 'fee_adjustment', 'timing_difference'] })
  action!: string;
  @ApiProperty({
    description:
      'What the action became: late_capture, held_in_suspense, refund, write_off, write_off_to_suspense, ' +
      'fee_adjustment; timing_difference (operator `reconciliation`): another day’s file listed the item.',
  })
  resolution!: string;
  @ApiProperty()
  reason!: string;
  @ApiProperty()
  operator!: string;
  @ApiProperty({ type: [String], description: 'The ledger transfers posted (never empty).' })
  transfers!: string[];
  @ApiProperty({ type: 'integer', description: 'VND moved (signed for write-offs and fee adjustments).' })
  amount!: number;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
}

export class ReconciliationExceptionDetailDto extends ReconciliationExceptionDto {
  @ApiProperty({
    type: [String],
    description: 'The actions that fit this exception (late_capture, refund, write_off, fee_adjustment).',
  })
  actions!: string[];
  @ApiProperty({ type: [ReconciliationAuditDto], description: 'The audit trail, oldest first.' })
  audit!: ReconciliationAuditDto[];
}

export class ResolveExceptionDto {
  @ApiProperty({ enum: ['late_capture', 'refund', 'write_off', 'fee_adjustment'] })
  action!: string;
  @ApiProperty({ maxLength: 500, example: 'VNPay confirmed the transaction by phone (ticket 4411).' })
  reason!: string;
  @ApiProperty({ maxLength: 200, example: 'Nguyễn Văn An' })
  operator!: string;
}

export class ScheduledRunDto {
  @ApiProperty({
    required: false,
    example: '2026-11-21',
    description: 'The Vietnam day whose files to reconcile; absent: yesterday (Vietnam time).',
  })
  date?: string;
}

export class ReconciliationReportDto {
  @ApiProperty({ example: 'rcr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  id!: string;
  @ApiProperty({ enum: ['reconciliation_report'] })
  object!: 'reconciliation_report';
  @ApiProperty({ example: '2026-11-21' })
  date!: string;
  @ApiProperty({ enum: ['cron', 'manual'] })
  trigger!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'files (each: file, gateway, result imported|unchanged|refused, run, exceptions_by_kind, confirmed, ' +
      'error {code, message}), found, imported, unchanged, refused, exceptions_by_kind, janitor (its counts).',
  })
  report!: Record<string, unknown>;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
}

export class ReconciliationReportListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [ReconciliationReportDto] })
  data!: ReconciliationReportDto[];
}

export class ReconciliationExceptionListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [ReconciliationExceptionDto] })
  data!: ReconciliationExceptionDto[];
}
