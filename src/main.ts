// The hub's entry point (`npm start`): validates the configuration, opens the database, serves the API,
// and shuts down in order on SIGINT/SIGTERM. createApp/startHub are exported for the e2e tests.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { stringifyJson } from './common/json';
import { ConfigError, loadConfig, type HubConfig } from './config/config.schema';
import { openHubDatabase, type HubDatabaseConnection } from './database/hub-database';
import { setupOpenApi } from './docs/openapi';
import { createLogger, lazyChildLogger, PinoNestLogger, type Logger } from './logging/logger';
import { MetricsService } from './metrics/metrics.service';

/** After this long a shutdown is stuck (a query that never returns): exit 1 rather than hang. */
export const SHUTDOWN_TIMEOUT_MS = 25_000;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HubOptions {
  /** Where JSON log lines go (default stdout). */
  log_destination?: DestinationStream;
  /** A logger to use instead of one built from config.log_level and log_destination. */
  logger?: Logger;
}

export interface Hub {
  app: NestFastifyApplication;
  config: HubConfig;
  logger: Logger;
  database: HubDatabaseConnection;
  /** Stops accepting requests, closes the app, drains the ledger, ends the pool, stops the embedded Postgres. */
  close(): Promise<void>;
}

export interface RunningHub extends Hub {
  /** Where the server listens, e.g. http://127.0.0.1:41234. */
  url: string;
}

/** A request id from the caller (a proxy's X-Request-Id) when it is sane, otherwise a new one. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** Opens the database (migrating it) and builds the initialised app, not yet listening. */
export async function createApp(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const logger = options.logger ?? createLogger(config.log_level, options.log_destination);
  // The hub stops its embedded Postgres itself, after draining, so it takes the signals over.
  const database = await openHubDatabase(config, logger, {
    migrate: true,
    own_signals: true,
    create_embedded: true,
  });
  let app: NestFastifyApplication | null = null;
  try {
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      genReqId: requestId,
      childLoggerFactory: (parent: unknown, bindings: Record<string, unknown>, options: object) =>
        lazyChildLogger(parent as Logger, bindings, options),
    });
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, logger, database }),
      adapter,
      // rawBody: gateways sign the exact bytes they send (bank notifications' X-Signature, MoMo's JSON).
      { logger: new PinoNestLogger(logger), abortOnError: false, rawBody: true },
    );
    const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
    // Every reply body goes through this, so a bigint can never turn an answer into a 500.
    fastify.setReplySerializer((payload) => stringifyJson(payload));
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.header('X-Request-Id', request.id);
      done();
    });
    app.get(MetricsService).instrument(fastify);
    setupOpenApi(app, config);
    await app.init();
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
  const initialised = app;
  let closing: Promise<void> | null = null;
  return {
    app: initialised,
    config,
    logger,
    database,
    close: () =>
      (closing ??= (async () => {
        await initialised.close();
        // Idempotent: the app's shutdown hook normally closed it already.
        await database.close();
      })()),
  };
}

/** createApp, then listen on config.host:config.port (port 0: a free one; see `url`). */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<RunningHub> {
  const hub = await createApp(config, options);
  try {
    await hub.app.listen(config.port, config.host);
  } catch (error) {
    await hub.close().catch(() => undefined);
    throw error;
  }
  const address = hub.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  hub.logger.info(
    { url, public_url: config.public_url, database: hub.database.location },
    'payhub listening',
  );
  return { ...hub, url };
}

async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`payhub: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log_level);
  let hub: RunningHub | null = null;
  let stopping = false;

  const stop = async (running: RunningHub) => {
    const deadline = setTimeout(() => {
      logger.error({ timeout_ms: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await running.close();
      logger.info('payhub stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  // Installed before start-up, so a signal during start-up still shuts down in order once it is done.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (hub) void stop(hub);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    hub = await startHub(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`payhub: start-up failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) await stop(hub);
}

if (require.main === module) void main();
