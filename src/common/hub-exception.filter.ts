// The one place an exception becomes an HTTP answer: coded errors keep their code, the framework's
// own errors (unknown route, bad body) get one, and anything unexpected becomes a 500 `internal_error`
// whose body says nothing about what went wrong inside; the details go to the log, with the request id.
import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type CommonErrorCode,
  type ErrorBody,
  type ErrorType,
  HubError,
  COMMON_ERRORS,
  errorCodeSpec,
} from './errors';

/**
 * An answer decided before the handler ran (an Idempotency-Key replay): sent as is, status, bytes and
 * headers. It travels as an exception because Nest would overwrite a returned value's status with the
 * route's own, and a replayed answer may be a stored 4xx.
 */
export class PreparedResponse {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  /** Whether the cause was a bug or an outage (logged as an error) rather than the client's doing. */
  unexpected: boolean;
}

const CODE_BY_STATUS: Readonly<Record<number, CommonErrorCode>> = {
  400: 'invalid_request',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

const TYPE_BY_STATUS: Readonly<Record<number, ErrorType>> = {
  401: 'authentication_error',
  403: 'permission_error',
  429: 'rate_limit_error',
};

function answer(status: number, type: ErrorType, code: string, message: string, param: string | null = null) {
  return { status, body: { error: { type, code, message, param } } };
}

function internalError(): ErrorAnswer {
  const spec = COMMON_ERRORS.internal_error;
  return {
    ...answer(spec.status, spec.type, 'internal_error', 'An unexpected error occurred. It has been logged.'),
    unexpected: true,
  };
}

/** A client error raised by the framework (Nest's HttpException or Fastify's own errors). */
function frameworkClientError(status: number, message: string, method: string, url: string): ErrorAnswer {
  const code = CODE_BY_STATUS[status] ?? 'invalid_request';
  if (code === 'route_not_found') {
    // The path only: a query string may carry something its sender would not want echoed.
    const path = url.split('?')[0] ?? '';
    return {
      ...answer(404, 'invalid_request_error', code, `No route for ${method} ${path}.`),
      unexpected: false,
    };
  }
  return {
    ...answer(status, TYPE_BY_STATUS[status] ?? 'invalid_request_error', code, message),
    unexpected: false,
  };
}

/** Maps anything thrown while handling a request to its status and error body. */
export function toErrorAnswer(exception: unknown, method: string, url: string): ErrorAnswer {
  if (exception instanceof HubError) {
    const spec = errorCodeSpec(exception.code);
    if (!spec) return internalError();
    return {
      ...answer(spec.status, spec.type, exception.code, exception.message, exception.param),
      unexpected: spec.status >= 500,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 400 && status < 500) return frameworkClientError(status, exception.message, method, url);
    if (status === 503) {
      return {
        ...answer(503, 'api_error', 'service_unavailable', 'The hub is not available.'),
        unexpected: true,
      };
    }
    return internalError();
  }
  // Fastify's errors (a body that is not JSON, too large, an unsupported content type) carry a 4xx
  // statusCode and, when coded FST_*, a message written for the client.
  const clientError = exception as { statusCode?: unknown; code?: unknown } | null;
  if (
    clientError instanceof Error &&
    typeof clientError.statusCode === 'number' &&
    clientError.statusCode >= 400 &&
    clientError.statusCode < 500
  ) {
    const status = clientError.statusCode;
    const fromFastify = typeof clientError.code === 'string' && clientError.code.startsWith('FST_');
    const message = fromFastify ? clientError.message : (STATUS_CODES[status] ?? 'Bad request') + '.';
    return frameworkClientError(status, message, method, url);
  }
  return internalError();
}

@Catch()
export class HubExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof PreparedResponse) {
      if (reply.sent) return;
      // A Buffer, so that the reply serializer does not encode the stored JSON text a second time.
      void reply
        .status(exception.status)
        .headers(exception.headers)
        .type('application/json; charset=utf-8')
        .send(Buffer.from(exception.body, 'utf8'));
      return;
    }
    const result = toErrorAnswer(exception, request.method, request.url);
    if (result.unexpected) {
      request.log.error({ err: exception, code: result.body.error.code }, 'request failed');
    } else {
      request.log.info({ code: result.body.error.code }, 'request refused');
    }
    if (reply.sent) return;
    void reply.status(result.status).type('application/json; charset=utf-8').send(result.body);
  }
}
