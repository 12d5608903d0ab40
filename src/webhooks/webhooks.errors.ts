// The webhooks module's error codes. Another biller's event answers "not found", exactly as an event
// that does not exist, so event ids cannot be probed across billers.
import { defineErrorCodes, HubError } from '../common/errors';

export const WEBHOOK_ERRORS = defineErrorCodes('webhooks', {
  event_not_found: { status: 404, type: 'invalid_request_error' },
  webhook_endpoint_missing: { status: 409, type: 'invalid_request_error' },
});

export class WebhookError extends HubError {
  constructor(code: keyof typeof WEBHOOK_ERRORS, message: string, param: string | null = null) {
    super(code, message, param);
  }
}
