// Agency statements: the query checked (who may see which biller, the period in Vietnam dates, the
// format), then the entries streamed from one database snapshot page by page, added up as they pass,
// and the totals compared with the ledger's own movement of the agency's payable account.
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { BillerError } from '../billers/billers.errors';
import { HubError } from '../common/errors';
import { isId } from '../common/ids';
import { invalidParameter, objectBody } from '../common/validation';
import { ReportsRepository } from './reports.repository';
import {
  type CashlessShare,
  type LedgerMovement,
  percent,
  periodDays,
  periodOf,
  STATEMENT_DAYS_MAX,
  StatementAccumulator,
  type StatementEntry,
  type StatementFormat,
  type StatementPeriod,
  type StatementTotals,
} from './statement';

/** Rows read per query while streaming. */
export const STATEMENT_PAGE_ROWS = 500;
/**
 * Statements streamed at once by one process: each holds a connection (and its snapshot) until its
 * download ends, so more wait their turn rather than take the pool from payments.
 */
export const STATEMENT_SNAPSHOTS_MAX = 4;

/** A counting semaphore: `acquire` resolves once a slot is free; every acquire is paired with a release. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((wake) => this.#waiting.push(wake));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}
const FORMATS: readonly StatementFormat[] = ['json', 'csv', 'xlsx'];

export interface StatementQuery {
  biller_id: string;
  period: StatementPeriod;
  format: StatementFormat;
}

export interface StatementSummary {
  totals: StatementTotals;
  cashless_share: CashlessShare;
  ledger: LedgerMovement;
  /** totals.payable_movement equals ledger.net. */
  ties: boolean;
}

/** A statement ready to stream: its heading, its entries (once), then its summary. */
export interface OpenStatement {
  biller_id: string;
  biller_name: string;
  period: StatementPeriod;
  format: StatementFormat;
  /** Payments, refunds, payouts, then adjustments; `summary` is complete once this is exhausted. */
  entries(): AsyncGenerator<StatementEntry>;
  summary(): StatementSummary;
}

function dateParam(fields: Record<string, unknown>, param: string): string {
  const value = fields[param];
  if (value === undefined || value === '')
    throw new HubError('parameter_missing', `${param} is required.`, param);
  if (typeof value !== 'string' || periodOf(value, value) === null)
    throw invalidParameter(param, `${param} must be a date YYYY-MM-DD (Vietnam time).`);
  return value;
}

/** The query of GET /v1/reports/statements, for this caller. */
export function parseStatementQuery(principal: Principal, query: Record<string, unknown>): StatementQuery {
  const fields = objectBody(query, ['biller', 'from', 'to', 'format']);
  let biller_id: string;
  const biller = fields.biller;
  if (biller === undefined || biller === '') {
    if (principal.kind !== 'biller')
      throw new HubError('parameter_missing', 'biller is required when the admin asks.', 'biller');
    biller_id = principal.biller_id;
  } else {
    if (typeof biller !== 'string' || !isId('biller', biller))
      throw invalidParameter('biller', 'biller must be a biller id (blr_…).');
    // Another biller's statement answers exactly as one that does not exist.
    if (principal.kind === 'biller' && biller !== principal.biller_id)
      throw new BillerError('biller_not_found', `No such biller: ${biller}.`, 'biller');
    biller_id = biller;
  }
  const from = dateParam(fields, 'from');
  const to = fields.to === undefined ? from : dateParam(fields, 'to');
  const period = periodOf(from, to)!;
  if (period.end <= period.start) throw invalidParameter('to', 'to must not be before from.');
  if (periodDays(period) > STATEMENT_DAYS_MAX)
    throw invalidParameter('to', `A statement covers at most ${STATEMENT_DAYS_MAX} days.`);
  const format = fields.format ?? 'json';
  if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format))
    throw invalidParameter('format', `format must be one of: ${FORMATS.join(', ')}.`);
  return { biller_id, period, format: format as StatementFormat };
}

@Injectable()
export class ReportsService {
  readonly #slots = new Slots(STATEMENT_SNAPSHOTS_MAX);
  /** Rows per page; a test lowers it to walk the pages with a handful of receipts. */
  page_rows = STATEMENT_PAGE_ROWS;

  constructor(private readonly repository: ReportsRepository) {}

  /**
   * Checks the query and the biller before anything is sent (an error must still be a coded error
   * answer); the snapshot is opened only when the entries are first read, and closed when they end or
   * the download is abandoned.
   */
  async open(principal: Principal, query: Record<string, unknown>): Promise<OpenStatement> {
    const { biller_id, period, format } = parseStatementQuery(principal, query);
    const biller_name = await this.repository.billerName(biller_id);
    if (biller_name === null)
      throw new BillerError('biller_not_found', `No such biller: ${biller_id}.`, 'biller');
    const repository = this.repository;
    const slots = this.#slots;
    const page_rows = this.page_rows;
    let summary: StatementSummary | null = null;
    let started = false;
    return {
      biller_id,
      biller_name,
      period,
      format,
      summary: () => {
        if (!summary) throw new Error('the statement summary is read before its entries ended');
        return summary;
      },
      async *entries() {
        if (started) throw new Error('a statement streams its entries once');
        started = true;
        await slots.acquire();
        let snapshot: Awaited<ReturnType<ReportsRepository['openSnapshot']>>;
        try {
          snapshot = await repository.openSnapshot();
        } catch (error) {
          slots.release();
          throw error;
        }
        try {
          const totals = new StatementAccumulator();
          const { client } = snapshot;
          type Reader = (after: string | null) => Promise<StatementEntry[]>;
          const readers: Reader[] = [
            (after) => repository.payments(client, biller_id, period, after, page_rows),
            (after) => repository.refunds(client, biller_id, period, after, page_rows),
            (after) => repository.payouts(client, biller_id, period, after, page_rows),
            (after) => repository.adjustments(client, biller_id, period, after, page_rows),
          ];
          for (const read of readers) {
            let after: string | null = null;
            for (;;) {
              const page = await read(after);
              for (const entry of page) {
                totals.add(entry);
                yield entry;
              }
              if (page.length < page_rows) break;
              after = keyOf(page[page.length - 1]!);
            }
          }
          const ledger = await repository.ledgerMovement(client, biller_id, period);
          const closed = await repository.billsClosedOtherwise(client, biller_id, period);
          const computed = totals.totals();
          summary = {
            totals: computed,
            cashless_share: {
              bills_paid_through_hub: computed.payments.count,
              bills_closed_otherwise: closed,
              percent: percent(computed.payments.count, computed.payments.count + closed),
            },
            ledger,
            ties: computed.payable_movement === ledger.net,
          };
        } finally {
          await snapshot.close();
          slots.release();
        }
      },
    };
  }
}

function keyOf(entry: StatementEntry): string {
  switch (entry.type) {
    case 'payment':
      return entry.receipt_id;
    case 'refund':
      return entry.refund_id;
    case 'payout':
      return entry.item_id;
    case 'adjustment':
      return entry.transfer_id;
  }
}
