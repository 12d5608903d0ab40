// Renders a VietQR payload as the picture a payer scans: PNG bytes for receipts and kiosks, SVG text
// for web pages. Only valid payloads are drawn, so a broken code never reaches a citizen.
import { toBuffer, toString } from 'qrcode';
import { parseVietQr, VietQrInputError } from './vietqr.payload';

export interface VietQrImageOptions {
  /** Pixels per module (PNG only). Default 8. */
  scale?: number;
  /** Quiet zone in modules. Default 4, the minimum ISO/IEC 18004 asks for. */
  margin?: number;
  /** Default 'M': bank apps read it reliably and it keeps the code small. */
  error_correction?: 'L' | 'M' | 'Q' | 'H';
}

function checked(payload: string): void {
  const parsed = parseVietQr(payload);
  if (!parsed.ok)
    throw new VietQrInputError(parsed.reason, 'payload', `not a valid VietQR payload: ${parsed.detail}`);
}

/** The payload as a PNG image (starts with the PNG signature). Throws VietQrInputError for an invalid payload. */
export async function renderVietQrPng(payload: string, options: VietQrImageOptions = {}): Promise<Buffer> {
  checked(payload);
  return toBuffer(payload, {
    type: 'png',
    errorCorrectionLevel: options.error_correction ?? 'M',
    margin: options.margin ?? 4,
    scale: options.scale ?? 8,
  });
}

/** The payload as an SVG document. Throws VietQrInputError for an invalid payload. */
export async function renderVietQrSvg(payload: string, options: VietQrImageOptions = {}): Promise<string> {
  checked(payload);
  return toString(payload, {
    type: 'svg',
    errorCorrectionLevel: options.error_correction ?? 'M',
    margin: options.margin ?? 4,
  });
}
