// The reconciliation API (admin): import a settlement file (multipart, streamed: the file never sits in
// memory whole), the runs, and the exceptions they found.
import { Body, Controller, Get, HttpCode, type OnModuleInit, Param, Post, Query, Req } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayId } from '../../adapters/contract';
import { Authenticated } from '../billers/caller.guard';
import { isId } from '../common/ids';
import { ApiPageQuery, type Page, pageRequest, toPage } from '../common/pagination';
import { invalidParameter, objectBody, requiredEnum } from '../common/validation';
import { GATEWAY_IDS } from '../gateways/gateways.service';
import {
  ReconcileAnswerDto,
  type ReconciliationAuditDto,
  ReconciliationExceptionDetailDto,
  ReconciliationExceptionDto,
  ReconciliationExceptionListDto,
  ReconciliationReportDto,
  ReconciliationReportListDto,
  ReconciliationRunDto,
  ReconciliationRunListDto,
  ResolveExceptionDto,
  ScheduledRunDto,
} from './dto/reconciliation.dto';
import { ReconciliationError } from './reconciliation.errors';
import { EXCEPTION_KINDS, parseSettlementDate } from './reconciliation.matcher';
import {
  type AuditRow,
  EXCEPTION_STATUSES,
  type ExceptionRow,
  ReconciliationRepository,
  type ReportRow,
  type RunRow,
} from './reconciliation.repository';
import { actionsFor, parseResolveBody, ReconciliationResolutions } from './reconciliation.resolutions';
import { previousVietnamDay, ReconciliationScheduler } from './reconciliation.schedule';
import { ReconciliationService, type ReconcileResult } from './reconciliation.service';
import { dong, signedDong } from '../common/money';
import { IdempotentPosts } from '../idempotency/idempotent-posts.decorator';
import { OwnIdempotency, StreamedIdempotency } from '../idempotency/streamed-idempotency';
import { SettlementUpload } from './settlement-upload';

/** Largest settlement file accepted: far above any day's file, below anything absurd. */
const FILE_BYTES_MAX = 8 * 1024 * 1024 * 1024;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const num = (value: bigint | null) => (value === null ? null : Number(value));

export function runDto(row: RunRow): ReconciliationRunDto {
  return {
    id: row.id,
    object: 'reconciliation_run',
    gateway: row.gateway,
    date: row.settlement_date,
    status: row.status,
    file_sha256: row.file_sha256.toString('hex'),
    file_bytes: Number(row.file_bytes),
    rows: row.rows_total,
    payment_rows: row.payment_rows,
    refund_rows: row.refund_rows,
    matched: row.matched,
    exceptions: row.exceptions,
    amount_total: dong(row.amount_total),
    fee_total: dong(row.fee_total),
    payout: Number(row.payout),
    settlement_transfer: row.settlement_transfer_id,
    clearing_balance: num(row.clearing_balance),
    created: seconds(row.created_at),
    completed_at: row.completed_at ? seconds(row.completed_at) : null,
  };
}

export function answerDto(result: ReconcileResult): ReconcileAnswerDto {
  return {
    ...runDto(result.run),
    created_now: result.created,
    exceptions_by_kind: result.exceptions_by_kind as Record<string, number>,
    timing_differences: result.timing_differences,
    confirmed: result.confirmed,
  };
}

function exceptionDto(row: ExceptionRow): ReconciliationExceptionDto {
  return {
    id: row.id,
    object: 'reconciliation_exception',
    run: row.run_id,
    gateway: row.gateway,
    kind: row.kind,
    status: row.status,
    line: row.line,
    row_kind: row.row_kind,
    merchant_ref: row.merchant_ref,
    gateway_txn_id: row.gateway_txn_id,
    refund_ref: row.refund_ref,
    payment_intent: row.payment_intent_id,
    refund: row.refund_id,
    file_amount: num(row.file_amount),
    hub_amount: num(row.hub_amount),
    file_fee: num(row.file_fee),
    expected_fee: num(row.expected_fee),
    file_status: row.file_status,
    hub_status: row.hub_status,
    details: row.details,
    resolution: row.resolution,
    resolved_at: row.resolved_at ? seconds(row.resolved_at) : null,
    resolved_by: row.resolved_by,
    transfer: row.transfer_id,
    transfers: row.transfer_ids ?? (row.transfer_id ? [row.transfer_id] : []),
    resolution_reason: row.resolution_reason,
    created: seconds(row.created_at),
  };
}

function auditDto(row: AuditRow): ReconciliationAuditDto {
  return {
    object: 'reconciliation_audit',
    action: row.action,
    resolution: row.resolution,
    reason: row.reason,
    operator: row.operator,
    transfers: row.transfer_ids,
    amount: signedDong(row.amount),
    details: row.details,
    created: seconds(row.created_at),
  };
}

function detailDto(row: ExceptionRow, audit: AuditRow[]): ReconciliationExceptionDetailDto {
  return {
    ...exceptionDto(row),
    actions: row.status === 'open' ? actionsFor(row) : [],
    audit: audit.map(auditDto),
  };
}

function reportDto(row: ReportRow): ReconciliationReportDto {
  return {
    id: row.id,
    object: 'reconciliation_report',
    date: row.settlement_date,
    trigger: row.trigger,
    report: row.report,
    created: seconds(row.created_at),
  };
}

/** An optional `YYYY-MM-DD` field. */
function optionalDate(fields: Record<string, unknown>, param: string): string | null {
  const text = fields[param];
  if (text === undefined || text === null) return null;
  const date = typeof text === 'string' ? parseSettlementDate(text) : null;
  if (date === null) throw invalidParameter(param, `${param} must be a calendar day YYYY-MM-DD.`);
  return date;
}

/** gateway and date, checked; shared by the API and the CLI. */
export function reconcileTarget(fields: Record<string, unknown>): { gateway: GatewayId; date: string } {
  const gateway = requiredEnum(fields, 'gateway', GATEWAY_IDS);
  const text = fields.date;
  if (text === undefined || text === null) throw invalidParameter('date', 'date is required.');
  const date = typeof text === 'string' ? parseSettlementDate(text) : null;
  if (date === null) throw invalidParameter('date', 'date must be a calendar day YYYY-MM-DD.');
  return { gateway, date };
}

@ApiTags('reconciliation')
@IdempotentPosts()
@Controller('v1/reconciliation')
export class ReconciliationController implements OnModuleInit {
  constructor(
    private readonly service: ReconciliationService,
    private readonly repository: ReconciliationRepository,
    private readonly resolutions: ReconciliationResolutions,
    private readonly scheduler: ReconciliationScheduler,
    private readonly adapterHost: HttpAdapterHost,
    private readonly keys: StreamedIdempotency,
  ) {}

  /** multipart/form-data, streamed part by part (nothing buffered): only this module reads it. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(multipart, {
      limits: { files: 1, fields: 10, fieldSize: 1024, parts: 12, fileSize: FILE_BYTES_MAX },
    });
  }

  @Post('runs')
  @OwnIdempotency()
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary: "Import and match a gateway's daily settlement file.",
    description:
      'multipart/form-data with the fields `gateway` and `date` (YYYY-MM-DD, the Vietnam day the file ' +
      'covers) BEFORE the `file` part. The file streams into one transaction: a refused file (400 ' +
      '`settlement_file_wrong_columns`, `_bad_encoding`, `_bad_row` or `_truncated`, the message naming ' +
      'the line) leaves nothing behind. The same file again answers its first run (`created_now: false`) ' +
      'and changes nothing; another file for a day already reconciled is 409. With `Idempotency-Key`, the ' +
      "body is fingerprinted by its fields and the file's SHA-256 once read: the same key and file get the " +
      'first answer back, the same key with another file or day 409 `idempotency_key_reused`.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['gateway', 'date', 'file'],
      properties: {
        gateway: { type: 'string', enum: [...GATEWAY_IDS] },
        date: { type: 'string', example: '2026-11-21' },
        file: { type: 'string', format: 'binary' },
      },
    },
  })
  @ApiOkResponse({ type: ReconcileAnswerDto })
  async create(@Req() request: FastifyRequest): Promise<ReconcileAnswerDto> {
    if (!request.isMultipart())
      throw new ReconciliationError(
        'settlement_file_missing',
        'Send multipart/form-data with gateway, date and file.',
        'file',
      );
    const upload = new SettlementUpload(request);
    return this.keys.run(request, {
      execute: async () =>
        answerDto(
          await upload.import(reconcileTarget, (target, source) =>
            this.service.reconcile({ gateway: target.gateway, settlement_date: target.date, source }),
          ),
        ),
      fingerprint: () => upload.fingerprint(),
      fingerprintOnly: () => upload.fingerprintOnly(),
    });
  }

  @Get('runs')
  @Authenticated('admin')
  @ApiOperation({ summary: 'Reconciliation runs, newest first.' })
  @ApiPageQuery()
  @ApiQuery({ name: 'gateway', required: false, enum: [...GATEWAY_IDS] })
  @ApiOkResponse({ type: ReconciliationRunListDto })
  async list(@Query() query: Record<string, unknown>): Promise<Page<ReconciliationRunDto>> {
    const fields = objectBody(query, ['limit', 'starting_after', 'gateway']);
    const page = pageRequest(fields, 'reconciliation_run');
    const gateway = fields.gateway === undefined ? null : requiredEnum(fields, 'gateway', GATEWAY_IDS);
    return toPage(await this.repository.listRuns(page, gateway), page, runDto);
  }

  @Get('runs/:id')
  @Authenticated('admin')
  @ApiOperation({ summary: 'One run: counts, payout, settlement transfer and the clearing residue.' })
  @ApiOkResponse({ type: ReconciliationRunDto })
  async get(@Param('id') id: string): Promise<ReconciliationRunDto> {
    const row = isId('reconciliation_run', id) ? await this.repository.findRun(id) : null;
    if (!row)
      throw new ReconciliationError('reconciliation_run_not_found', 'No such reconciliation run.', 'id');
    return runDto(row);
  }

  @Get('exceptions')
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Exceptions found by reconciliation, newest first; filter by run, kind, status, gateway, date.',
  })
  @ApiPageQuery()
  @ApiQuery({ name: 'run', required: false })
  @ApiQuery({ name: 'kind', required: false, enum: EXCEPTION_KINDS })
  @ApiQuery({ name: 'status', required: false, enum: EXCEPTION_STATUSES })
  @ApiQuery({ name: 'gateway', required: false, enum: [...GATEWAY_IDS] })
  @ApiQuery({ name: 'date', required: false, description: "The settlement day of the exception's run." })
  @ApiOkResponse({ type: ReconciliationExceptionListDto })
  async exceptions(@Query() query: Record<string, unknown>): Promise<Page<ReconciliationExceptionDto>> {
    const fields = objectBody(query, ['limit', 'starting_after', 'run', 'kind', 'status', 'gateway', 'date']);
    const page = pageRequest(fields, 'reconciliation_exception');
    if (fields.run !== undefined && !isId('reconciliation_run', fields.run))
      throw invalidParameter('run', 'run must be a reconciliation run id.');
    const date = optionalDate(fields, 'date');
    const filter = {
      ...(fields.run !== undefined ? { run_id: fields.run as string } : {}),
      ...(fields.kind !== undefined ? { kind: requiredEnum(fields, 'kind', EXCEPTION_KINDS) } : {}),
      ...(fields.status !== undefined ? { status: requiredEnum(fields, 'status', EXCEPTION_STATUSES) } : {}),
      ...(fields.gateway !== undefined ? { gateway: requiredEnum(fields, 'gateway', GATEWAY_IDS) } : {}),
      ...(date !== null ? { date } : {}),
    };
    return toPage(await this.repository.listExceptions(page, filter), page, exceptionDto);
  }

  @Get('exceptions/:id')
  @Authenticated('admin')
  @ApiOperation({ summary: 'One exception, the actions that fit it, and its audit trail.' })
  @ApiOkResponse({ type: ReconciliationExceptionDetailDto })
  async exception(@Param('id') id: string): Promise<ReconciliationExceptionDetailDto> {
    const row = isId('reconciliation_exception', id) ? await this.repository.findException(id) : null;
    if (!row) throw new ReconciliationError('reconciliation_exception_not_found', 'No such exception.', 'id');
    return detailDto(row, await this.repository.auditOf(id));
  }

  @Post('exceptions/:id/resolve')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Resolve an exception by an action that posts ledger transfers.',
    description:
      '`late_capture` (missing_in_hub with an intent: applied as the callback would be), `refund` (a ' +
      'payment the gateway did not pay: the booking reversed), `fee_adjustment` (fee_mismatch: the ' +
      "difference between clearing and the fee's bearer), `write_off` (any kind: the residue to write_offs " +
      'or to suspense). The transfers, the exception and an audit row commit together. An action that does ' +
      'not fit the kind is 400 `reconciliation_action_invalid`; one that has nothing to post is 409 ' +
      '`reconciliation_action_not_applicable`; an exception resolved already is 409 ' +
      '`reconciliation_exception_resolved`, except for the very same action, reason and operator, which ' +
      'answers the resolution again.',
  })
  @ApiBody({ type: ResolveExceptionDto })
  @ApiOkResponse({ type: ReconciliationExceptionDetailDto })
  async resolve(@Param('id') id: string, @Body() body: unknown): Promise<ReconciliationExceptionDetailDto> {
    if (!isId('reconciliation_exception', id))
      throw new ReconciliationError('reconciliation_exception_not_found', 'No such exception.', 'id');
    const input = parseResolveBody(body);
    const result = await this.resolutions.resolve(id, input);
    return detailDto(result.exception, result.audit);
  }

  @Post('scheduled-runs')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary: 'Run the scheduled reconciliation now for a day: the drop folder, the janitor, a report.',
    description:
      'Imports every `<gateway>-<date>.csv` in RECON_DROP_DIR (a file imported already changes nothing), ' +
      'runs the janitor and stores the report. 409 `reconciliation_schedule_disabled` without RECON_DROP_DIR.',
  })
  @ApiBody({ type: ScheduledRunDto, required: false })
  @ApiOkResponse({ type: ReconciliationReportDto })
  async scheduledRun(@Body() body: unknown): Promise<ReconciliationReportDto> {
    const fields = objectBody(body, ['date'], { optional: true });
    const date = optionalDate(fields, 'date') ?? previousVietnamDay(new Date());
    return reportDto(await this.scheduler.run(date, 'manual'));
  }

  @Get('reports')
  @Authenticated('admin')
  @ApiOperation({ summary: 'Reports of the scheduled runs, newest first; filter by date.' })
  @ApiPageQuery()
  @ApiQuery({ name: 'date', required: false })
  @ApiOkResponse({ type: ReconciliationReportListDto })
  async reports(@Query() query: Record<string, unknown>): Promise<Page<ReconciliationReportDto>> {
    const fields = objectBody(query, ['limit', 'starting_after', 'date']);
    const page = pageRequest(fields, 'reconciliation_report');
    return toPage(await this.repository.listReports(page, optionalDate(fields, 'date')), page, reportDto);
  }
}
