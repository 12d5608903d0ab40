// Makes the process's one pino logger injectable, so providers log JSON with the same redaction rules.
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from './logger';

/** Injection token of the root pino Logger: `@Inject(HUB_LOGGER) logger: Logger`. */
export const HUB_LOGGER = Symbol('HUB_LOGGER');

@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: HUB_LOGGER, useValue: logger }],
      exports: [HUB_LOGGER],
    };
  }
}
