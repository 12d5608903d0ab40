// The agency dashboard's HTML: totals tiles, totals by fee and by method, the cashless share, two
// charts drawn as inline SVG by this code (no chart library: stacked bars of the daily amount per
// method, bars of the daily cashless share), the period's receipts, the open reconciliation exceptions
// and the downloads. Pure functions of what the controller read; every text escaped by html``.
import { formatVietnamTime } from '../../adapters/shared/time';
import type { StatementSummary } from '../reports/reports.service';
import type { PaymentEntry } from '../reports/statement';
import { methodLabel } from './checkout-pages';
import { type Column, dataTable, formatDong, html, type SafeHtml } from './html';
import type { Messages } from './i18n';

export const CHART_METHODS = ['vnpay', 'momo', 'zalopay', 'vietqr'] as const;
const METHOD_COLOURS: Record<string, string> = {
  vnpay: '#0b4f9c',
  momo: '#a3195b',
  zalopay: '#0a7a6f',
  vietqr: '#b35900',
};

export interface DayFigures {
  /** YYYY-MM-DD, Vietnam date. */
  day: string;
  by_method: Record<string, bigint>;
  paid: number;
  closed_otherwise: number;
}

export interface ExceptionView {
  id: string;
  gateway: string;
  kind: string;
  payment_intent_id: string | null;
  file_amount: bigint | null;
  hub_amount: bigint | null;
  created_at: Date;
}

/** A table that scrolls sideways on a phone: a focusable region named as its caption, for keyboards. */
function scrollingTable(
  label: string,
  columns: readonly Column[],
  rows: readonly SafeHtml[],
  attributes?: SafeHtml,
): SafeHtml {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${label}">
    ${dataTable({ caption: label, columns, rows, attributes })}
  </div>`;
}

export function totalsTiles(t: Messages, summary: StatementSummary, prefix: string): SafeHtml {
  const { totals } = summary;
  const tile = (label: string, key: string, value: bigint, count: number | null) =>
    html`<div class="tile">
      <p class="muted">${label}</p>
      <p class="value" data-total="${prefix}${key}" data-amount="${value.toString()}">${formatDong(value)}</p>
      ${count === null ? '' : html`<p class="muted" data-count="${prefix}${key}">${t.dashboard_count}: ${count}</p>`}
    </div>`;
  return html`<div class="tiles">
    ${tile(t.dashboard_payments, 'payments', totals.payments.amount, totals.payments.count)}
    ${tile(t.dashboard_refunds, 'refunds', totals.refunds.amount, totals.refunds.count)}
    ${tile(t.dashboard_fees, 'fees', totals.fees.amount, totals.fees.count)}
    ${tile(t.dashboard_net, 'net', totals.net, null)}
  </div>`;
}

export function byFeeTable(t: Messages, summary: StatementSummary): SafeHtml {
  const rows = summary.totals.by_fee.map(
    (fee) =>
      html`<tr data-fee="${fee.fee_name}">
        <td>${fee.fee_name}</td>
        <td class="num">${fee.count}</td>
        <td class="num" data-amount="${fee.amount.toString()}">${formatDong(fee.amount)}</td>
      </tr>`,
  );
  return scrollingTable(
    t.dashboard_by_fee,
    [{ label: t.fee }, { label: t.dashboard_count, num: true }, { label: t.amount, num: true }],
    rows,
  );
}

export function byMethodTable(t: Messages, summary: StatementSummary): SafeHtml {
  const rows = summary.totals.by_method.map(
    (method) =>
      html`<tr data-method="${method.method}">
        <td>${methodLabel(t, method.method)}</td>
        <td class="num">${method.payments.count}</td>
        <td class="num" data-amount="${method.payments.amount.toString()}">
          ${formatDong(method.payments.amount)}
        </td>
        <td class="num">${formatDong(method.refunds.amount)}</td>
        <td class="num">${method.percent_of_count} %</td>
      </tr>`,
  );
  return scrollingTable(
    t.dashboard_by_method,
    [
      { label: t.dashboard_method },
      { label: t.dashboard_count, num: true },
      { label: t.dashboard_payments, num: true },
      { label: t.dashboard_refunds, num: true },
      { label: t.dashboard_share_count, num: true },
    ],
    rows,
  );
}

export function cashlessBlock(t: Messages, summary: StatementSummary): SafeHtml {
  const share = summary.cashless_share;
  return html`<p>
      <strong data-total="cashless_percent">${share.percent === null ? '—' : `${share.percent} %`}</strong>
    </p>
    <p class="muted">
      ${t.dashboard_cashless_text(share.bills_paid_through_hub, share.bills_closed_otherwise)}
    </p>
    ${summary.ties ? '' : html`<div class="notice bad" role="alert"><p>${t.dashboard_ties_no}</p></div>`}`;
}

const W = 640;
const H = 220;
const PAD_LEFT = 8;
const PAD_BOTTOM = 28;

function dayLabel(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}`;
}

/** One bar a day across the chart: its width, the plot's height, and each day's left edge. */
function dayBars(days: readonly DayFigures[]) {
  const slot = (W - PAD_LEFT) / Math.max(days.length, 1);
  const bar = Math.max(2, slot * 0.7);
  const every = Math.ceil(days.length / 10);
  return {
    bar,
    plot: H - PAD_BOTTOM - 8,
    x: (i: number) => PAD_LEFT + i * slot + (slot - bar) / 2,
    /** The date under the i-th bar, for one bar in every ten or so. */
    label: (i: number, x: number, day: string) =>
      i % every === 0
        ? html`<text
            x="${(x + bar / 2).toFixed(1)}"
            y="${H - 8}"
            text-anchor="middle"
            font-size="12"
            fill="#1a1a1a"
            >${dayLabel(day)}</text
          >`
        : '',
  };
}

/** The charts' x axis. */
function baseline(): SafeHtml {
  return html`<line
    x1="${PAD_LEFT}"
    y1="${H - PAD_BOTTOM}"
    x2="${W}"
    y2="${H - PAD_BOTTOM}"
    stroke="#4a4a4a"
  />`;
}

/** A chart as a figure: the SVG (named by its title and description) and what follows it. */
function chartFigure(
  chart: { name: string; id: string; title: string; desc: string },
  svg: SafeHtml,
  after: SafeHtml,
): SafeHtml {
  return html`<figure class="chart" data-chart="${chart.name}">
    <svg
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-labelledby="${chart.id}-title ${chart.id}-desc"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="${chart.id}-title">${chart.title}</title>
      <desc id="${chart.id}-desc">${chart.desc}</desc>
      ${svg}
    </svg>
    ${after}
  </figure>`;
}

/** Stacked bars: one per day, one segment per method, scaled to the largest day. */
export function volumeChart(t: Messages, days: readonly DayFigures[]): SafeHtml {
  const totals = days.map((d) => CHART_METHODS.reduce((sum, m) => sum + (d.by_method[m] ?? 0n), 0n));
  const max = totals.reduce((a, b) => (b > a ? b : a), 0n);
  const { bar, plot, x: left, label } = dayBars(days);
  const parts = days.map((d, i) => {
    const x = left(i);
    let y = H - PAD_BOTTOM;
    const segments = CHART_METHODS.map((m) => {
      const value = d.by_method[m] ?? 0n;
      if (value === 0n || max === 0n) return '';
      // Height in pixels: a ratio of integers, rounded for drawing only (never money).
      const h = Number((value * BigInt(plot * 100)) / max) / 100;
      y -= h;
      return html`<rect
        x="${x.toFixed(1)}"
        y="${y.toFixed(1)}"
        width="${bar.toFixed(1)}"
        height="${h.toFixed(1)}"
        fill="${METHOD_COLOURS[m]}"
        ><title>${dayLabel(d.day)} ${methodLabel(t, m)}: ${formatDong(value)}</title></rect
      >`;
    });
    return html`<g data-day="${d.day}" data-total="${totals[i]!.toString()}"
      >${segments}${label(i, x, d.day)}</g
    >`;
  });
  const legend = CHART_METHODS.map(
    (m) => html`<li><span class="swatch m-${m}" aria-hidden="true"></span>${methodLabel(t, m)}</li>`,
  );
  return chartFigure(
    { name: 'volume', id: 'volume', title: t.dashboard_chart_volume, desc: t.dashboard_chart_volume_desc },
    html`${baseline()} ${parts}`,
    html`<figcaption>
        <strong>${t.dashboard_chart_volume}</strong> · ${max === 0n ? '' : `max ${formatDong(max)}`}
      </figcaption>
      <ul class="legend">
        ${legend}
      </ul>`,
  );
}

/** Bars of the daily cashless share (0-100 %); a day with no settled bill has no bar. */
export function shareChart(t: Messages, days: readonly DayFigures[]): SafeHtml {
  const { bar, plot, x: left, label } = dayBars(days);
  const parts = days.map((d, i) => {
    const x = left(i);
    const settled = d.paid + d.closed_otherwise;
    const share = settled === 0 ? null : (d.paid * 100) / settled;
    const h = share === null ? 0 : (plot * share) / 100;
    return html`<g data-day="${d.day}" data-share="${share === null ? '' : share.toFixed(2)}"
      >${
        share === null
          ? ''
          : html`<rect
              x="${x.toFixed(1)}"
              y="${(H - PAD_BOTTOM - h).toFixed(1)}"
              width="${bar.toFixed(1)}"
              height="${h.toFixed(1)}"
              fill="#14632c"
              ><title>${dayLabel(d.day)}: ${share.toFixed(2)} % (${d.paid}/${settled})</title></rect
            >`
      }${label(i, x, d.day)}</g
    >`;
  });
  return chartFigure(
    { name: 'cashless', id: 'share', title: t.dashboard_chart_share, desc: t.dashboard_chart_share_desc },
    html`<line x1="${PAD_LEFT}" y1="8" x2="${W}" y2="8" stroke="#c9d0d6" stroke-dasharray="4 4" />
      ${baseline()} ${parts}`,
    html`<figcaption><strong>${t.dashboard_chart_share}</strong> · 0–100 %</figcaption>`,
  );
}

export function receiptsTable(
  t: Messages,
  receipts: readonly PaymentEntry[],
  total: number,
  id: string,
): SafeHtml {
  if (total === 0) return html`<p data-receipts="${id}" data-count="0">${t.dashboard_no_receipts}</p>`;
  const rows = receipts.map(
    (r) =>
      html`<tr>
        <td>${formatVietnamTime(r.booked_at, 'dd/MM HH:mm')}</td>
        <td><a href="/receipts/${r.receipt_id}">${r.number.toString()}</a></td>
        <td>${r.payer_name}</td>
        <td>${r.lines.map((line) => line.fee_name).join(', ')}</td>
        <td>${methodLabel(t, r.method)}</td>
        <td class="num">${formatDong(r.amount)}</td>
      </tr>`,
  );
  return html`${scrollingTable(
    t.dashboard_receipts,
    [
      { label: t.counter_time },
      { label: t.dashboard_receipt_number },
      { label: t.payer },
      { label: t.fee },
      { label: t.dashboard_method },
      { label: t.amount, num: true },
    ],
    rows,
    html`data-receipts="${id}" data-count="${total}"`,
  )}
  ${receipts.length < total ? html`<p class="muted">${t.dashboard_receipts_more(receipts.length, total)}</p>` : ''}`;
}

export function exceptionsBlock(t: Messages, exceptions: readonly ExceptionView[]): SafeHtml {
  if (exceptions.length === 0) return html`<p data-exceptions="0">${t.dashboard_exceptions_none}</p>`;
  const amount = (value: bigint | null) => (value === null ? '—' : formatDong(value));
  const rows = exceptions.map(
    (e) =>
      html`<tr data-exception="${e.id}">
        <td>${formatVietnamTime(e.created_at, 'dd/MM/yyyy')}</td>
        <td>${methodLabel(t, e.gateway)}</td>
        <td>${e.kind}</td>
        <td>${e.payment_intent_id ?? '—'}</td>
        <td class="num">${amount(e.file_amount)}</td>
        <td class="num">${amount(e.hub_amount)}</td>
      </tr>`,
  );
  return scrollingTable(
    t.dashboard_exceptions,
    [
      { label: t.dashboard_day },
      { label: t.dashboard_method },
      { label: t.dashboard_exception_kind },
      { label: t.payment_reference },
      { label: t.dashboard_exception_file, num: true },
      { label: t.dashboard_exception_hub, num: true },
    ],
    rows,
    html`data-exceptions="${exceptions.length}"`,
  );
}
