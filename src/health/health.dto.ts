// The health endpoints' answers, as classes so that the OpenAPI document describes them.
import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] })
  status!: 'ready' | 'not_ready';

  @ApiProperty({ enum: ['ok', 'unreachable'], description: 'Whether the database answered in time.' })
  database!: 'ok' | 'unreachable';

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Migrations this build knows that the database lacks; null when the database did not answer.',
  })
  migrations_pending!: number | null;
}
