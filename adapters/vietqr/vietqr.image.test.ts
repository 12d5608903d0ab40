// The VietQR images: a real PNG (signature, header, pixel data that inflates to the declared size) and
// an SVG document, and no image at all for an invalid payload.
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { renderVietQrPng, renderVietQrSvg, VietQrInputError } from './index';
import { loadVietQrVectors } from './vietqr.vectors';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Walks the PNG chunks (bounded by the buffer) and inflates the image data. */
function decodePng(png: Buffer): {
  width: number;
  height: number;
  pixel_bytes: number;
  expected_bytes: number;
} {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  let at = 8;
  let header: Buffer | null = null;
  const data: Buffer[] = [];
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    if (type === 'IEND') break;
    at += 12 + length;
  }
  assert.ok(header, 'PNG has an IHDR chunk');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bit_depth = header[8]!;
  const channels = CHANNELS[header[9]!]!;
  const row_bytes = Math.ceil((width * channels * bit_depth) / 8);
  const pixels = inflateSync(Buffer.concat(data));
  return { width, height, pixel_bytes: pixels.length, expected_bytes: height * (row_bytes + 1) };
}

describe('VietQR images', () => {
  const payload = loadVietQrVectors().payloads[2]!.payload;

  it('renders a PNG that decodes to a non-empty square image', async () => {
    const png = await renderVietQrPng(payload);
    const image = decodePng(png);
    assert.ok(image.width > 0 && image.height > 0);
    assert.equal(image.width, image.height);
    assert.equal(image.pixel_bytes, image.expected_bytes);
  });

  it('scales the PNG with the module size', async () => {
    const small = decodePng(await renderVietQrPng(payload, { scale: 2 }));
    const large = decodePng(await renderVietQrPng(payload, { scale: 8 }));
    assert.equal(large.width, small.width * 4);
  });

  it('renders an SVG document', async () => {
    const svg = await renderVietQrSvg(payload);
    assert.match(svg, /<svg[\s>]/);
    assert.match(svg, /viewBox="0 0 \d+ \d+"/);
  });

  it('refuses to draw an invalid payload', async () => {
    const corrupted = payload.slice(0, -1) + (payload.endsWith('A') ? 'B' : 'A');
    for (const render of [renderVietQrPng, renderVietQrSvg]) {
      await assert.rejects(
        render(corrupted),
        (error) => error instanceof VietQrInputError && error.code === 'crc_mismatch',
      );
    }
  });
});
