// The body and answer of PUT /v1/billers/:id/parking_tariff: the tariff parking bills without lines
// are priced with (../parking-tariff.ts, docs/bills.md). Prices are JSON integers of VND.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ParkingNightRateDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 1439,
    description: 'Minute of the day, Vietnam time.',
  })
  start_minute!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 1439,
    description: 'Minute of the day, Vietnam time.',
  })
  end_minute!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'VND per started hour, pro rata inside the window.',
  })
  price_per_hour!: number;
}

export class SetParkingTariffDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1440 })
  first_block_minutes!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'VND, flat for the first block.' })
  first_block_price!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'VND per started hour after the block.' })
  price_per_hour!: number;
  @ApiPropertyOptional({ type: ParkingNightRateDto, nullable: true })
  night?: ParkingNightRateDto | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'VND per 24 hours from entry.' })
  cap_per_day?: number | null;
}

export class ParkingTariffDto extends SetParkingTariffDto {
  @ApiProperty({ enum: ['parking_tariff'] })
  object!: 'parking_tariff';
  @ApiProperty()
  biller!: string;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  updated!: number;
}
