// The reconciliation API (admin): import a settlement file (multipart, streamed: the file never sits in
// memory whole), the runs, and the exceptions they found.
import { Controller, Get, HttpCode, type OnModuleInit, Param, Post, Query, Req } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import multipart from '@fastify/multipart';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayId } from '../../adapters/contract';
import { Authenticated } from '../billers/caller.guard';
import { isId } from '../common/ids';
import { ApiPageQuery, type Page, pageRequest, toPage } from '../common/pagination';
import { invalidParameter, objectBody, requiredEnum } from '../common/validation';
import { GATEWAY_IDS } from '../gateways/gateways.service';
import {
  ReconcileAnswerDto,
  ReconciliationExceptionDto,
  ReconciliationExceptionListDto,
  ReconciliationRunDto,
  ReconciliationRunListDto,
} from './dto/reconciliation.dto';
import { ReconciliationError } from './reconciliation.errors';
import { EXCEPTION_KINDS, parseSettlementDate } from './reconciliation.matcher';
import {
  EXCEPTION_STATUSES,
  type ExceptionRow,
  ReconciliationRepository,
  type RunRow,
} from './reconciliation.repository';
import { ReconciliationService, type ReconcileResult } from './reconciliation.service';

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
    amount_total: Number(row.amount_total),
    fee_total: Number(row.fee_total),
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
    created: seconds(row.created_at),
  };
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
@Controller('v1/reconciliation')
export class ReconciliationController implements OnModuleInit {
  constructor(
    private readonly service: ReconciliationService,
    private readonly repository: ReconciliationRepository,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** multipart/form-data, streamed part by part (nothing buffered): only this module reads it. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(multipart, {
      limits: { files: 1, fields: 10, fieldSize: 1024, parts: 12, fileSize: FILE_BYTES_MAX },
    });
  }

  @Post('runs')
  @HttpCode(200)
  @Authenticated('admin')
  @ApiOperation({
    summary: "Import and match a gateway's daily settlement file.",
    description:
      'multipart/form-data with the fields `gateway` and `date` (YYYY-MM-DD, the Vietnam day the file ' +
      'covers) BEFORE the `file` part. The file streams into one transaction: a refused file (400 ' +
      '`settlement_file_wrong_columns`, `_bad_encoding`, `_bad_row` or `_truncated`, the message naming ' +
      'the line) leaves nothing behind. The same file again answers its first run (`created_now: false`) ' +
      'and changes nothing; another file for a day already reconciled is 409.',
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
    const fields: Record<string, unknown> = {};
    let result: ReconcileResult | null = null;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname !== 'gateway' && part.fieldname !== 'date')
          throw new ReconciliationError(
            'settlement_file_missing',
            `Unknown field: ${part.fieldname.slice(0, 50)}.`,
            part.fieldname.slice(0, 50),
          );
        fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || result !== null) {
        await drain(part);
        throw new ReconciliationError('settlement_file_missing', 'Send one file part named file.', 'file');
      }
      try {
        const target = reconcileTarget(fields);
        result = await this.service.reconcile({
          gateway: target.gateway,
          settlement_date: target.date,
          source: part.file,
        });
      } finally {
        // A refused file: read the rest, so the client gets the answer rather than a broken pipe.
        await drain(part);
      }
    }
    if (result === null) {
      reconcileTarget(fields);
      throw new ReconciliationError('settlement_file_missing', 'The file part is missing.', 'file');
    }
    return answerDto(result);
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
  @ApiOperation({ summary: 'Exceptions found by reconciliation, newest first; filter by run, kind, status.' })
  @ApiPageQuery()
  @ApiQuery({ name: 'run', required: false })
  @ApiQuery({ name: 'kind', required: false, enum: EXCEPTION_KINDS })
  @ApiQuery({ name: 'status', required: false, enum: EXCEPTION_STATUSES })
  @ApiOkResponse({ type: ReconciliationExceptionListDto })
  async exceptions(@Query() query: Record<string, unknown>): Promise<Page<ReconciliationExceptionDto>> {
    const fields = objectBody(query, ['limit', 'starting_after', 'run', 'kind', 'status']);
    const page = pageRequest(fields, 'reconciliation_exception');
    if (fields.run !== undefined && !isId('reconciliation_run', fields.run))
      throw invalidParameter('run', 'run must be a reconciliation run id.');
    const filter = {
      ...(fields.run !== undefined ? { run_id: fields.run as string } : {}),
      ...(fields.kind !== undefined ? { kind: requiredEnum(fields, 'kind', EXCEPTION_KINDS) } : {}),
      ...(fields.status !== undefined ? { status: requiredEnum(fields, 'status', EXCEPTION_STATUSES) } : {}),
    };
    return toPage(await this.repository.listExceptions(page, filter), page, exceptionDto);
  }
}

async function drain(part: MultipartFile): Promise<void> {
  if (part.file.readableEnded || part.file.destroyed) return;
  part.file.resume();
  await new Promise<void>((done) => {
    part.file.once('end', done);
    part.file.once('close', done);
    part.file.once('error', () => done());
  });
}
