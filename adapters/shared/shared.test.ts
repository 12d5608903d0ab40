// The shared helpers every adapter signs and dates with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { safeEqualHex } from './crypto';
import { SAFE_TEXT, toSafeText } from './text';
import { formatVietnamTime, parseVietnamTime14 } from './time';

describe('safeEqualHex', () => {
  it('compares hex case-insensitively', () => {
    assert.equal(safeEqualHex('abcdef0123', 'ABCDEF0123'), true);
    assert.equal(safeEqualHex('abcdef0123', 'abcdef0124'), false);
  });

  it('refuses different lengths and non-hex text', () => {
    assert.equal(safeEqualHex('abcd', 'abcdef'), false);
    assert.equal(safeEqualHex('zz', 'zz'), false);
    assert.equal(safeEqualHex('', ''), true);
  });
});

describe('Vietnam time', () => {
  it('formats an instant as UTC+7 wall-clock time', () => {
    assert.equal(formatVietnamTime(new Date('2021-08-01T08:33:33Z'), 'yyyyMMddHHmmss'), '20210801153333');
    assert.equal(
      formatVietnamTime(new Date('2026-12-31T17:00:00Z'), 'yyyy-MM-dd HH:mm:ss'),
      '2027-01-01 00:00:00',
    );
  });

  it('parses yyyyMMddHHmmss back to the same instant', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01Z'), max: new Date('2099-12-31Z'), noInvalidDate: true }),
        (d) => {
          const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
          assert.equal(
            parseVietnamTime14(formatVietnamTime(whole, 'yyyyMMddHHmmss'))?.getTime(),
            whole.getTime(),
          );
        },
      ),
    );
  });

  it('refuses dates that do not exist', () => {
    assert.equal(parseVietnamTime14('20261131120000'), null);
    assert.equal(parseVietnamTime14('20261122250000'), null);
    assert.equal(parseVietnamTime14('2026112212000'), null);
  });
});

describe('toSafeText', () => {
  it('strips Vietnamese diacritics and đ', () => {
    assert.equal(
      toSafeText('Thanh toán lệ phí hồ sơ HS-2026-000123'),
      'Thanh toan le phi ho so HS-2026-000123',
    );
    assert.equal(toSafeText('Đăng ký xe đạp, Ưu tiên'), 'Dang ky xe dap, Uu tien');
  });

  it('replaces what encoders disagree on and cuts to the limit', () => {
    assert.equal(toSafeText("Phí (lần 2)! ~*'#&="), 'Phi lan 2');
    assert.equal(toSafeText('a'.repeat(300)).length, 255);
  });

  it('always lands in the safe set', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => SAFE_TEXT.test(toSafeText(s))));
  });
});
