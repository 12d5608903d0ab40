// Lists after Stripe's: `limit` (1 to 100, default 10) and `starting_after` (an id from the previous
// page) in the query; `{ object: "list", data, has_more }` out. Newest first; ids sort by creation.
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiQuery } from '@nestjs/swagger';
import { type IdKind, isId } from './ids';
import { invalidParameter } from './validation';

export const LIST_LIMIT_DEFAULT = 10;
export const LIST_LIMIT_MAX = 100;

export interface PageRequest {
  limit: number;
  starting_after: string | null;
}

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

/** Reads limit and starting_after (an id of `kind`) from a query string's values. */
export function pageRequest(query: Record<string, unknown>, kind: IdKind): PageRequest {
  let limit = LIST_LIMIT_DEFAULT;
  if (query.limit !== undefined) {
    const text = query.limit;
    if (typeof text !== 'string' || !/^[0-9]{1,3}$/.test(text) || +text < 1 || +text > LIST_LIMIT_MAX)
      throw invalidParameter('limit', `limit must be an integer from 1 to ${LIST_LIMIT_MAX}.`);
    limit = Number(text);
  }
  let starting_after: string | null = null;
  if (query.starting_after !== undefined) {
    if (!isId(kind, query.starting_after))
      throw invalidParameter('starting_after', 'starting_after must be an id from the previous page.');
    starting_after = query.starting_after;
  }
  return { limit, starting_after };
}

/** rows: what the query found with LIMIT limit + 1; the extra row only says that there is more. */
export function toPage<Row, T>(rows: readonly Row[], request: PageRequest, map: (row: Row) => T): Page<T> {
  return {
    object: 'list',
    data: rows.slice(0, request.limit).map(map),
    has_more: rows.length > request.limit,
  };
}

/** The list envelope's fields, for the OpenAPI classes of each list. */
export class ListEnvelopeDto {
  @ApiProperty({ enum: ['list'] })
  object!: 'list';
  @ApiProperty({ description: 'Whether another page follows: ask again with starting_after.' })
  has_more!: boolean;
}

/** Documents a list route's two query parameters. */
export function ApiPageQuery() {
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT },
    }),
    ApiQuery({ name: 'starting_after', required: false, description: 'The last id of the previous page.' }),
  );
}
