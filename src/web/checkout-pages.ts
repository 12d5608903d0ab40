// The citizen checkout's pages as HTML (Vietnamese by default, English on request): the bill with a
// choice of method, the VietQR code, and a payment's state (paid, being confirmed, failed, expired)
// that status.js keeps current. Pure functions of what the controller read; everything escaped by html``.
import type { VietQr } from '../../adapters/vietqr/vietqr.payload';
import type { BillDto } from '../bills/dto/bill.dto';
import { type Column, dataTable, formatDong, html, type SafeHtml } from './html';
import type { Messages } from './i18n';
import { type PayState, stateNotice as notice, type StateView, type Tone, viewOf } from './pay-state';

export const CHECKOUT_METHODS = ['vnpay', 'momo', 'zalopay', 'vietqr'] as const;
export type CheckoutMethod = (typeof CHECKOUT_METHODS)[number];

export function stateView(
  t: Messages,
  state: PayState,
  links: { receipt: string | null; checkout: string },
): StateView {
  const texts: Record<PayState, [string, string, Tone]> = {
    paid: [t.state_paid, t.state_paid_text, 'ok'],
    processing: [t.state_processing, t.state_processing_text, 'warn'],
    pending: [t.state_pending, t.state_pending_text, 'warn'],
    failed: [t.state_failed, t.state_failed_text, 'bad'],
    expired: [t.state_expired, t.state_expired_text, 'bad'],
  };
  const link =
    state === 'paid' && links.receipt
      ? { url: links.receipt, label: t.view_receipt }
      : state === 'failed' || state === 'expired'
        ? { url: links.checkout, label: t.try_again }
        : null;
  return viewOf(state, texts, link);
}

/** The state notice; with a poll URL, status.js updates it in place (announced politely). */
export function stateNotice(view: StateView, poll_url: string | null): SafeHtml {
  return notice(view, poll_url, { live: 'polite', link_class: 'button' });
}

export function methodLabel(t: Messages, method: string): string {
  switch (method) {
    case 'vnpay':
      return t.method_vnpay;
    case 'momo':
      return t.method_momo;
    case 'zalopay':
      return t.method_zalopay;
    case 'vietqr':
      return t.method_vietqr;
    default:
      return method;
  }
}

/** The columns of a bill's or a receipt's lines. */
export function lineColumns(t: Messages): Column[] {
  return [{ label: t.fee }, { label: t.amount, num: true }];
}

export interface BillView {
  readonly bill: BillDto;
  readonly agency: string;
}

/** What the payer owes now: a final hospital bill's amount less its deposits, else the amount. */
export function amountDue(bill: BillDto): number {
  return bill.amount_due ?? bill.amount;
}

export function billSummary(t: Messages, view: BillView): SafeHtml {
  const { bill } = view;
  const rows = bill.lines.map(
    (line) =>
      html`<tr>
        <td>${line.name}</td>
        <td class="num">${formatDong(line.patient_pays ?? line.amount)}</td>
      </tr> `,
  );
  const deposits =
    bill.deposit_applied !== undefined && bill.deposit_applied > 0
      ? html`<tr>
          <th scope="row">${t.deposits_applied}</th>
          <td class="num">−${formatDong(bill.deposit_applied)}</td>
        </tr>`
      : '';
  return html`<section aria-labelledby="bill-heading">
    <h2 id="bill-heading">${t.bill_heading}</h2>
    <dl class="fields">
      <dt>${t.agency}</dt>
      <dd data-field="agency">${view.agency}</dd>
      <dt>${t.bill_reference}</dt>
      <dd data-field="reference">${bill.reference}</dd>
      <dt>${t.payer}</dt>
      <dd>${bill.payer.name}</dd>
      ${
        bill.expires_at === null
          ? ''
          : html`<dt>${t.expires_at}</dt>
              <dd>${t.vietnam_time(new Date(bill.expires_at * 1000))} (${t.time_zone_note})</dd>`
      }
    </dl>
    ${dataTable({
      caption: t.lines_caption,
      columns: lineColumns(t),
      rows,
      foot: html`${deposits}
        <tr>
          <th scope="row">${t.total}</th>
          <td class="num">${formatDong(amountDue(bill))}</td>
        </tr>`,
    })}
    <p class="muted">${t.amount_due}</p>
    <p class="amount-due" data-field="amount">${formatDong(amountDue(bill))}</p>
  </section>`;
}

export function checkoutBody(
  t: Messages,
  view: BillView,
  form: { action: string; sig: string; csrf_field: SafeHtml },
  notices: SafeHtml[],
): SafeHtml {
  const choices = CHECKOUT_METHODS.map(
    (method, index) =>
      html`<div class="choice">
        <input
          type="radio"
          id="method-${method}"
          name="method"
          value="${method}"
          ${index === 0 ? html` required` : ''}
        />
        <label for="method-${method}">${methodLabel(t, method)}</label>
      </div> `,
  );
  return html`<h1>${t.checkout_title}</h1>
    ${notices} ${billSummary(t, view)}
    <form method="post" action="${form.action}">
      ${form.csrf_field}
      <input type="hidden" name="sig" value="${form.sig}" />
      <fieldset>
        <legend>${t.choose_method}</legend>
        ${choices}
      </fieldset>
      <button type="submit">${t.pay_button} ${formatDong(amountDue(view.bill))}</button>
    </form>`;
}

export function vietQrBody(
  t: Messages,
  view: BillView,
  qr: { png_url: string; code: VietQr; reference: string },
  notice: SafeHtml,
  checkout_path: string,
): SafeHtml {
  const amount = formatDong(qr.code.amount ?? BigInt(amountDue(view.bill)));
  return html`<h1>${t.vietqr_title}</h1>
    <p>${t.vietqr_instructions}</p>
    <div class="qr">
      <img src="${qr.png_url}" width="280" height="280" alt="${t.vietqr_image_alt(amount, qr.reference)}" />
    </div>
    <dl class="fields">
      <dt>${t.amount}</dt>
      <dd data-field="amount">${amount}</dd>
      <dt>${t.transfer_content}</dt>
      <dd data-field="transfer_content">${qr.reference}</dd>
      <dt>${t.bank}</dt>
      <dd>${qr.code.bank ?? qr.code.bin}</dd>
      <dt>${t.account}</dt>
      <dd>${qr.code.account}</dd>
      <dt>${t.agency}</dt>
      <dd>${view.agency}</dd>
      <dt>${t.bill_reference}</dt>
      <dd>${view.bill.reference}</dd>
    </dl>
    ${notice}
    <p class="no-print"><a href="${checkout_path}">${t.choose_another_method}</a></p>`;
}

export function resultBody(
  t: Messages,
  view: BillView,
  notice: SafeHtml,
  reference: string | null,
): SafeHtml {
  return html`<h1>${t.result_title}</h1>
    ${notice}
    <dl class="fields">
      <dt>${t.agency}</dt>
      <dd>${view.agency}</dd>
      <dt>${t.bill_reference}</dt>
      <dd>${view.bill.reference}</dd>
      <dt>${t.amount}</dt>
      <dd>${formatDong(amountDue(view.bill))}</dd>
      ${
        reference === null
          ? ''
          : html`<dt>${t.payment_reference}</dt>
              <dd>${reference}</dd>`
      }
    </dl>`;
}
