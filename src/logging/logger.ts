// JSON logs through one pino logger: the HTTP layer's request logs (each line carries the request id),
// Nest's own messages and ours. Secrets are redacted here, once, whatever a caller passes in.
import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.schema';

export type { Logger };

/** Paths pino censors before a line is written, wherever a request, a header or the config shows up. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'admin_token',
  'database_url',
  'password',
  'config.admin_token',
  'config.database_url',
  'config.receipt_key_encryption_key',
  'receipt_key_encryption_key',
  // Gateway credentials (config.gateways, an adapter's config), should one ever be logged whole.
  'config.gateways',
  'gateways',
  '*.hash_secret',
  '*.access_key',
  '*.secret_key',
  '*.key1',
  '*.key2',
  '*.notify_secret',
  // Billers' secrets, should an object that carries one ever be logged whole.
  'api_key',
  'webhook_secret',
  '*.api_key',
  '*.webhook_secret',
];

/**
 * Query parameters whose values an access line keeps: paging, periods and filters. Every other value is
 * written `[redacted]`: a checkout link's `sig` opens the bill's page to whoever holds it, a gateway's
 * callback carries the payer's order details, and a mistyped URL may carry anything.
 */
export const LOGGED_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'limit',
  'starting_after',
  'ending_before',
  'from',
  'to',
  'date',
  'gateway',
  'status',
  'kind',
  'type',
  'run',
  'lang',
]);

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,40}$/;

/** A request URL as an access line shows it: the path, and the query with only LOGGED_QUERY_PARAMS' values. */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url.slice(mark + 1);
  if (query === '') return url;
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const raw = eq < 0 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      name = '';
    }
    if (LOGGED_QUERY_PARAMS.has(name)) return pair;
    // A name is kept when it looks like one (vnp_Amount, sig); anything else may be data itself.
    return `${PARAM_NAME.test(raw) ? raw : '…'}=[redacted]`;
  });
  return `${url.slice(0, mark)}?${pairs.join('&')}`;
}

/** Fastify's request serializer with the URL through loggableUrl (it takes the logger's own `req`). */
function requestSerializer(request: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? loggableUrl(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'payhub' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: requestSerializer },
  };
  // Synchronous writes to stdout by default: lines appear in the order they were logged, and the last
  // ones before process.exit (shutdown, a fatal start-up error) are never lost in a buffer.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** Nest's bootstrap chatter ("Mapped {/health, GET} route") is debug detail, not news. */
const CHATTY_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Routes Nest's Logger calls into pino so that every line the process writes is JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    // Nest passes the context last, and for errors a stack before it.
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = { context };
    const stack = rest.find((param) => typeof param === 'string');
    if (stack !== undefined) fields.stack = stack;
    const effective =
      level === 'info' && context !== undefined && CHATTY_CONTEXTS.has(context) ? 'debug' : level;
    if (message instanceof Error) {
      this.logger[effective]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[effective]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[effective](fields, String(message));
    }
  }
}

/** For commands whose stdout is their result: logs go to stderr, written synchronously. */
export function stderrDestination(): DestinationStream {
  return pino.destination({ fd: 2, sync: true });
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A child logger made on its first line at a level the parent writes (see lazyChildLogger). */
class LazyChildLogger {
  #child: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: object,
  ) {}

  #real(): Logger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  #write(method: LogMethod, args: unknown[]): void {
    if (this.#child === null && !this.parent.isLevelEnabled(method)) return;
    (this.#real()[method] as (...line: unknown[]) => void)(...args);
  }

  get level(): string {
    return (this.#child ?? this.parent).level;
  }
  set level(level: string) {
    this.#real().level = level;
  }
  isLevelEnabled(level: string): boolean {
    return this.#real().isLevelEnabled(level);
  }
  child(bindings: Record<string, unknown>, options?: object): Logger {
    return this.#real().child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
}

/**
 * Fastify's childLoggerFactory: each request's logger (bound to its request id) is made on its first
 * line at an enabled level. Fastify makes one per request and pino's child() costs ~2% of the event
 * loop under the confirmations' load, mostly for requests that log nothing (LOG_LEVEL=warn). A route
 * with a level of its own gets its child at once (its level, not the parent's, decides what is written).
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>, options: object): Logger {
  if ('level' in options) return parent.child(bindings, options as { level: string });
  return new LazyChildLogger(parent, bindings, options) as unknown as Logger;
}
