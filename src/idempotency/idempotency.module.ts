// Installs Idempotency-Key handling for the whole app (a global interceptor), its hourly sweep, and
// the OpenAPI additions that document the header on every POST under /v1.
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencySweeper } from './idempotency.sweeper';

@Module({
  providers: [
    IdempotencyRepository,
    IdempotencySweeper,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class IdempotencyModule {}
