// The janitor's admin routes: run it now, and the intents a gateway query left unsettled.
import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../billers/caller.guard';
import { ApiPageQuery, type Page, pageRequest, toPage } from '../common/pagination';
import { objectBody } from '../common/validation';
import { JanitorRunDto, UnresolvedIntentDto, UnresolvedIntentListDto } from './dto/janitor.dto';
import { JanitorRepository, type UnresolvedRow } from './janitor.repository';
import { JanitorService } from './janitor.service';
import { dong } from '../common/money';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function toDto(row: UnresolvedRow): UnresolvedIntentDto {
  return {
    id: row.id,
    object: 'payment_intent',
    biller: row.biller_id,
    bill: row.bill_id,
    method: row.method,
    status: 'processing',
    amount: dong(row.amount),
    reference: row.reference,
    created: unixSeconds(row.created_at),
    expires_at: unixSeconds(row.expires_at),
    last_queried_at: unixSeconds(row.last_queried_at),
    query_attempts: row.query_attempts,
    last_query_result: row.last_query_result,
  };
}

@ApiTags('janitor')
@IdempotentPosts()
@Controller('v1/janitor')
export class JanitorController {
  constructor(
    private readonly janitor: JanitorService,
    private readonly repository: JanitorRepository,
  ) {}

  @Post('run')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary:
      'Run the janitor now: query intents without a callback, expire intents and bills past their expiry.',
  })
  @ApiOkResponse({ type: JanitorRunDto })
  async run(): Promise<JanitorRunDto> {
    return { object: 'janitor_run', ...(await this.janitor.run()) };
  }

  @Get('unresolved')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Intents still unknown after a query at their gateway (processing), newest first.',
  })
  @ApiPageQuery()
  @ApiOkResponse({ type: UnresolvedIntentListDto })
  async unresolved(@Query() query: Record<string, unknown>): Promise<Page<UnresolvedIntentDto>> {
    const page = pageRequest(objectBody(query, ['limit', 'starting_after']), 'payment_intent');
    return toPage(await this.repository.listUnresolved(page), page, toDto);
  }
}
