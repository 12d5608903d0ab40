// The body of POST /v1/receipts/verify and its answer. A JWS that is present but wrong is not a bad
// request: it answers 200 with valid: false and the reason; only a missing or non-string jws is a 400.
import { ApiProperty } from '@nestjs/swagger';
import { objectBody, requiredString } from '../../common/validation';
import { CancellationDto, ReceiptBodyDto } from './receipt.dto';

/** Far above any receipt this hub signs (a few kilobytes), far below anything that costs to parse. */
export const JWS_MAX_LENGTH = 65_536;

export const VERIFY_FAILURES = [
  'malformed',
  'unknown_kid',
  'bad_signature',
  'unknown_receipt',
  'cancelled',
] as const;
export type VerifyFailureReason = (typeof VERIFY_FAILURES)[number];

export class VerifyReceiptDto {
  @ApiProperty({ description: 'A receipt’s (or a cancellation’s) compact JWS.', maxLength: JWS_MAX_LENGTH })
  jws!: string;
}

export class ReceiptVerificationDto {
  @ApiProperty({ enum: ['receipt_verification'] })
  object!: 'receipt_verification';
  @ApiProperty()
  valid!: boolean;
  @ApiProperty({ enum: VERIFY_FAILURES, nullable: true, description: 'Why not valid; null when valid.' })
  reason!: VerifyFailureReason | null;
  @ApiProperty({
    enum: ['receipt', 'receipt_cancellation'],
    nullable: true,
    description: 'What the JWS signs.',
  })
  kind!: 'receipt' | 'receipt_cancellation' | null;
  @ApiProperty({
    type: ReceiptBodyDto,
    nullable: true,
    description: 'The signed receipt, when the signature holds.',
  })
  receipt!: ReceiptBodyDto | null;
  @ApiProperty({ type: CancellationDto, nullable: true })
  cancellation!: CancellationDto | null;
}

export function parseVerifyReceipt(body: unknown): { jws: string } {
  const fields = objectBody(body, ['jws']);
  return { jws: requiredString(fields, 'jws', { max_length: JWS_MAX_LENGTH }).trim() };
}
