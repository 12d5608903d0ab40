// The pages a payer's browser lands on after a gateway: plain, accessible HTML in Vietnamese with
// English, no framework and no script. They only show what the hub has stored; nothing here decides.
import { formatVietnamTime } from '../../adapters/shared/time';

/** What the payer is told. `processing`: paid at the gateway, its confirmation (IPN) not yet here. */
export type ReturnState = 'paid' | 'processing' | 'pending' | 'failed';

export interface ReturnView {
  readonly state: ReturnState;
  readonly amount: bigint;
  readonly reference: string;
  readonly bill_reference: string;
  /** The receipt page's path when the intent succeeded with a receipt. */
  readonly receipt_path: string | null;
  readonly receipt_number: string | null;
}

export interface ReceiptView {
  readonly receipt_name: string;
  readonly symbol: string;
  readonly number: string;
  readonly collector_name: string;
  readonly payer_name: string;
  readonly lines: ReadonlyArray<{ fee_name: string; amount: bigint }>;
  readonly amount: bigint;
  readonly amount_in_words: string;
  readonly paid_at: Date;
  readonly status: 'issued' | 'cancelled';
  readonly jws: string;
}

const TEXT: Record<ReturnState, { vi: string; en: string; detail_vi: string; detail_en: string }> = {
  paid: {
    vi: 'Đã thanh toán',
    en: 'Paid',
    detail_vi: 'Khoản thanh toán của bạn đã được ghi nhận.',
    detail_en: 'Your payment has been received.',
  },
  processing: {
    vi: 'Đang xử lý',
    en: 'Processing',
    detail_vi: 'Giao dịch đang được xác nhận. Vui lòng tải lại trang sau ít phút; không thanh toán lại.',
    detail_en: 'The payment is being confirmed. Reload this page in a few minutes; do not pay again.',
  },
  pending: {
    vi: 'Chưa thanh toán',
    en: 'Not paid yet',
    detail_vi: 'Hệ thống chưa nhận được khoản thanh toán này.',
    detail_en: 'No payment has been received for this yet.',
  },
  failed: {
    vi: 'Thanh toán không thành công',
    en: 'Payment not completed',
    detail_vi: 'Giao dịch không thành công, đã hủy hoặc đã hết hạn. Không có khoản tiền nào được ghi nhận.',
    detail_en: 'The payment failed, was cancelled or expired. No payment was recorded.',
  },
};

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );
}

/** 1234567 -> "1.234.567 ₫" (Vietnamese grouping), from the bigint without a float. */
export function formatDong(amount: bigint): string {
  return `${amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')} ₫`;
}

function page(title: string, status: string, body: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
[lang=en]{color:#444}dt{font-weight:bold}table{border-collapse:collapse}td,th{padding:.25rem .5rem;text-align:left}</style>
</head>
<body>
<main data-status="${escapeHtml(status)}">
${body}
</main>
</body>
</html>
`;
}

export function returnPage(view: ReturnView): string {
  const text = TEXT[view.state];
  const receipt =
    view.receipt_path === null
      ? ''
      : `<p><a href="${escapeHtml(view.receipt_path)}">Xem biên lai${
          view.receipt_number === null ? '' : ` số ${escapeHtml(view.receipt_number)}`
        } <span lang="en">(view the receipt)</span></a></p>\n`;
  return page(
    `${text.vi} · ${text.en}`,
    view.state,
    `<h1>${escapeHtml(text.vi)} <span lang="en">· ${escapeHtml(text.en)}</span></h1>
<p role="status">${escapeHtml(text.detail_vi)} <span lang="en">${escapeHtml(text.detail_en)}</span></p>
<dl>
<dt>Hồ sơ <span lang="en">(bill)</span></dt><dd>${escapeHtml(view.bill_reference)}</dd>
<dt>Số tiền <span lang="en">(amount)</span></dt><dd>${escapeHtml(formatDong(view.amount))}</dd>
<dt>Mã thanh toán <span lang="en">(payment reference)</span></dt><dd>${escapeHtml(view.reference)}</dd>
</dl>
${receipt}`,
  );
}

/** A link that is not one the hub or a gateway made (tampered, cut short, unknown). */
export function invalidLinkPage(): string {
  return page(
    'Liên kết không hợp lệ · Invalid link',
    'invalid',
    `<h1>Liên kết không hợp lệ <span lang="en">· This link is not valid</span></h1>
<p role="alert">Không thể xác minh liên kết này. Vui lòng mở lại trang thanh toán từ cơ quan thu.
<span lang="en">This link could not be verified. Open the payment page again from the agency.</span></p>
`,
  );
}

export function notFoundPage(): string {
  return page(
    'Không tìm thấy · Not found',
    'not_found',
    `<h1>Không tìm thấy giao dịch <span lang="en">· Payment not found</span></h1>
<p role="alert">Không có giao dịch nào ứng với liên kết này. <span lang="en">No payment matches this link.</span></p>
`,
  );
}

export function receiptPage(receipt: ReceiptView): string {
  const rows = receipt.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.fee_name)}</td><td>${escapeHtml(formatDong(line.amount))}</td></tr>`,
    )
    .join('\n');
  const cancelled =
    receipt.status === 'cancelled'
      ? '<p role="alert">Biên lai này đã bị hủy. <span lang="en">This receipt was cancelled.</span></p>\n'
      : '';
  return page(
    `${receipt.receipt_name} ${receipt.symbol} ${receipt.number}`,
    receipt.status,
    `<h1>${escapeHtml(receipt.receipt_name)} <span lang="en">· Receipt</span></h1>
${cancelled}<dl>
<dt>Mẫu số, ký hiệu, số <span lang="en">(template, series, number)</span></dt><dd>${escapeHtml(receipt.symbol)} · ${escapeHtml(receipt.number)}</dd>
<dt>Đơn vị thu <span lang="en">(collector)</span></dt><dd>${escapeHtml(receipt.collector_name)}</dd>
<dt>Người nộp <span lang="en">(payer)</span></dt><dd>${escapeHtml(receipt.payer_name)}</dd>
<dt>Thời gian <span lang="en">(paid at, Vietnam time)</span></dt><dd>${escapeHtml(formatVietnamTime(receipt.paid_at, 'dd/MM/yyyy HH:mm:ss'))}</dd>
</dl>
<table>
<caption>Khoản thu <span lang="en">(fees)</span></caption>
<thead><tr><th scope="col">Nội dung <span lang="en">(fee)</span></th><th scope="col">Số tiền <span lang="en">(amount)</span></th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th scope="row">Tổng <span lang="en">(total)</span></th><td>${escapeHtml(formatDong(receipt.amount))}</td></tr></tfoot>
</table>
<p>Bằng chữ <span lang="en">(in words)</span>: ${escapeHtml(receipt.amount_in_words)}</p>
<details><summary>Chữ ký số <span lang="en">(signed receipt, JWS: verify with POST /v1/receipts/verify)</span></summary>
<pre style="white-space:pre-wrap;word-break:break-all">${escapeHtml(receipt.jws)}</pre></details>
`,
  );
}
