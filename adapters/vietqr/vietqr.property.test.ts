// Properties of the VietQR builder and parser over random inputs: what buildVietQr writes, parseVietQr
// reads back unchanged, and no single-character corruption of a payload passes as a valid code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildVietQr, parseVietQr, stripDiacritics, VIETQR_BANKS, type VietQrInput } from './index';
import { loadVietQrVectors } from './vietqr.vectors';

const VIETNAMESE =
  'aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ';
const textUnit = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }).filter((c) => c >= ' ' && c <= '~'),
  fc.constantFrom(...VIETNAMESE),
);
const text = (max: number) => fc.string({ unit: textUnit, minLength: 1, maxLength: max });

const input: fc.Arbitrary<VietQrInput> = fc.record(
  {
    bin: fc.oneof(fc.constantFrom(...VIETQR_BANKS.map((bank) => bank.bin)), fc.stringMatching(/^\d{6,10}$/)),
    account: fc.stringMatching(/^[0-9A-Za-z]{1,19}$/),
    amount: fc.bigInt({ min: 1n, max: 10n ** 13n - 1n }),
    bill_number: text(25),
    purpose: text(25),
    service: fc.constantFrom('QRIBFTTA' as const, 'QRIBFTTC' as const),
    merchant_name: text(25),
    merchant_city: text(15),
  },
  { requiredKeys: ['bin', 'account'] },
);

// One character to put in place of another: printable ASCII, a control, or non-ASCII (1 to 4 bytes).
const replacement = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
  fc.constantFrom('đ', 'é', '€', '😀', '\u0000'),
);

function sameExceptCrc(a: unknown, b: unknown): void {
  const { crc: _a, ...left } = a as { crc: string };
  const { crc: _b, ...right } = b as { crc: string };
  assert.deepEqual(left, right);
}

/**
 * A corrupted payload must be refused. The one change that is accepted is a case flip of a hex letter
 * inside the CRC, because the CRC is read case-insensitively; it must then read as the same transfer.
 */
function assertCorruptionRefused(original: string, index: number, character: string): void {
  if (original[index] === character) return;
  const corrupted = original.slice(0, index) + character + original.slice(index + 1);
  const result = parseVietQr(corrupted);
  if (!result.ok) return;
  const is_crc_case_flip = index >= original.length - 4 && character.toUpperCase() === original[index];
  assert.ok(is_crc_case_flip, `position ${index} changed to ${JSON.stringify(character)} was accepted`);
  const before = parseVietQr(original);
  assert.ok(before.ok);
  sameExceptCrc(result.value, before.value);
}

describe('VietQR properties', () => {
  it('parses what it builds back to the same fields', () => {
    fc.assert(
      fc.property(input, (given) => {
        const payload = buildVietQr(given);
        const result = parseVietQr(payload);
        if (!result.ok) assert.fail(`${result.reason}: ${result.detail}`);
        const value = result.value;
        assert.equal(value.bin, given.bin);
        assert.equal(value.account, given.account);
        assert.equal(value.amount, given.amount ?? null);
        assert.equal(value.point_of_initiation, given.amount === undefined ? 'static' : 'dynamic');
        assert.equal(value.service, given.service ?? 'QRIBFTTA');
        for (const field of ['bill_number', 'purpose', 'merchant_name', 'merchant_city'] as const) {
          const expected = given[field] === undefined ? null : stripDiacritics(given[field]);
          assert.equal(value[field], expected, field);
        }
        assert.match(value.crc, /^[0-9A-F]{4}$/);
        assert.deepEqual(value.other_fields, []);
        assert.match(payload, /^[\x20-\x7e]+$/, 'payloads are printable ASCII');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any one-character change to a built payload', () => {
    fc.assert(
      fc.property(input, fc.nat(), replacement, (given, position, character) => {
        const payload = buildVietQr(given);
        assertCorruptionRefused(payload, position % payload.length, character);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every one-character change to every vector payload (exhaustive over printable ASCII)', () => {
    const printable = Array.from({ length: 95 }, (_, offset) => String.fromCharCode(0x20 + offset));
    let tried = 0;
    for (const vector of loadVietQrVectors().payloads) {
      for (let index = 0; index < vector.payload.length; index++) {
        for (const character of [...printable, 'đ', '😀']) {
          assertCorruptionRefused(vector.payload, index, character);
          tried++;
        }
      }
    }
    assert.ok(tried > 30_000, `tried ${tried}`);
  });
});
