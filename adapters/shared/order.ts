// The order checks every gateway makes before any call: VND only, a bigint amount within the limits.
import type { OrderRejection } from '../contract';

/** The first rule the order's currency or amount breaks, or null. `label` names whose limits these are. */
export function amountRejection(
  order: { readonly currency: string; readonly amount: unknown },
  label: string,
  limits: { readonly min: bigint; readonly max: bigint },
): OrderRejection | null {
  if (order.currency !== 'VND')
    return { code: 'currency_not_supported', param: 'currency', message: `${label} takes VND only` };
  if (typeof order.amount !== 'bigint')
    return { code: 'invalid_field', param: 'amount', message: 'amount must be a bigint' };
  if (order.amount < limits.min)
    return {
      code: 'amount_below_minimum',
      param: 'amount',
      message: `${label} takes at least ${limits.min} VND`,
    };
  if (order.amount > limits.max)
    return {
      code: 'amount_above_maximum',
      param: 'amount',
      message: `${label} takes at most ${limits.max} VND`,
    };
  return null;
}
