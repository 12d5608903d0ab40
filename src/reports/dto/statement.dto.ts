// The JSON statement as the OpenAPI document describes it (docs/reports.md): amounts are JSON integers
// of VND, times Unix seconds; CSV and XLSX carry the same figures.
import { ApiProperty } from '@nestjs/swagger';

class CountAmountDto {
  @ApiProperty({ type: 'integer' })
  count!: number;
  @ApiProperty({ type: 'integer', description: 'VND.' })
  amount!: number;
}

class ReceiptLineDto {
  @ApiProperty()
  fee_name!: string;
  @ApiProperty({ type: 'integer' })
  amount!: number;
}

class StatementReceiptDto {
  @ApiProperty({ example: 'rcp_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  receipt!: string;
  @ApiProperty({ type: 'integer' })
  number!: number;
  @ApiProperty()
  template!: string;
  @ApiProperty()
  series!: string;
  @ApiProperty({ enum: ['issued', 'cancelled'] })
  status!: string;
  @ApiProperty()
  payer!: string;
  @ApiProperty({ type: [ReceiptLineDto] })
  lines!: ReceiptLineDto[];
  @ApiProperty({ type: 'integer' })
  amount!: number;
  @ApiProperty({ enum: ['vnpay', 'momo', 'zalopay', 'vietqr'] })
  method!: string;
  @ApiProperty({ type: 'string', nullable: true })
  gateway_transaction_id!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  payment_intent!: string | null;
  @ApiProperty({
    type: 'integer',
    description: 'The gateway fee deducted from the agency (FEE_BEARER=biller), else 0.',
  })
  gateway_fee!: number;
  @ApiProperty({ type: 'integer' })
  paid_at!: number;
  @ApiProperty({
    type: 'integer',
    description: 'When the ledger booked the payment: what places it in the period.',
  })
  booked_at!: number;
}

class StatementRefundDto {
  @ApiProperty()
  refund!: string;
  @ApiProperty()
  payment_intent!: string;
  @ApiProperty({ type: 'integer' })
  amount!: number;
  @ApiProperty()
  method!: string;
  @ApiProperty({ type: 'string', nullable: true })
  gateway_refund_id!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The receipt of the payment refunded.' })
  receipt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true })
  receipt_number!: number | null;
  @ApiProperty({ type: 'string', nullable: true })
  template!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  series!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  payer!: string | null;
  @ApiProperty({ type: 'string', nullable: true, enum: ['cancelled', 'refund_receipt'] })
  receipt_action!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  refund_receipt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true })
  refund_receipt_number!: number | null;
  @ApiProperty({ type: 'string', nullable: true })
  refund_receipt_template!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  refund_receipt_series!: string | null;
  @ApiProperty({ type: 'integer' })
  booked_at!: number;
}

class StatementPayoutDto {
  @ApiProperty()
  payout!: string;
  @ApiProperty()
  payout_item!: string;
  @ApiProperty({ type: 'integer' })
  amount!: number;
  @ApiProperty({ type: 'integer' })
  booked_at!: number;
}

class StatementAdjustmentDto {
  @ApiProperty({ example: 'recon:rcx_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P:fee_adjustment' })
  transfer!: string;
  @ApiProperty({ example: 'rcx_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  reconciliation_exception!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'fee_adjustment' })
  action!: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  payment_intent!: string | null;
  @ApiProperty({
    type: 'integer',
    description: 'VND, signed: + the agency is owed more, − less (a reconciliation resolution).',
  })
  amount!: number;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  booked_at!: number;
}

class FeeTotalDto {
  @ApiProperty()
  fee_name!: string;
  @ApiProperty({ type: 'integer', description: 'Receipt lines with this fee name.' })
  count!: number;
  @ApiProperty({ type: 'integer' })
  amount!: number;
}

class MethodTotalDto {
  @ApiProperty()
  method!: string;
  @ApiProperty({ type: CountAmountDto })
  payments!: CountAmountDto;
  @ApiProperty({ type: CountAmountDto })
  refunds!: CountAmountDto;
  @ApiProperty({ type: 'integer' })
  net!: number;
  @ApiProperty({ example: '66.67', description: 'Percent of the period’s payments (count), 2 decimals.' })
  percent_of_count!: string;
  @ApiProperty({ example: '75.00', description: 'Percent of the period’s payments (amount), 2 decimals.' })
  percent_of_amount!: string;
}

class StatementTotalsDto {
  @ApiProperty({ type: CountAmountDto })
  payments!: CountAmountDto;
  @ApiProperty({ type: CountAmountDto })
  refunds!: CountAmountDto;
  @ApiProperty({
    type: CountAmountDto,
    description: 'Gateway fees deducted from the agency (FEE_BEARER=biller).',
  })
  gateway_fees!: CountAmountDto;
  @ApiProperty({
    type: CountAmountDto,
    description: 'Reconciliation adjustments of the payable (signed amount).',
  })
  adjustments!: CountAmountDto;
  @ApiProperty({ type: 'integer', description: 'payments − refunds − gateway_fees + adjustments.' })
  net!: number;
  @ApiProperty({ type: CountAmountDto })
  payouts!: CountAmountDto;
  @ApiProperty({ type: 'integer', description: 'net − payouts: compared with ledger.net.' })
  payable_movement!: number;
  @ApiProperty({ type: [FeeTotalDto] })
  by_fee!: FeeTotalDto[];
  @ApiProperty({ type: [MethodTotalDto] })
  by_method!: MethodTotalDto[];
}

class CashlessShareDto {
  @ApiProperty({ type: 'integer' })
  bills_paid_through_hub!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Bills cancelled in the period: closed without a payment through the hub.',
  })
  bills_closed_otherwise!: number;
  @ApiProperty({ type: 'string', nullable: true, example: '75.00' })
  percent!: string | null;
}

class LedgerMovementDto {
  @ApiProperty({ example: 'payable:blr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P' })
  account!: string;
  @ApiProperty({ type: 'integer' })
  payable_credits!: number;
  @ApiProperty({ type: 'integer' })
  payable_debits!: number;
  @ApiProperty({ type: 'integer' })
  net!: number;
}

export class StatementDto {
  @ApiProperty({ enum: ['statement'] })
  object!: 'statement';
  @ApiProperty()
  biller!: string;
  @ApiProperty()
  biller_name!: string;
  @ApiProperty({ example: '2026-12-01' })
  from!: string;
  @ApiProperty({ example: '2026-12-31' })
  to!: string;
  @ApiProperty({ enum: ['+07:00'] })
  timezone!: string;
  @ApiProperty({
    type: 'integer',
    description: 'The period’s first instant (00:00 of `from`, Vietnam time).',
  })
  start!: number;
  @ApiProperty({
    type: 'integer',
    description: 'The instant after the period (00:00 of the day after `to`).',
  })
  end!: number;
  @ApiProperty({ type: [StatementReceiptDto] })
  receipts!: StatementReceiptDto[];
  @ApiProperty({ type: [StatementRefundDto] })
  refunds!: StatementRefundDto[];
  @ApiProperty({ type: [StatementPayoutDto] })
  payouts!: StatementPayoutDto[];
  @ApiProperty({
    type: [StatementAdjustmentDto],
    description: "Reconciliation resolutions that moved the agency's payable.",
  })
  adjustments!: StatementAdjustmentDto[];
  @ApiProperty({ type: StatementTotalsDto })
  totals!: StatementTotalsDto;
  @ApiProperty({ type: CashlessShareDto })
  cashless_share!: CashlessShareDto;
  @ApiProperty({ type: LedgerMovementDto })
  ledger!: LedgerMovementDto;
  @ApiProperty({ description: 'totals.payable_movement equals ledger.net.' })
  ties!: boolean;
}
