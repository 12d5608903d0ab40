// What every gateway client does around its server-to-server calls: POST with a timeout and read the
// answer as JSON (null when it is not JSON: the client then reports an answer it cannot trust), and
// turn a field the caller got wrong into an order rejection instead of an exception.
import { AdapterError, type OrderRejection } from '../contract';

/**
 * A deadline for one outgoing request: its signal aborts with a TimeoutError, as AbortSignal.timeout's
 * does, unless `clear` is called first. AbortSignal.timeout's timer cannot be cancelled: every request
 * left one behind that fired timeout_ms later (30 s) and dispatched an abort to a request long answered.
 */
export function deadline(timeout_ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeout_ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** fetch with a deadline that covers reading the answer; the answer's status and text. */
export async function fetchText(
  fetchImpl: typeof fetch | undefined,
  url: string,
  init: RequestInit,
  timeout_ms: number,
): Promise<{ status: number; text: string }> {
  const { signal, clear } = deadline(timeout_ms);
  try {
    const response = await (fetchImpl ?? fetch)(url, { ...init, signal });
    return { status: response.status, text: await response.text() };
  } finally {
    clear();
  }
}

export async function postForJson(
  fetchImpl: typeof fetch | undefined,
  url: string,
  request: { readonly content_type: string; readonly body: string; readonly timeout_ms: number },
): Promise<unknown> {
  const { text } = await fetchText(
    fetchImpl,
    url,
    { method: 'POST', headers: { 'content-type': request.content_type }, body: request.body },
    request.timeout_ms,
  );
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
