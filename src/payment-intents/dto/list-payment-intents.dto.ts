// The query of GET /v1/payment_intents: the page, and filters on the bill and the status. Unknown
// parameters are refused, like unknown body fields: a misspelt filter must not list every intent.
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { type PageRequest, pageRequest } from '../../common/pagination';
import { objectBody, optionalString } from '../../common/validation';
import { PAYMENT_INTENT_STATUSES, type PaymentIntentFilters } from '../payment-intents.repository';

export function parseListPaymentIntents(query: Record<string, unknown>): {
  page: PageRequest;
  filters: PaymentIntentFilters;
} {
  const fields = objectBody(query, ['limit', 'starting_after', 'bill_id', 'status']);
  const status = optionalString(fields, 'status', {
    max_length: 20,
    pattern: new RegExp(`^(${PAYMENT_INTENT_STATUSES.join('|')})$`),
    pattern_hint: `must be one of: ${PAYMENT_INTENT_STATUSES.join(', ')}`,
  });
  const bill_id = optionalString(fields, 'bill_id', { max_length: 64 });
  return {
    page: pageRequest(fields, 'payment_intent'),
    filters: { bill_id, status: status as PaymentIntentFilters['status'] },
  };
}

export function ApiPaymentIntentFilters() {
  return applyDecorators(
    ApiQuery({ name: 'bill_id', required: false, description: 'The attempts to pay one bill.' }),
    ApiQuery({ name: 'status', required: false, enum: PAYMENT_INTENT_STATUSES }),
  );
}
