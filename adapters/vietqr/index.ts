// The VietQR adapter's public surface: build, parse and draw NAPAS 247 transfer QR codes. src/ wires
// it to bills and payment intents; nothing here touches a database or the network. VietQrClient is
// the GatewayAdapter over them.
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
