// What every gateway client does around its server-to-server calls: POST with a timeout and read the
// answer as JSON (null when it is not JSON: the client then reports an answer it cannot trust), and
// turn a field the caller got wrong into an order rejection instead of an exception.
import { AdapterError, type OrderRejection } from '../contract';

export async function postForJson(
  fetchImpl: typeof fetch | undefined,
  url: string,
  request: { readonly content_type: string; readonly body: string; readonly timeout_ms: number },
): Promise<unknown> {
  const response = await (fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': request.content_type },
    body: request.body,
    signal: AbortSignal.timeout(request.timeout_ms),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** An AdapterError `invalid_field` as the order rejection it stands for; anything else is rethrown. */
export function invalidFieldRejection(error: unknown): { ok: false; rejection: OrderRejection } {
  if (error instanceof AdapterError && error.code === 'invalid_field') {
    return {
      ok: false,
      rejection: { code: 'invalid_field', param: error.param ?? '', message: error.message },
    };
  }
  throw error;
}
