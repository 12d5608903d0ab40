// The merchant counter's pages as HTML: the sale form with the day's paid sales and their total, the
// full-screen VietQR of one sale with its amount and note (counter.js turns it "Paid" live, with a
// beep), and the sale's state as JSON for that script. Pure functions; everything escaped by html``.
import { formatVietnamTime } from '../../adapters/shared/time';
import { dataTable, formatDong, html, type SafeHtml } from './html';
import type { Messages } from './i18n';
import { type PayState, stateNotice, type StateView, type Tone, viewOf } from './pay-state';

export function saleView(t: Messages, state: PayState, receipt_id: string | null): StateView {
  const texts: Record<PayState, [string, string, Tone]> = {
    paid: [t.counter_paid, t.counter_paid_text, 'ok'],
    processing: [t.counter_processing, t.counter_processing_text, 'warn'],
    pending: [t.counter_waiting, t.counter_waiting_text, 'warn'],
    failed: [t.counter_failed, t.counter_failed_text, 'bad'],
    expired: [t.counter_expired, t.counter_expired_text, 'bad'],
  };
  const link =
    state === 'paid' && receipt_id ? { url: `/receipts/${receipt_id}`, label: t.view_receipt } : null;
  return viewOf(state, texts, link);
}

export interface PaidSale {
  intent_id: string;
  amount: bigint;
  note: string;
  paid_at: Date;
  receipt_id: string | null;
}

export function todayList(t: Messages, sales: readonly PaidSale[]): SafeHtml {
  const total = sales.reduce((sum, sale) => sum + sale.amount, 0n);
  if (sales.length === 0)
    return html`<section aria-labelledby="today-heading">
      <h2 id="today-heading">${t.counter_today}</h2>
      <p data-field="today_count" data-count="0">${t.counter_today_empty}</p>
    </section>`;
  const rows = sales.map(
    (sale) =>
      html`<tr data-intent="${sale.intent_id}">
        <td>${formatVietnamTime(sale.paid_at, 'HH:mm')}</td>
        <td>
          ${sale.receipt_id ? html`<a href="/receipts/${sale.receipt_id}">${sale.note}</a>` : sale.note}
        </td>
        <td class="num">${formatDong(sale.amount)}</td>
      </tr> `,
  );
  return html`<section aria-labelledby="today-heading">
    <h2 id="today-heading">${t.counter_today}</h2>
    ${dataTable({
      caption: html`<span data-field="today_count" data-count="${sales.length}"
        >${t.counter_count(sales.length)}</span
      >`,
      columns: [{ label: t.counter_time }, { label: t.counter_note }, { label: t.amount, num: true }],
      rows,
      foot: html`<tr>
        <th scope="row" colspan="2">${t.total}</th>
        <td class="num" data-field="today_total">${formatDong(total)}</td>
      </tr>`,
    })}
  </section>`;
}

export function counterBody(
  t: Messages,
  input: {
    bar: SafeHtml;
    csrf_field: SafeHtml;
    errors: { amount?: string; note?: string; form?: string };
    values: { amount: string; note: string };
    today: SafeHtml;
  },
): SafeHtml {
  const { errors, values } = input;
  return html`${input.bar}
    <h1>${t.counter_title}</h1>
    ${errors.form ? html`<div class="notice bad" role="alert"><p>${errors.form}</p></div>` : ''}
    <form method="post" action="/merchant/sales" novalidate>
      ${input.csrf_field}
      <h2>${t.counter_new_sale}</h2>
      <p>
        <label for="amount">${t.counter_amount_label}</label>
        <input
          type="text"
          id="amount"
          name="amount"
          inputmode="numeric"
          autocomplete="off"
          required
          value="${values.amount}"
          aria-describedby="amount_hint${errors.amount ? ' amount_error' : ''}"
          ${errors.amount ? html`aria-invalid="true"` : ''}
        />
        <span class="hint" id="amount_hint">${t.counter_amount_hint}</span>
        ${errors.amount ? html`<span class="error" id="amount_error">${errors.amount}</span>` : ''}
      </p>
      <p>
        <label for="note">${t.counter_note_label}</label>
        <input
          type="text"
          id="note"
          name="note"
          maxlength="200"
          autocomplete="off"
          value="${values.note}"
          aria-describedby="note_hint${errors.note ? ' note_error' : ''}"
          ${errors.note ? html`aria-invalid="true"` : ''}
        />
        <span class="hint" id="note_hint">${t.counter_note_hint}</span>
        ${errors.note ? html`<span class="error" id="note_error">${errors.note}</span>` : ''}
      </p>
      <button type="submit">${t.counter_show_qr}</button>
    </form>
    ${input.today}`;
}

export function saleBody(
  t: Messages,
  sale: { amount: bigint; note: string; png_url: string | null; view: StateView; poll_url: string },
): SafeHtml {
  const amount = formatDong(sale.amount);
  const { view } = sale;
  return html`<div class="counter-sale">
    <h1 class="sr-only">${t.counter_title}</h1>
    <p class="counter-amount" data-field="amount">${amount}</p>
    <p class="counter-note" data-field="note">${sale.note}</p>
    ${
      sale.png_url && view.state === 'pending'
        ? html`<div class="qr counter-qr" data-part="qr">
            <img
              src="${sale.png_url}"
              width="480"
              height="480"
              alt="${t.counter_qr_alt(amount, sale.note)}"
            />
            <p>${t.counter_scan}</p>
          </div>`
        : ''
    }
    ${stateNotice(view, sale.poll_url, { live: 'assertive', extra_class: 'counter-state', poll_ms: 1500 })}
    <p><a class="button" href="/merchant">${t.counter_next_sale}</a></p>
  </div>`;
}
