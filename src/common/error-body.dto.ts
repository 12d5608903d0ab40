// The error body as OpenAPI classes, for controllers to reference in their documented answers.
import { ApiProperty } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({
    enum: [
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'rate_limit_error',
      'api_error',
    ],
  })
  type!: string;

  @ApiProperty({
    description: 'Stable, machine-readable; branch on this, not on the message.',
    example: 'route_not_found',
  })
  code!: string;

  @ApiProperty({ description: 'For people; may change.' })
  message!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The request parameter at fault, if any.' })
  param!: string | null;
}

export class ErrorBodyDto {
  @ApiProperty({ type: ErrorDetailDto })
  error!: ErrorDetailDto;
}
