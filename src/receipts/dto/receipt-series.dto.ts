// A biller's receipt series (the symbols it registered with the tax authority) over the wire, and the
// strict check of the body of PUT /v1/billers/:id/receipt_series.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { objectBody, optionalString, requiredString, type StringRule } from '../../common/validation';

/** Letters, digits and the separators the circulars' formats use (`/`, `-`, `.`). */
const SYMBOL: StringRule = {
  max_length: 20,
  pattern: /^[A-Za-z0-9/.-]{1,20}$/,
  pattern_hint: 'must be 1 to 20 letters, digits, `/`, `-` or `.`',
};

export class ReceiptSeriesDto {
  @ApiProperty({ enum: ['receipt_series'] })
  object!: 'receipt_series';
  @ApiProperty()
  biller!: string;
  @ApiProperty({ example: 'Biên lai thu phí, lệ phí' })
  receipt_name!: string;
  @ApiProperty({ description: 'Ký hiệu mẫu biên lai.', example: '01BLP0-001' })
  template_symbol!: string;
  @ApiProperty({ description: 'Ký hiệu biên lai (the series).', example: 'AA/26E' })
  series_symbol!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Printed as the collector’s address.' })
  collector_address!: string | null;
  @ApiProperty({ description: 'true: nothing configured yet; these are the hub’s placeholders.' })
  is_default!: boolean;
}

export class SetReceiptSeriesDto {
  @ApiPropertyOptional({ maxLength: 200, default: 'Biên lai thu phí, lệ phí' })
  receipt_name?: string;
  @ApiProperty({ maxLength: 20, pattern: SYMBOL.pattern!.source })
  template_symbol!: string;
  @ApiProperty({ maxLength: 20, pattern: SYMBOL.pattern!.source })
  series_symbol!: string;
  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 300 })
  collector_address?: string | null;
}

export interface SetReceiptSeriesInput {
  receipt_name: string | null;
  template_symbol: string;
  series_symbol: string;
  collector_address: string | null;
}

export function parseSetReceiptSeries(body: unknown): SetReceiptSeriesInput {
  const fields = objectBody(body, ['receipt_name', 'template_symbol', 'series_symbol', 'collector_address']);
  return {
    receipt_name: optionalString(fields, 'receipt_name', { max_length: 200 })?.trim() ?? null,
    template_symbol: requiredString(fields, 'template_symbol', SYMBOL),
    series_symbol: requiredString(fields, 'series_symbol', SYMBOL),
    collector_address: optionalString(fields, 'collector_address', { max_length: 300 })?.trim() ?? null,
  };
}
