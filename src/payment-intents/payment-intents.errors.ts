// The payment intents module's error codes: refusals of the request, of the bill's state, and the
// gateway's own refusal, each with the status the exception filter answers it with.
import { defineErrorCodes, HubError } from '../common/errors';
import type { OrderRejectionCode } from '../../adapters/contract';

const INVALID = { status: 400, type: 'invalid_request_error' } as const;
const NOT_FOUND = { status: 404, type: 'invalid_request_error' } as const;
const CONFLICT = { status: 409, type: 'invalid_request_error' } as const;

/** The adapter's refusal of an order before any call (OrderRejectionCode), under the module's prefix. */
export const ORDER_REJECTION_ERRORS = defineErrorCodes('payment_intents', {
  payment_intent_amount_below_minimum: INVALID,
  payment_intent_amount_above_maximum: INVALID,
  payment_intent_currency_not_supported: INVALID,
  payment_intent_method_not_supported: INVALID,
  payment_intent_invalid_field: INVALID,
} satisfies Record<`payment_intent_${OrderRejectionCode}`, unknown>);

export const PAYMENT_INTENT_ERRORS = defineErrorCodes('payment_intents', {
  /** No such intent, or another biller's: the two answer alike. */
  payment_intent_not_found: NOT_FOUND,
  /** Only an intent waiting for the payer (requires_action) can be cancelled. */
  payment_intent_not_cancelable: CONFLICT,
  /** A final hospital bill whose deposits cover it: there is nothing left to pay. */
  payment_intent_nothing_due: CONFLICT,
});

/**
 * The gateway did not hand out a way to pay. Retrying may help with `gateway_unavailable` (an outage, a
 * timeout, an answer we could not trust), never with `gateway_declined` (the gateway refused the order).
 */
export const GATEWAY_ERRORS = defineErrorCodes('gateways', {
  gateway_declined: { status: 502, type: 'api_error' },
  gateway_unavailable: { status: 503, type: 'api_error' },
});

export type PaymentIntentErrorCode =
  keyof typeof ORDER_REJECTION_ERRORS | keyof typeof PAYMENT_INTENT_ERRORS | keyof typeof GATEWAY_ERRORS;

export class PaymentIntentError extends HubError {
  constructor(
    override readonly code: PaymentIntentErrorCode,
    message: string,
    param: string | null = null,
  ) {
    super(code, message, param);
    this.name = 'PaymentIntentError';
  }
}
