// Creating billers and rotating their API keys. Every read and write here is scoped by the caller: a
// biller reaches only its own row and keys, and anything else answers "not found".
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { newId } from '../common/ids';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { newApiKey, newWebhookSecret } from './api-key-material';
import { BillerError } from './billers.errors';
import { type ApiKeyRow, type BillerRow, BillersRepository } from './billers.repository';
import type { ApiKeyDto, BillerDto, CreatedApiKeyDto, CreatedBillerDto } from './dto/biller.dto';
import type { CreateBillerInput } from './dto/create-biller.dto';

/**
 * Enough for a rotation (old and new side by side) and a few spares per system a biller runs; a
 * bound so that a runaway script cannot fill the table with live keys.
 */
export const ACTIVE_API_KEYS_MAX = 10;

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function toBiller(row: BillerRow): BillerDto {
  return {
    id: row.id,
    object: 'biller',
    name: row.name,
    kind: row.kind,
    tax_id: row.tax_id,
    webhook_url: row.webhook_url,
    created: unixSeconds(row.created_at),
  };
}

function toApiKey(row: ApiKeyRow, now: Date = new Date()): ApiKeyDto {
  return {
    id: row.id,
    object: 'api_key',
    biller: row.biller_id,
    prefix: row.key_prefix,
    active: row.expires_at === null || row.expires_at > now,
    created: unixSeconds(row.created_at),
    expires_at: row.expires_at && unixSeconds(row.expires_at),
    revoked_at: row.revoked_at && unixSeconds(row.revoked_at),
  };
}

function billerNotFound(id: string): BillerError {
  // The id came from the path; it is not a secret, but it is cut short in case it is garbage.
  return new BillerError('biller_not_found', `No such biller: ${id.slice(0, 64)}.`, 'id');
}

@Injectable()
export class BillersService {
  constructor(private readonly repository: BillersRepository) {}

  async create(input: CreateBillerInput): Promise<CreatedBillerDto> {
    const key = newApiKey();
    const webhook_secret = newWebhookSecret();
    const row = await this.repository.createBiller(
      { id: newId('biller'), ...input, webhook_secret },
      { id: newId('api_key'), hash: key.hash, prefix: key.prefix },
    );
    return { ...toBiller(row), api_key: key.key, webhook_secret };
  }

  /** The biller, if the caller may see it: the admin sees every biller, a biller only itself. */
  async get(principal: Principal, id: string): Promise<BillerDto> {
    this.assertVisible(principal, id);
    const row = await this.repository.findBiller(id);
    if (!row) throw billerNotFound(id);
    return toBiller(row);
  }

  async list(page: PageRequest): Promise<Page<BillerDto>> {
    return toPage(await this.repository.listBillers(page), page, toBiller);
  }

  async createApiKey(principal: Principal, biller_id: string): Promise<CreatedApiKeyDto> {
    this.assertVisible(principal, biller_id);
    const key = newApiKey();
    const created = await this.repository.createApiKey(
      biller_id,
      { id: newId('api_key'), hash: key.hash, prefix: key.prefix },
      ACTIVE_API_KEYS_MAX,
    );
    if (created === 'biller_not_found') throw billerNotFound(biller_id);
    if (created === 'limit_reached') {
      throw new BillerError(
        'api_key_limit_reached',
        `A biller has at most ${ACTIVE_API_KEYS_MAX} active API keys; revoke one first.`,
      );
    }
    return { ...toApiKey(created), api_key: key.key };
  }

  async listApiKeys(principal: Principal, biller_id: string, page: PageRequest): Promise<Page<ApiKeyDto>> {
    this.assertVisible(principal, biller_id);
    // An empty page could mean "no such biller"; a biller always has had a key, so look only then.
    const rows = await this.repository.listApiKeys(biller_id, page);
    if (rows.length === 0 && !(await this.repository.findBiller(biller_id))) throw billerNotFound(biller_id);
    const now = new Date();
    return toPage(rows, page, (row) => toApiKey(row, now));
  }

  async revokeApiKey(
    principal: Principal,
    biller_id: string,
    key_id: string,
    grace_seconds: number,
  ): Promise<ApiKeyDto> {
    this.assertVisible(principal, biller_id);
    const row = await this.repository.revokeApiKey(biller_id, key_id, grace_seconds);
    if (!row) {
      throw new BillerError('api_key_not_found', `No such API key: ${key_id.slice(0, 64)}.`, 'key_id');
    }
    return toApiKey(row);
  }

  /** Another biller's id answers exactly like an unknown one: 404, never 403. */
  private assertVisible(principal: Principal, biller_id: string): void {
    if (principal.kind === 'biller' && principal.biller_id !== biller_id) throw billerNotFound(biller_id);
  }
}
