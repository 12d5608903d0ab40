// The scheduled reconciliation (docs/reconciliation.md#schedule): a pg-boss cron job (RECON_CRON, Vietnam
// time; one job per tick across every hub process) looks in RECON_DROP_DIR for the previous day's files,
// named `<gateway>-<YYYY-MM-DD>.csv`, imports and matches each through the core (a file imported already
// changes nothing), runs the janitor, and records a run report. POST /v1/reconciliation/scheduled-runs
// runs the same for a given day at once.
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { GatewayId } from '../../adapters/contract';
import { formatVietnamTime } from '../../adapters/shared/time';
import { HubError } from '../common/errors';
import { newId } from '../common/ids';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { GATEWAY_IDS } from '../gateways/gateways.service';
import { JanitorService, type JanitorRunResult } from '../janitor/janitor.service';
import { JobQueue } from '../jobs/job-queue';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { ReconciliationError } from './reconciliation.errors';
import { ReconciliationRepository, type ReportRow } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';

export const SCHEDULE_QUEUE = 'reconciliation-scheduled';
export const SCHEDULE_TIMEZONE = 'Asia/Ho_Chi_Minh';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The file name of a gateway's file for a day in the drop folder. */
export const dropFileName = (gateway: GatewayId, date: string) => `${gateway}-${date}.csv`;

export interface FileReport {
  file: string;
  gateway: string;
  /** imported: a new run; unchanged: this very file was imported before; refused: nothing stored. */
  result: 'imported' | 'unchanged' | 'refused';
  run: string | null;
  exceptions_by_kind: Record<string, number>;
  /** Other days' missing_in_gateway exceptions the file listed, resolved as timing differences. */
  timing_differences: number;
  confirmed: number;
  error: { code: string; message: string } | null;
}

export interface RunReport {
  date: string;
  trigger: 'cron' | 'manual';
  drop_dir: string;
  files: FileReport[];
  found: number;
  imported: number;
  unchanged: number;
  refused: number;
  /** The exceptions the imported files found, by kind. */
  exceptions_by_kind: Record<string, number>;
  janitor: JanitorRunResult | { error: string };
}

/** The Vietnam calendar day before `now`. */
export function previousVietnamDay(now: Date): string {
  return formatVietnamTime(new Date(now.getTime() - DAY_MS), 'yyyy-MM-dd');
}

@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    private readonly service: ReconciliationService,
    private readonly repository: ReconciliationRepository,
    private readonly janitor: JanitorService,
    private readonly jobs: JobQueue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'reconciliation-schedule' });
  }

  /** With RECON_DROP_DIR: the queue, its cron schedule and this process's worker; without: nothing. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.recon_drop_dir === null) return;
    await this.jobs.createQueue(SCHEDULE_QUEUE);
    await this.jobs.schedule(SCHEDULE_QUEUE, this.config.recon_cron, {}, { tz: SCHEDULE_TIMEZONE });
    await this.jobs.work<{ date?: string }>(SCHEDULE_QUEUE, async (job) => {
      await this.run(job.data?.date ?? previousVietnamDay(new Date()), 'cron');
    });
    this.logger.info(
      { cron: this.config.recon_cron, tz: SCHEDULE_TIMEZONE, drop_dir: this.config.recon_drop_dir },
      'scheduled reconciliation registered',
    );
  }

  /** One run over the drop folder for `date`; the report is stored and answered. */
  async run(date: string, trigger: 'cron' | 'manual'): Promise<ReportRow> {
    const dir = this.config.recon_drop_dir;
    if (dir === null)
      throw new ReconciliationError(
        'reconciliation_schedule_disabled',
        'RECON_DROP_DIR is not set: there is no drop folder to reconcile from.',
      );
    const suffix = `-${date}.csv`;
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
      .map((entry) => entry.name)
      .sort();
    const files: FileReport[] = [];
    for (const name of names) files.push(await this.#importOne(join(dir, name), name, date));
    let janitor: RunReport['janitor'];
    try {
      janitor = await this.janitor.run();
    } catch (error) {
      janitor = { error: error instanceof Error ? error.message : String(error) };
    }
    const exceptions_by_kind: Record<string, number> = {};
    for (const file of files)
      for (const [kind, n] of Object.entries(file.exceptions_by_kind))
        exceptions_by_kind[kind] = (exceptions_by_kind[kind] ?? 0) + n;
    const report: RunReport = {
      date,
      trigger,
      drop_dir: dir,
      files,
      found: files.length,
      imported: files.filter((file) => file.result === 'imported').length,
      unchanged: files.filter((file) => file.result === 'unchanged').length,
      refused: files.filter((file) => file.result === 'refused').length,
      exceptions_by_kind,
      janitor,
    };
    const stored = await this.repository.insertReport({
      id: newId('reconciliation_report'),
      settlement_date: date,
      trigger,
      report: report as unknown as Record<string, unknown>,
    });
    const log = report.refused > 0 ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
    log(
      { report: stored.id, date, found: report.found, imported: report.imported, refused: report.refused },
      'scheduled reconciliation',
    );
    return stored;
  }

  async #importOne(path: string, name: string, date: string): Promise<FileReport> {
    const gateway = name.slice(0, -`-${date}.csv`.length);
    const base: FileReport = {
      file: name,
      gateway,
      result: 'refused',
      run: null,
      exceptions_by_kind: {},
      timing_differences: 0,
      confirmed: 0,
      error: null,
    };
    if (!(GATEWAY_IDS as readonly string[]).includes(gateway))
      return {
        ...base,
        error: {
          code: 'unknown_gateway',
          message: `${gateway} is not a gateway (${GATEWAY_IDS.join(', ')}).`,
        },
      };
    try {
      const result = await this.service.reconcile({
        gateway: gateway as GatewayId,
        settlement_date: date,
        source: createReadStream(path),
      });
      return {
        ...base,
        result: result.created ? 'imported' : 'unchanged',
        run: result.run.id,
        exceptions_by_kind: result.exceptions_by_kind as Record<string, number>,
        timing_differences: result.timing_differences,
        confirmed: result.confirmed,
      };
    } catch (error) {
      if (error instanceof HubError) return { ...base, error: { code: error.code, message: error.message } };
      this.logger.error({ err: error, file: name }, 'scheduled import failed');
      return {
        ...base,
        error: { code: 'import_failed', message: error instanceof Error ? error.message : String(error) },
      };
    }
  }
}
