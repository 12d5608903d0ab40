// Events as they go over the wire from GET /v1/events: the webhook's own fields (`id`, `type`,
// `created`, `data`) plus the biller and the delivery state. Times are Unix seconds.
import { ApiProperty } from '@nestjs/swagger';
import { ListEnvelopeDto } from '../../common/pagination';
import { DELIVERY_STATUSES, type DeliveryStatus, EVENT_TYPES, type EventType } from '../webhook-events';

export class EventDeliveryDto {
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description:
      'pending: being delivered or retried; delivered: a 2xx answered; dead: every retry failed (redeliver it); no_endpoint: the biller has no webhook_url.',
  })
  status!: DeliveryStatus;
  @ApiProperty({ type: 'integer', description: 'Attempts so far, redeliveries included.' })
  attempts!: number;
  @ApiProperty({ type: 'string', nullable: true, example: 'HTTP 503' })
  last_error!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  last_attempt_at!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  delivered_at!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Unix seconds.' })
  dead_at!: number | null;
}

export class EventDto {
  @ApiProperty({ example: 'evt_01JD3M0Q8XK6W1E9T3V4R5S6P7' })
  id!: string;
  @ApiProperty({ enum: ['event'] })
  object!: 'event';
  @ApiProperty({ enum: EVENT_TYPES })
  type!: EventType;
  @ApiProperty({ type: 'integer', description: 'Unix seconds.' })
  created!: number;
  @ApiProperty({ description: 'The biller the event was sent to.' })
  biller!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The object the event is about.' })
  data!: Record<string, unknown>;
  @ApiProperty({ type: EventDeliveryDto })
  delivery!: EventDeliveryDto;
}

export class EventListDto extends ListEnvelopeDto {
  @ApiProperty({ type: [EventDto] })
  data!: EventDto[];
}
