// The query of GET /v1/refunds: the page, and a filter on the payment intent refunded. Unknown
// parameters are refused, like unknown body fields: a misspelt filter must not list every refund.
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { type PageRequest, pageRequest } from '../../common/pagination';
import { objectBody, optionalString } from '../../common/validation';

export function parseListRefunds(query: Record<string, unknown>): {
  page: PageRequest;
  filter: { payment_intent_id: string | null };
} {
  const fields = objectBody(query, ['limit', 'starting_after', 'payment_intent']);
  const payment_intent_id = optionalString(fields, 'payment_intent', { max_length: 64 });
  return { page: pageRequest(fields, 'refund'), filter: { payment_intent_id } };
}

export function ApiRefundFilters() {
  return applyDecorators(
    ApiQuery({ name: 'payment_intent', required: false, description: 'The refunds of one payment intent.' }),
  );
}
