// The pages' words in Vietnamese (the default) and English. One dictionary per language with the same
// keys (the type makes a missing English entry a compile error); a phrase with a value in it is a
// function. The language comes from `?lang=vi|en` (which the switch link sets and a cookie keeps),
// else the cookie, else Vietnamese.
import { formatVietnamTime } from '../../adapters/shared/time';

export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'vi';

export function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}

const VI = {
  site_name: 'Cổng thanh toán dịch vụ công',
  skip_to_content: 'Chuyển đến nội dung chính',
  language: 'Ngôn ngữ',
  switch_to: 'Tiếng Việt',
  footer:
    'Thanh toán không dùng tiền mặt cho dịch vụ công. Không chia sẻ liên kết thanh toán với người khác.',

  // Errors
  invalid_link_title: 'Liên kết không hợp lệ',
  invalid_link_text:
    'Không thể xác minh liên kết thanh toán này. Vui lòng mở lại liên kết do cơ quan thu gửi cho bạn.',
  not_found_title: 'Không tìm thấy',
  not_found_text: 'Không có nội dung nào ứng với liên kết này.',
  form_expired_title: 'Phiên làm việc đã hết hạn',
  form_expired_text: 'Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.',
  back_to_checkout: 'Quay lại trang thanh toán',

  // Checkout
  checkout_title: 'Thanh toán',
  bill_heading: 'Thông tin khoản thu',
  agency: 'Cơ quan thu',
  bill_reference: 'Mã hồ sơ',
  payer: 'Người nộp',
  fee: 'Nội dung',
  amount: 'Số tiền',
  total: 'Tổng cộng',
  amount_due: 'Số tiền cần thanh toán',
  lines_caption: 'Các khoản thu',
  deposits_applied: 'Đã tạm ứng',
  expires_at: 'Hạn thanh toán',
  choose_method: 'Chọn phương thức thanh toán',
  method_vnpay: 'VNPay (thẻ ATM, thẻ quốc tế, QR ngân hàng)',
  method_momo: 'Ví MoMo',
  method_zalopay: 'Ví ZaloPay',
  method_vietqr: 'Chuyển khoản ngân hàng bằng mã VietQR',
  pay_button: 'Thanh toán',
  last_attempt_failed:
    'Lần thanh toán trước không thành công. Không có khoản tiền nào bị trừ; bạn có thể thử lại.',
  processing_notice:
    'Một khoản thanh toán cho hồ sơ này đang được xác nhận. Vui lòng chờ, không thanh toán lại.',
  gateway_error: 'Cổng thanh toán chưa nhận được yêu cầu. Vui lòng thử lại hoặc chọn phương thức khác.',
  gateway_refused: 'Phương thức này không thể thanh toán khoản thu này. Vui lòng chọn phương thức khác.',
  already_paid_title: 'Khoản thu đã được thanh toán',
  already_paid_text: 'Khoản thu này đã được thanh toán. Bạn không cần thanh toán lại.',
  expired_title: 'Liên kết thanh toán đã hết hạn',
  expired_text: 'Đã quá hạn thanh toán khoản thu này. Vui lòng liên hệ cơ quan thu để được cấp liên kết mới.',
  cancelled_title: 'Khoản thu đã bị hủy',
  cancelled_text: 'Cơ quan thu đã hủy khoản thu này. Vui lòng liên hệ cơ quan thu nếu bạn cần thanh toán.',
  view_receipt: 'Xem biên lai',

  // VietQR
  vietqr_title: 'Chuyển khoản bằng mã VietQR',
  vietqr_instructions:
    'Mở ứng dụng ngân hàng, quét mã dưới đây và xác nhận chuyển khoản. Giữ nguyên số tiền và nội dung chuyển khoản.',
  vietqr_image_alt: (amount: string, reference: string) =>
    `Mã VietQR: chuyển ${amount}, nội dung ${reference}`,
  bank: 'Ngân hàng',
  account: 'Số tài khoản',
  transfer_content: 'Nội dung chuyển khoản',
  waiting_for_transfer: 'Đang chờ chuyển khoản. Trang này tự cập nhật khi nhận được tiền.',
  choose_another_method: 'Chọn phương thức khác',

  // Result
  result_title: 'Kết quả thanh toán',
  state_paid: 'Thanh toán thành công',
  state_paid_text: 'Khoản thanh toán của bạn đã được ghi nhận. Biên lai điện tử đã được phát hành.',
  state_processing: 'Đang xác nhận thanh toán',
  state_processing_text:
    'Giao dịch đang được xác nhận. Trang này tự cập nhật; vui lòng không thanh toán lại.',
  state_pending: 'Chưa nhận được thanh toán',
  state_pending_text: 'Hệ thống chưa nhận được khoản thanh toán. Trang này tự cập nhật.',
  state_failed: 'Thanh toán không thành công',
  state_failed_text: 'Giao dịch không thành công hoặc đã bị hủy. Không có khoản tiền nào được ghi nhận.',
  state_expired: 'Giao dịch đã hết hạn',
  state_expired_text: 'Đã hết thời gian thanh toán cho giao dịch này. Không có khoản tiền nào được ghi nhận.',
  try_again: 'Thử lại',
  payment_reference: 'Mã giao dịch',

  // Receipt
  receipt_title: 'Biên lai',
  template_symbol: 'Mẫu số',
  series_symbol: 'Ký hiệu',
  receipt_number: 'Số',
  collector: 'Đơn vị thu',
  tax_id: 'Mã số thuế',
  address: 'Địa chỉ',
  id_number: 'Số định danh',
  in_words: 'Số tiền bằng chữ',
  payment_method: 'Hình thức thanh toán',
  bank_transfer: 'Chuyển khoản ngân hàng (VietQR)',
  gateway_txn: 'Mã giao dịch cổng thanh toán',
  paid_at: 'Thời gian thanh toán',
  issued_at: 'Thời gian lập',
  time_zone_note: 'giờ Việt Nam',
  receipt_cancelled_banner: 'BIÊN LAI NÀY ĐÃ BỊ HỦY',
  refund_receipt: 'Biên lai hoàn tiền',
  print: 'In biên lai',
  verify_qr_alt: 'Mã QR để kiểm tra biên lai trực tuyến',
  verify_qr_caption: 'Quét mã để kiểm tra tính xác thực của biên lai',
  verify_link: 'Kiểm tra biên lai',
  signed_note: 'Biên lai được ký số (Ed25519). Chuỗi chữ ký số (JWS):',

  // Verification
  verify_title: 'Kiểm tra biên lai',
  verify_intro:
    'Biên lai được kiểm tra hai lần: bởi máy chủ của cổng thanh toán, và ngay trên trình duyệt của bạn bằng khóa công khai của cổng.',
  server_check: 'Kết quả kiểm tra của máy chủ',
  browser_check: 'Kết quả kiểm tra trên trình duyệt',
  check_valid: 'Hợp lệ',
  check_valid_text: 'Biên lai đúng như cổng thanh toán đã phát hành.',
  check_cancelled: 'Đã hủy',
  check_cancelled_text: 'Biên lai là thật nhưng đã bị hủy; không còn giá trị chứng minh đã nộp tiền.',
  check_invalid: 'Không hợp lệ',
  check_invalid_text:
    'Chữ ký không khớp: biên lai có thể đã bị sửa đổi hoặc không do cổng thanh toán phát hành.',
  browser_checking: 'Đang kiểm tra…',
  browser_valid: 'Chữ ký hợp lệ',
  browser_invalid: 'Chữ ký không hợp lệ',
  browser_unsupported: 'Trình duyệt này không hỗ trợ kiểm tra chữ ký Ed25519.',
  browser_needs_script: 'Cần bật JavaScript để kiểm tra trên trình duyệt.',
  jws_label: 'Chuỗi chữ ký số của biên lai (JWS)',
  verify_button: 'Kiểm tra',
  signed_content: 'Nội dung đã ký',
  cancelled_at: 'Thời gian hủy',
  cancellation_reason: 'Lý do hủy',
  open_receipt: 'Mở biên lai',
  verify_paste_hint: 'Dán chuỗi JWS của biên lai vào ô dưới đây.',
  vietnam_time: (date: Date) => formatVietnamTime(date, 'dd/MM/yyyy HH:mm:ss'),
};

export type Messages = typeof VI;

const EN: Messages = {
  site_name: 'Public services payments',
  skip_to_content: 'Skip to the main content',
  language: 'Language',
  switch_to: 'English',
  footer: 'Cashless payments for public services. Do not share your payment link with anyone.',

  invalid_link_title: 'Invalid link',
  invalid_link_text: 'This payment link could not be verified. Open the link the agency sent you again.',
  not_found_title: 'Not found',
  not_found_text: 'Nothing matches this link.',
  form_expired_title: 'Your session has expired',
  form_expired_text: 'The form has expired or is not valid. Reload the page and try again.',
  back_to_checkout: 'Back to the payment page',

  checkout_title: 'Payment',
  bill_heading: 'What you are paying',
  agency: 'Agency',
  bill_reference: 'Reference',
  payer: 'Payer',
  fee: 'Item',
  amount: 'Amount',
  total: 'Total',
  amount_due: 'Amount to pay',
  lines_caption: 'Items',
  deposits_applied: 'Deposits already paid',
  expires_at: 'Pay by',
  choose_method: 'Choose how to pay',
  method_vnpay: 'VNPay (ATM card, international card, bank QR)',
  method_momo: 'MoMo wallet',
  method_zalopay: 'ZaloPay wallet',
  method_vietqr: 'Bank transfer with a VietQR code',
  pay_button: 'Pay',
  last_attempt_failed: 'Your last attempt did not go through. No money was taken; you can try again.',
  processing_notice: 'A payment for this bill is being confirmed. Please wait and do not pay again.',
  gateway_error: 'The payment gateway did not take the request. Try again or choose another method.',
  gateway_refused: 'This method cannot pay this bill. Choose another method.',
  already_paid_title: 'Already paid',
  already_paid_text: 'This bill has been paid. You do not need to pay again.',
  expired_title: 'This payment link has expired',
  expired_text: 'The time to pay this bill has passed. Contact the agency for a new link.',
  cancelled_title: 'This bill was cancelled',
  cancelled_text: 'The agency cancelled this bill. Contact the agency if you still need to pay.',
  view_receipt: 'View the receipt',

  vietqr_title: 'Pay by bank transfer with VietQR',
  vietqr_instructions:
    'Open your banking app, scan the code below and confirm the transfer. Keep the amount and the transfer message as they are.',
  vietqr_image_alt: (amount: string, reference: string) =>
    `VietQR code: transfer ${amount} with the message ${reference}`,
  bank: 'Bank',
  account: 'Account number',
  transfer_content: 'Transfer message',
  waiting_for_transfer: 'Waiting for your transfer. This page updates itself when the money arrives.',
  choose_another_method: 'Choose another method',

  result_title: 'Payment result',
  state_paid: 'Payment successful',
  state_paid_text: 'Your payment has been received. An electronic receipt has been issued.',
  state_processing: 'Confirming your payment',
  state_processing_text: 'The payment is being confirmed. This page updates itself; do not pay again.',
  state_pending: 'No payment received yet',
  state_pending_text: 'No payment has been received yet. This page updates itself.',
  state_failed: 'Payment not completed',
  state_failed_text: 'The payment failed or was cancelled. No money was taken.',
  state_expired: 'This payment has expired',
  state_expired_text: 'The time for this payment has passed. No money was taken.',
  try_again: 'Try again',
  payment_reference: 'Payment reference',

  receipt_title: 'Receipt',
  template_symbol: 'Template',
  series_symbol: 'Series',
  receipt_number: 'Number',
  collector: 'Collector',
  tax_id: 'Tax ID',
  address: 'Address',
  id_number: 'ID number',
  in_words: 'Amount in words',
  payment_method: 'Paid with',
  bank_transfer: 'Bank transfer (VietQR)',
  gateway_txn: 'Gateway transaction',
  paid_at: 'Paid at',
  issued_at: 'Issued at',
  time_zone_note: 'Vietnam time',
  receipt_cancelled_banner: 'THIS RECEIPT WAS CANCELLED',
  refund_receipt: 'Refund receipt',
  print: 'Print the receipt',
  verify_qr_alt: 'QR code to check this receipt online',
  verify_qr_caption: 'Scan to check that this receipt is genuine',
  verify_link: 'Check this receipt',
  signed_note: 'This receipt is digitally signed (Ed25519). Its signed form (JWS):',

  verify_title: 'Check a receipt',
  verify_intro:
    'The receipt is checked twice: by the payment hub’s server, and in your own browser with the hub’s public key.',
  server_check: 'The server’s check',
  browser_check: 'Your browser’s check',
  check_valid: 'Valid',
  check_valid_text: 'The receipt is exactly as the payment hub issued it.',
  check_cancelled: 'Cancelled',
  check_cancelled_text: 'The receipt is genuine but was cancelled; it no longer proves a payment.',
  check_invalid: 'Not valid',
  check_invalid_text:
    'The signature does not match: the receipt may have been altered, or the hub did not issue it.',
  browser_checking: 'Checking…',
  browser_valid: 'Signature valid',
  browser_invalid: 'Signature not valid',
  browser_unsupported: 'This browser cannot check Ed25519 signatures.',
  browser_needs_script: 'Turn on JavaScript for the check in your browser.',
  jws_label: 'The receipt’s signed form (JWS)',
  verify_button: 'Check',
  signed_content: 'What is signed',
  cancelled_at: 'Cancelled at',
  cancellation_reason: 'Reason',
  open_receipt: 'Open the receipt',
  verify_paste_hint: 'Paste the receipt’s JWS in the box below.',
  vietnam_time: (date: Date) => formatVietnamTime(date, 'dd/MM/yyyy HH:mm:ss'),
};

const DICTIONARIES: Record<Lang, Messages> = { vi: VI, en: EN };

export function messages(lang: Lang): Messages {
  return DICTIONARIES[lang];
}

/** The key sets of both dictionaries (for the test that keeps them equal at run time too). */
export function dictionaryKeys(): Record<Lang, string[]> {
  return { vi: Object.keys(VI).sort(), en: Object.keys(EN).sort() };
}
