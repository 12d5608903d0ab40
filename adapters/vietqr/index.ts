// The VietQR adapter's public surface: build, parse and draw NAPAS 247 transfer QR codes, verify the
// bank's transfer notifications, match them to bills and read the account statement. src/ wires it to
// bills and payment intents; nothing here touches a database. VietQrClient is the GatewayAdapter.
export { bankByBin, VIETQR_BANKS, type VietQrBank } from './vietqr.banks';
export { appendCrc, crc16, crc16Hex, crcMatches } from './vietqr.crc';
export {
  VIETQR_AMOUNT_CEILING,
  VIETQR_AMOUNT_MAX,
  VIETQR_AMOUNT_MIN,
  VietQrClient,
  vietQrPaymentReference,
  type VietQrConfig,
} from './vietqr.client';
// All of the matcher is public, so its names are not listed again here (its tests import the same ones).
export * from './vietqr.matcher';
export {
  bankNotificationBody,
  parseIsoWithOffset,
  signBankNotification,
  STATEMENT_TRANSACTIONS_MAX,
  VIETQR_SIGNATURE_HEADER,
  verifyBankNotification,
  verifyBankStatement,
  type BankNotification,
  type BankNotificationResult,
  type BankStatementResult,
  type SignedRequest,
} from './vietqr.notification';
export {
  parseSettlementFile,
  VIETQR_STATEMENT_COLUMNS,
  VIETQR_STATEMENT_TRAILER,
  writeSettlementFile,
  type VietQrStatementEntry,
} from './vietqr.settlement';
export { renderVietQrPng, renderVietQrSvg, type VietQrImageOptions } from './vietqr.image';
export {
  AMOUNT_DIGITS_MAX,
  buildVietQr,
  NAPAS_GUID,
  parseVietQr,
  stripDiacritics,
  TEXT_BYTES_MAX,
  VIETQR_REJECTIONS,
  VIETQR_SERVICES,
  VietQrInputError,
  type VietQr,
  type VietQrInput,
  type VietQrParseResult,
  type VietQrRejection,
  type VietQrService,
} from './vietqr.payload';
export {
  decodeTlv,
  encodeTlv,
  TlvEncodeError,
  type TlvField,
  type TlvNode,
  type TemplateSpec,
} from './vietqr.tlv';
