// The shared helpers every adapter signs and dates with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { safeEqualHex } from './crypto';
import { deadline, fetchText } from './http';
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

describe('deadline and fetchText', () => {
  it('aborts with a TimeoutError once the time is up, and never once cleared', async () => {
    const expired = deadline(10);
    const cleared = deadline(10);
    cleared.clear();
    await sleep(40);
    assert.equal(expired.signal.aborted, true);
    assert.equal((expired.signal.reason as Error).name, 'TimeoutError');
    assert.equal(cleared.signal.aborted, false);
  });

  it('reads an answer over loopback HTTP, and times out on one that never comes', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/slow') return; // never answers
      response.writeHead(201, { 'content-type': 'text/plain' }).end(`got ${request.method}`);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual(await fetchText(undefined, `${base}/fast`, { method: 'POST', body: 'x' }, 2_000), {
        status: 201,
        text: 'got POST',
      });
      await assert.rejects(fetchText(undefined, `${base}/slow`, { method: 'GET' }, 50), {
        name: 'TimeoutError',
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    }
  });
});
