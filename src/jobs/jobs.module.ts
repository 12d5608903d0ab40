// Background jobs for every module (pg-boss in the hub's database): import JobsModule and inject
// JobQueue to enqueue in a transaction or to run a worker.
import { Module } from '@nestjs/common';
import { JobQueue } from './job-queue';

@Module({
  providers: [JobQueue],
  exports: [JobQueue],
})
export class JobsModule {}
