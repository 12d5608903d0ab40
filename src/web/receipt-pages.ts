// A receipt as a printable document (the fields Decree 123/2020 asks of a fee receipt: name, template
// and series symbols, number, collector, payer, lines, amount in figures and in words, method, date,
// signature) with a QR code to its verification page, and the verification itself: the server's
// answer (valid, cancelled, not valid) beside the browser's own check of the JWS (verify.js).
import type { ReceiptBodyDto, ReceiptDto } from '../receipts/dto/receipt.dto';
import type { ReceiptVerificationDto } from '../receipts/dto/verify-receipt.dto';
import { lineColumns } from './checkout-pages';
import { dataTable, formatDong, html, raw, type SafeHtml } from './html';
import type { Messages } from './i18n';

/** The server's verdict as the payer reads it. */
export type ServerCheck = 'valid' | 'cancelled' | 'invalid';

export function serverCheckOf(verification: ReceiptVerificationDto): ServerCheck {
  if (verification.valid) return 'valid';
  return verification.reason === 'cancelled' ? 'cancelled' : 'invalid';
}

/** The method as a receipt names it: the gateway's name, or bank transfer. */
function receiptMethod(t: Messages, method: string): string {
  const names: Record<string, string> = {
    vnpay: 'VNPay',
    momo: 'MoMo',
    zalopay: 'ZaloPay',
    vietqr: t.bank_transfer,
  };
  return names[method] ?? method;
}

function time(t: Messages, unix: number): string {
  return `${t.vietnam_time(new Date(unix * 1000))} (${t.time_zone_note})`;
}

function party(t: Messages, who: ReceiptBodyDto['payer']): SafeHtml {
  return html`${who.name}${who.id_number ? html`<br /><span class="muted">${t.id_number}: ${who.id_number}</span>` : ''}${
    who.address ? html`<br /><span class="muted">${t.address}: ${who.address}</span>` : ''
  }`;
}

/** The two checks side by side; the browser's starts as "needs JavaScript" until verify.js runs. */
export function checksPanel(t: Messages, server: ServerCheck): SafeHtml {
  const texts: Record<ServerCheck, [string, string, string]> = {
    valid: [t.check_valid, t.check_valid_text, 'ok'],
    cancelled: [t.check_cancelled, t.check_cancelled_text, 'bad'],
    invalid: [t.check_invalid, t.check_invalid_text, 'bad'],
  };
  const [title, text, tone] = texts[server];
  return html`<section class="checks no-print-break" aria-label="${t.verify_title}">
    <div class="notice ${tone}" id="server-check" data-state="${server}">
      <p>${t.server_check}</p>
      <p><strong>${title}</strong></p>
      <p>${text}</p>
    </div>
    <div
      class="notice warn"
      id="browser-check"
      role="status"
      aria-live="polite"
      data-state="no_script"
      data-text-checking="${t.browser_checking}"
      data-text-valid="${t.browser_valid}"
      data-text-invalid="${t.browser_invalid}"
      data-text-unsupported="${t.browser_unsupported}"
    >
      <p>${t.browser_check}</p>
      <p><strong data-part="result">${t.browser_needs_script}</strong></p>
    </div>
  </section>`;
}

export function receiptDocument(
  t: Messages,
  receipt: ReceiptDto,
  verify: { url: string; qr_svg: string },
  server: ServerCheck,
): SafeHtml {
  const lines = receipt.lines.map(
    (line) =>
      html`<tr>
        <td>${line.fee_name}</td>
        <td class="num">${formatDong(line.amount)}</td>
      </tr> `,
  );
  const svg = verify.qr_svg.replace('<svg ', html`<svg role="img" aria-label="${t.verify_qr_alt}" `.value);
  return html`${
      receipt.status === 'cancelled'
        ? html`<p class="cancelled-banner" role="alert">
            ${t.receipt_cancelled_banner}${
              receipt.cancellation ? html` · ${time(t, receipt.cancellation.cancelled_at)}` : ''
            }
          </p>`
        : ''
    }
    <article class="receipt" aria-labelledby="receipt-heading">
      <figure class="verify-qr">
        <a href="${verify.url}">${raw(svg)}</a>
        <figcaption>${t.verify_qr_caption}</figcaption>
      </figure>
      <h1 id="receipt-heading">
        ${receipt.receipt_name}${receipt.kind === 'refund' ? html` · ${t.refund_receipt}` : ''}
      </h1>
      <p class="symbols">
        ${t.template_symbol}: <span data-field="template_symbol">${receipt.template_symbol}</span> ·
        ${t.series_symbol}: <span data-field="series_symbol">${receipt.series_symbol}</span> ·
        ${t.receipt_number}: <span data-field="number">${receipt.number}</span>
      </p>
      <dl class="fields">
        <dt>${t.collector}</dt>
        <dd>
          ${receipt.collector.name}${
            receipt.collector.id_number
              ? html`<br /><span class="muted">${t.tax_id}: ${receipt.collector.id_number}</span>`
              : ''
          }${receipt.collector.address ? html`<br /><span class="muted">${t.address}: ${receipt.collector.address}</span>` : ''}
        </dd>
        <dt>${t.payer}</dt>
        <dd>${party(t, receipt.payer)}</dd>
        <dt>${t.payment_method}</dt>
        <dd>${receiptMethod(t, receipt.payment_method)}</dd>
        ${
          receipt.gateway_transaction_id
            ? html`<dt>${t.gateway_txn}</dt>
                <dd>${receipt.gateway_transaction_id}</dd>`
            : ''
        }
        <dt>${t.paid_at}</dt>
        <dd>${time(t, receipt.paid_at)}</dd>
        <dt>${t.issued_at}</dt>
        <dd>${time(t, receipt.issued_at)}</dd>
      </dl>
      ${dataTable({
        caption: t.lines_caption,
        columns: lineColumns(t),
        rows: lines,
        foot: html`<tr>
          <th scope="row">${t.total}</th>
          <td class="num" data-field="amount">${formatDong(receipt.amount)}</td>
        </tr>`,
      })}
      <p>${t.in_words}: <strong data-field="amount_in_words">${receipt.amount_in_words}</strong></p>
      ${receipt.cancellation ? html`<p>${t.cancellation_reason}: ${receipt.cancellation.reason}</p>` : ''}
    </article>
    ${checksPanel(t, server)}
    <div class="actions no-print">
      <button type="button" data-print hidden>${t.print}</button>
      <a class="button secondary" href="${verify.url}">${t.verify_link}</a>
    </div>
    <details class="no-print">
      <summary>${t.signed_note}</summary>
      <label for="jws" class="muted">${t.jws_label}</label>
      <textarea id="jws" class="jws" readonly rows="6">${receipt.jws}</textarea>
    </details>`;
}

/** The signed content, shown once the server found the signature and the receipt genuine. */
function signedContent(
  t: Messages,
  receipt: ReceiptBodyDto,
  cancellation: ReceiptVerificationDto['cancellation'],
) {
  return html`<section aria-labelledby="signed-heading">
    <h2 id="signed-heading">${t.signed_content}</h2>
    <dl class="fields">
      <dt>${t.receipt_title}</dt>
      <dd>${receipt.receipt_name}</dd>
      <dt>${t.template_symbol} · ${t.series_symbol} · ${t.receipt_number}</dt>
      <dd>${receipt.template_symbol} · ${receipt.series_symbol} · ${receipt.number}</dd>
      <dt>${t.collector}</dt>
      <dd>${receipt.collector.name}</dd>
      <dt>${t.payer}</dt>
      <dd>${receipt.payer.name}</dd>
      <dt>${t.amount}</dt>
      <dd data-field="amount">${formatDong(receipt.amount)}</dd>
      <dt>${t.in_words}</dt>
      <dd>${receipt.amount_in_words}</dd>
      <dt>${t.paid_at}</dt>
      <dd>${time(t, receipt.paid_at)}</dd>
      ${
        cancellation
          ? html`<dt>${t.cancelled_at}</dt>
              <dd>${time(t, cancellation.cancelled_at)}</dd>
              <dt>${t.cancellation_reason}</dt>
              <dd>${cancellation.reason}</dd>`
          : ''
      }
    </dl>
    <p class="no-print"><a href="/receipts/${receipt.id}">${t.open_receipt}</a></p>
  </section>`;
}

/**
 * The verification page: the checks, what is signed, and the JWS itself (read-only for a stored
 * receipt; an editable form field for one the visitor pasted).
 */
export function verificationBody(
  t: Messages,
  jws: string | null,
  verification: ReceiptVerificationDto | null,
  editable: boolean,
): SafeHtml {
  const server = verification ? serverCheckOf(verification) : null;
  const box = editable
    ? html`<form method="get" action="/receipts/verify">
        <p><label for="jws">${t.jws_label}</label></p>
        <p class="muted" id="jws-hint">${t.verify_paste_hint}</p>
        <textarea id="jws" name="jws" class="jws" rows="8" aria-describedby="jws-hint" required>
${jws ?? ''}</textarea>
        <p><button type="submit">${t.verify_button}</button></p>
      </form>`
    : html`<p><label for="jws">${t.jws_label}</label></p>
        <textarea id="jws" class="jws" readonly rows="8">${jws ?? ''}</textarea>`;
  return html`<h1>${t.verify_title}</h1>
    <p>${t.verify_intro}</p>
    ${server ? checksPanel(t, server) : ''}
    ${verification?.receipt && server !== 'invalid' ? signedContent(t, verification.receipt, verification.cancellation) : ''}
    ${box}`;
}
