// The query of GET /v1/bills: the page, and filters on status and reference. Unknown parameters are
// refused, like unknown body fields: a misspelt filter must not list every bill.
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { type PageRequest, pageRequest } from '../../common/pagination';
import { objectBody, optionalString } from '../../common/validation';
import type { BillFilters } from '../bills.repository';
import { BILL_STATUSES } from './bill.dto';

export function parseListBills(query: Record<string, unknown>): { page: PageRequest; filters: BillFilters } {
  const fields = objectBody(query, ['limit', 'starting_after', 'status', 'reference']);
  const status = optionalString(fields, 'status', {
    max_length: 20,
    pattern: new RegExp(`^(${BILL_STATUSES.join('|')})$`),
    pattern_hint: `must be one of: ${BILL_STATUSES.join(', ')}`,
  });
  const reference = optionalString(fields, 'reference', { max_length: 64 });
  return {
    page: pageRequest(fields, 'bill'),
    filters: { status: status as BillFilters['status'], reference },
  };
}

export function ApiBillFilters() {
  return applyDecorators(
    ApiQuery({ name: 'status', required: false, enum: BILL_STATUSES }),
    ApiQuery({ name: 'reference', required: false, description: 'The biller’s own reference, exactly.' }),
  );
}
