// Makes the validated configuration injectable everywhere under one token, so that providers ask for
// typed settings instead of reading the environment.
import { type DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from './config.schema';

/** Injection token of the HubConfig: `@Inject(HUB_CONFIG) config: HubConfig`. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: HUB_CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [HUB_CONFIG],
    };
  }
}
