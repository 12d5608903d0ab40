// The billers API: the admin creates and lists billers; a biller (or the admin) reads its own record
// and rotates its API keys without downtime (create a new key, deploy it, revoke the old one with a
// grace period). Every POST takes an Idempotency-Key (src/idempotency/, documented there for all).
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ApiPageQuery, type Page, pageRequest } from '../common/pagination';
import { BillersService } from './billers.service';
import { Authenticated } from './caller.guard';
import {
  ApiKeyDto,
  ApiKeyListDto,
  BillerDto,
  BillerListDto,
  CreatedApiKeyDto,
  CreatedBillerDto,
} from './dto/biller.dto';
import { CreateBillerDto, parseCreateBiller } from './dto/create-biller.dto';
import { parseRevokeApiKey, RevokeApiKeyDto } from './dto/revoke-api-key.dto';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';

const NOT_FOUND = { type: ErrorBodyDto, description: 'No such biller, or another biller’s.' } as const;
const BAD_REQUEST = {
  type: ErrorBodyDto,
  description: 'A parameter is missing, unknown or invalid.',
} as const;

@ApiTags('billers')
@IdempotentPosts()
@Controller('v1/billers')
export class BillersController {
  constructor(private readonly billers: BillersService) {}

  @Post()
  @Authenticated('admin')
  @ApiOperation({ summary: 'Create a biller; its first API key and webhook secret are shown this once.' })
  @ApiBody({ type: CreateBillerDto })
  @ApiCreatedResponse({ type: CreatedBillerDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  create(@Body() body: unknown): Promise<CreatedBillerDto> {
    return this.billers.create(parseCreateBiller(body));
  }

  @Get()
  @Authenticated('admin')
  @ApiOperation({ summary: 'List billers, newest first.' })
  @ApiPageQuery()
  @ApiOkResponse({ type: BillerListDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  list(@Query() query: Record<string, unknown>): Promise<Page<BillerDto>> {
    return this.billers.list(pageRequest(query, 'biller'));
  }

  @Get(':id')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Read a biller (never its keys or webhook secret).' })
  @ApiOkResponse({ type: BillerDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<BillerDto> {
    return this.billers.get(principal, id);
  }

  @Post(':id/api_keys')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Create another API key; the others keep working. Shown this once.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'api_key_limit_reached.' })
  createApiKey(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<CreatedApiKeyDto> {
    return this.billers.createApiKey(principal, id);
  }

  @Get(':id/api_keys')
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'List a biller’s API keys (their prefixes, never the keys).' })
  @ApiPageQuery()
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiNotFoundResponse(NOT_FOUND)
  listApiKeys(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<Page<ApiKeyDto>> {
    return this.billers.listApiKeys(principal, id, pageRequest(query, 'api_key'));
  }

  @Post(':id/api_keys/:key_id/revoke')
  @HttpCode(200)
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Revoke an API key, at once or after a grace period.' })
  @ApiBody({ type: RevokeApiKeyDto, required: false })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller or key.' })
  @ApiBadRequestResponse(BAD_REQUEST)
  revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('key_id') key_id: string,
    @Body() body: unknown,
  ): Promise<ApiKeyDto> {
    return this.billers.revokeApiKey(principal, id, key_id, parseRevokeApiKey(body).expires_in_seconds);
  }
}
