// The events API: a biller lists and reads the events sent to it and asks for one to be sent again;
// the admin sees every biller's. Every POST takes an Idempotency-Key (src/idempotency/).
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page, pageRequest } from '../common/pagination';
import { invalidParameter } from '../common/validation';
import { HubError } from '../common/errors';
import { EventDto, EventListDto } from './dto/event.dto';
import { DELIVERY_STATUSES, type DeliveryStatus, EVENT_TYPES, type EventType } from './webhook-events';
import { WebhooksService } from './webhooks.service';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

const NOT_FOUND = { type: ErrorBodyDto, description: 'No such event, or another biller’s.' } as const;
const LIST_PARAMETERS = ['limit', 'starting_after', 'type', 'delivery_status'];

function oneOf<const T extends string>(
  query: Record<string, unknown>,
  param: string,
  values: readonly T[],
): T | null {
  const value = query[param];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
    throw invalidParameter(param, `${param} must be one of: ${values.join(', ')}.`);
  return value as T;
}

@ApiTags('events')
@IdempotentPosts()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'List events, newest first: a biller its own, the admin every biller’s.' })
  @ApiPageQuery()
  @ApiQuery({ name: 'type', required: false, enum: EVENT_TYPES })
  @ApiQuery({ name: 'delivery_status', required: false, enum: DELIVERY_STATUSES })
  @ApiOkResponse({ type: EventListDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'A query parameter is unknown or invalid.' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<Page<EventDto>> {
    for (const param of Object.keys(query)) {
      if (!LIST_PARAMETERS.includes(param))
        throw new HubError(
          'parameter_unknown',
          `Unknown parameter: ${param.slice(0, 100)}.`,
          param.slice(0, 100),
        );
    }
    const filter = {
      type: oneOf<EventType>(query, 'type', EVENT_TYPES),
      delivery_status: oneOf<DeliveryStatus>(query, 'delivery_status', DELIVERY_STATUSES),
    };
    return this.webhooks.list(principal, filter, pageRequest(query, 'event'));
  }

  @Get(':id')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Read an event and its delivery state.' })
  @ApiOkResponse({ type: EventDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<EventDto> {
    return this.webhooks.get(principal, id);
  }

  @Post(':id/redeliver')
  @HttpCode(200)
  @Authenticated('admin', 'biller')
  @ApiOperation({
    summary: 'Send an event again (same id, same body), with a fresh set of retries; e.g. a dead one.',
  })
  @ApiOkResponse({ type: EventDto, description: 'The event, pending delivery.' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({
    type: ErrorBodyDto,
    description: 'webhook_endpoint_missing: the biller has no webhook_url.',
  })
  redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<EventDto> {
    return this.webhooks.redeliver(principal, id);
  }
}
