// The agency dashboard at /agency: a collecting biller (agency, hospital, parking operator) signs in
// with one of its API keys (the session keeps only its id) and sees the day's and a period's receipts,
// totals by fee and by method, the cashless share, charts of the daily amount per method and of the
// daily cashless share, the open reconciliation exceptions touching its payments, and downloads of the
// statement (CSV, XLSX) through the session: no key in a URL. Every figure comes from ReportsService
// (the statements API's own code, called in-process), so the page and GET /v1/reports/statements agree.
// A merchant's key is refused here (its page is /merchant).
import { Controller, Get, Injectable, Param, Post, Body, Query, Req, Res } from '@nestjs/common';
import {
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatVietnamTime } from '../../adapters/shared/time';
import type { Principal } from '../auth/principal';
import type { BillerKind, BillerRow } from '../billers/billers.repository';
import { HubError } from '../common/errors';
import { Db } from '../database/db';
import { type OpenStatement, ReportsService, type StatementSummary } from '../reports/reports.service';
import { type PaymentEntry, periodOf, type StatementPeriod } from '../reports/statement';
import { STATEMENT_CONTENT_TYPES, statementStream } from '../reports/statement-writers';
import {
  byFeeTable,
  byMethodTable,
  cashlessBlock,
  type DayFigures,
  exceptionsBlock,
  type ExceptionView,
  receiptsTable,
  shareChart,
  totalsTiles,
  volumeChart,
} from './agency-pages';
import { BillerPageSignIn, BillerSignIn } from './biller-sign-in';
import { html } from './html';
import { WebPages } from './web-pages';

export const AGENCY_KINDS: readonly BillerKind[] = ['agency', 'hospital', 'parking_operator'];
/** The dashboard draws at most this many days (the downloads take up to the statements' 366). */
export const DASHBOARD_DAYS_MAX = 92;
const DEFAULT_DAYS = 7;
const RECEIPTS_SHOWN = 100;
const DAY_MS = 24 * 60 * 60_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

@Injectable()
export class AgencyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Open reconciliation exceptions that touch this biller's payments: the exception's intent, or the
   * intent of its refund, is the biller's. (An exception about a settlement-file line the hub cannot
   * match to any intent belongs to no agency and is the operators' alone.)
   */
  async openExceptions(biller_id: string): Promise<ExceptionView[]> {
    const found = await this.db.query<ExceptionView>(
      `SELECT e.id, e.gateway, e.kind, COALESCE(e.payment_intent_id, r.payment_intent_id) AS payment_intent_id,
              e.file_amount, e.hub_amount, e.created_at
         FROM reconciliation_exceptions e
         LEFT JOIN refunds r ON r.id = e.refund_id
         JOIN payment_intents p ON p.id = COALESCE(e.payment_intent_id, r.payment_intent_id)
        WHERE e.status = 'open' AND p.biller_id = $1
        ORDER BY e.id DESC LIMIT 100`,
      [biller_id],
    );
    return found.rows;
  }

  /** Bills cancelled per Vietnam day in the period (the statement's "closed otherwise", day by day). */
  async closedOtherwiseByDay(biller_id: string, period: StatementPeriod): Promise<Map<string, number>> {
    const found = await this.db.query<{ day: string; n: number }>(
      `SELECT to_char(cancelled_at AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM bills
        WHERE biller_id = $1 AND status = 'cancelled' AND cancelled_at >= $2 AND cancelled_at < $3
        GROUP BY 1`,
      [biller_id, period.start, period.end],
    );
    return new Map(found.rows.map((row) => [row.day, row.n]));
  }
}

function vietnamDate(date: Date): string {
  return formatVietnamTime(date, 'yyyy-MM-dd');
}

function today(): string {
  return vietnamDate(new Date());
}

/** The dashboard's period from ?from&to: default the last 7 days to today; null when invalid. */
export function dashboardPeriod(from: unknown, to: unknown): StatementPeriod | null {
  const end = typeof to === 'string' && to !== '' ? to : today();
  let start: string;
  if (typeof from === 'string' && from !== '') start = from;
  else {
    const last = DATE.test(end) ? periodOf(end, end) : null;
    if (!last) return null;
    start = vietnamDate(new Date(last.start.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
  }
  if (!DATE.test(start) || !DATE.test(end)) return null;
  const period = periodOf(start, end);
  if (!period || period.end <= period.start) return null;
  if ((period.end.getTime() - period.start.getTime()) / DAY_MS > DASHBOARD_DAYS_MAX) return null;
  return period;
}

interface Read {
  summary: StatementSummary;
  receipts: PaymentEntry[];
  receipt_count: number;
  days: Map<string, DayFigures>;
}

@ApiTags('pages')
@Controller('agency')
export class AgencyController {
  private readonly door: BillerPageSignIn;

  constructor(
    private readonly pages: WebPages,
    signIn: BillerSignIn,
    private readonly repository: AgencyRepository,
    private readonly reports: ReportsService,
  ) {
    this.door = new BillerPageSignIn(pages, signIn, {
      path: '/agency',
      kinds: AGENCY_KINDS,
      heading: (t) => t.dashboard_title,
      wrong_kind: (t) => t.sign_in_wrong_kind_agency,
    });
  }

  @Get()
  @ApiOperation({
    summary:
      'The agency dashboard (HTML): sign-in, or the day’s and a period’s receipts, totals, charts, exceptions.',
    description: '?from=YYYY-MM-DD&to=YYYY-MM-DD (Vietnam dates; default the last 7 days, at most 92).',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The sign-in form or the dashboard.' })
  @ApiResponse({ status: 400, description: 'An invalid period: the dashboard says so.' })
  async home(
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.formContext(request, reply);
    const agency = await this.door.current(request);
    if (!agency) return this.door.renderSignIn(reply, context, 200, null);
    const period = dashboardPeriod(from, to);
    const day = periodOf(today(), today())!;
    const fromText = typeof from === 'string' ? from : '';
    const toText = typeof to === 'string' ? to : '';
    const shown = period ?? dashboardPeriod('', '')!;
    const [todays, periods, exceptions, closed] = [
      await this.read(agency, day),
      await this.read(agency, shown),
      await this.repository.openExceptions(agency.id),
      await this.repository.closedOtherwiseByDay(agency.id, shown),
    ];
    const { t } = context;
    const days = [...periods.days.values()].map((d) => ({ ...d, closed_otherwise: closed.get(d.day) ?? 0 }));
    const query = `from=${shown.from}&to=${shown.to}`;
    this.pages.send(reply, context, period ? 200 : 400, {
      title: t.dashboard_title,
      status: period ? 'ready' : 'invalid_period',
      body: html`${this.door.bar(context, agency)}
        <h1>${t.dashboard_title}</h1>
        <section aria-labelledby="today-heading" data-section="today">
          <h2 id="today-heading">${t.dashboard_today} (${formatVietnamTime(day.start, 'dd/MM/yyyy')})</h2>
          ${totalsTiles(t, todays.summary, 'today_')}
          ${receiptsTable(t, todays.receipts, todays.receipt_count, 'today')}
        </section>
        <section
          aria-labelledby="period-heading"
          data-section="period"
          data-from="${shown.from}"
          data-to="${shown.to}"
        >
          <h2 id="period-heading">${t.dashboard_period}</h2>
          ${period ? '' : html`<div class="notice bad" role="alert"><p>${t.dashboard_period_invalid}</p></div>`}
          <form method="get" action="/agency" class="period">
            <p>
              <label for="from">${t.dashboard_from}</label>
              <input type="date" id="from" name="from" value="${period ? shown.from : fromText}" required />
            </p>
            <p>
              <label for="to">${t.dashboard_to}</label>
              <input type="date" id="to" name="to" value="${period ? shown.to : toText}" required />
            </p>
            <button type="submit" class="secondary">${t.dashboard_show}</button>
          </form>
          ${totalsTiles(t, periods.summary, '')}
          <h3>${t.dashboard_cashless}</h3>
          ${cashlessBlock(t, periods.summary)} ${volumeChart(t, days)} ${shareChart(t, days)}
          ${byMethodTable(t, periods.summary)} ${byFeeTable(t, periods.summary)}
          <h3>${t.dashboard_downloads}</h3>
          <p class="actions">
            <a class="button secondary" href="/agency/statement.csv?${query}" download
              >${t.dashboard_download_csv}</a
            >
            <a class="button secondary" href="/agency/statement.xlsx?${query}" download
              >${t.dashboard_download_xlsx}</a
            >
          </p>
          ${receiptsTable(t, periods.receipts, periods.receipt_count, 'period')}
        </section>
        <section aria-labelledby="exceptions-heading">
          <h2 id="exceptions-heading">${t.dashboard_exceptions}</h2>
          ${exceptionsBlock(t, exceptions)}
        </section>`,
    });
  }

  @Get('statement.:format')
  @ApiOperation({
    summary: 'The signed-in agency’s statement for ?from&to as CSV or XLSX (as GET /v1/reports/statements).',
  })
  @ApiProduces('text/csv', STATEMENT_CONTENT_TYPES.xlsx)
  @ApiOkResponse({ description: 'The file, as an attachment.' })
  @ApiResponse({ status: 400, description: 'An invalid period or format.' })
  @ApiForbiddenResponse({ description: 'Not signed in as an agency.' })
  async download(
    @Param('format') format: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    const agency = await this.door.current(request);
    if (!agency)
      return this.pages.sendMessage(reply, context, 403, {
        state: 'sign_in',
        title: context.t.sign_in_title,
        text: context.t.form_expired_text,
        back: { href: '/agency', label: context.t.sign_in_title },
      });
    if (format !== 'csv' && format !== 'xlsx') return this.pages.sendNotFound(reply, context);
    let statement: OpenStatement;
    try {
      statement = await this.reports.open(this.principal(agency), {
        from: typeof from === 'string' ? from : '',
        ...(typeof to === 'string' && to !== '' ? { to } : {}),
        format,
      });
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      return this.pages.sendMessage(reply, context, 400, {
        state: 'invalid_period',
        title: context.t.dashboard_title,
        text: context.t.dashboard_period_invalid,
        back: this.door.back(context.t),
      });
    }
    const { period } = statement;
    void reply
      .header('content-type', STATEMENT_CONTENT_TYPES[format])
      .header(
        'content-disposition',
        `attachment; filename="statement-${agency.id}-${period.from}-${period.to}.${format}"`,
      )
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(statementStream(statement));
  }

  @Post('sign-in')
  @ApiOperation({ summary: 'The dashboard’s sign-in form (api_key, _csrf): 303 to /agency.' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiResponse({ status: 303, description: 'Signed in.' })
  @ApiResponse({ status: 401, description: 'Not a valid key: the form again.' })
  @ApiForbiddenResponse({ description: 'A merchant’s key, or a missing or wrong CSRF token.' })
  signInPost(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.door.signInPost(body, request, reply);
  }

  @Post('sign-out')
  @ApiOperation({ summary: 'Signs the dashboard out (_csrf): 303 to /agency.' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiResponse({ status: 303, description: 'Signed out.' })
  @ApiForbiddenResponse({ description: 'A missing or wrong CSRF token.' })
  signOut(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.door.signOut(body, request, reply);
  }

  private principal(agency: BillerRow): Principal {
    return { kind: 'biller', biller_id: agency.id, key_id: 'dashboard' };
  }

  /** One statement, read through: its summary, the first receipts, and the daily amounts per method. */
  private async read(agency: BillerRow, period: StatementPeriod): Promise<Read> {
    const statement = await this.reports.open(this.principal(agency), { from: period.from, to: period.to });
    const days = new Map<string, DayFigures>();
    for (let at = period.start.getTime(); at < period.end.getTime(); at += DAY_MS) {
      const day = vietnamDate(new Date(at));
      days.set(day, { day, by_method: {}, paid: 0, closed_otherwise: 0 });
    }
    const receipts: PaymentEntry[] = [];
    let receipt_count = 0;
    for await (const entry of statement.entries()) {
      if (entry.type !== 'payment') continue;
      receipt_count += 1;
      // The newest ones: entries come oldest first.
      receipts.push(entry);
      if (receipts.length > RECEIPTS_SHOWN) receipts.shift();
      const figures = days.get(vietnamDate(entry.booked_at));
      if (figures) {
        figures.by_method[entry.method] = (figures.by_method[entry.method] ?? 0n) + entry.amount;
        figures.paid += 1;
      }
    }
    return { summary: statement.summary(), receipts: receipts.reverse(), receipt_count, days };
  }
}
