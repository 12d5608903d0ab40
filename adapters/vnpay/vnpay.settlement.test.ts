// The VNPay settlement file: what the writer produces the parser reads back, and every way a file can be
// wrong is refused with its code and the line to look at.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SettlementRow } from '../contract';
import {
  VNPAY_SETTLEMENT_COLUMNS,
  parsePayDate,
  parseSettlementFile,
  writeSettlementFile,
  type VnpaySettlementRecord,
} from './vnpay.settlement';
import { chunksOf, collectRows, refusalOf } from '../shared/settlement.testing';

const HEADER = VNPAY_SETTLEMENT_COLUMNS.join(',');

const payment: VnpaySettlementRecord = {
  TmnCode: 'HUEPAY01',
  TxnRef: 'pi_01JD3K8Y5Z0000000000000001',
  TransactionNo: '14226112',
  TransactionType: '01',
  RefundRequestId: '',
  Amount: 150_000n,
  Fee: 1_650n,
  PayDate: new Date('2026-11-22T02:45:12Z'),
  ResponseCode: '00',
  TransactionStatus: '00',
};

const refund: VnpaySettlementRecord = {
  ...payment,
  TransactionNo: '14226999',
  TransactionType: '03',
  RefundRequestId: 're_01JD3K8Y5Z0000000000000001',
  Amount: 50_000n,
  Fee: 0n,
  PayDate: new Date('2026-11-22T08:00:00Z'),
  TransactionStatus: '06',
};

const PAYMENT_LINE = 'HUEPAY01,pi_01JD3K8Y5Z0000000000000001,14226112,01,,150000,1650,20261122094512,00,00';

function parse(text: string | Buffer, tmn_code?: string): Promise<SettlementRow[]> {
  return collectRows(parseSettlementFile(chunksOf(text, 64), { tmn_code }));
}

function file(rows: string[], trailer: string | null = null): string {
  return [HEADER, ...rows, ...(trailer === null ? [] : [trailer])].map((line) => `${line}\n`).join('');
}

function refusal(text: string | Buffer, tmn_code?: string): Promise<[string, number]> {
  return refusalOf(parseSettlementFile(chunksOf(text, 64), { tmn_code }));
}

describe('VNPay settlement file', () => {
  it('writes the header, one row per record and the TOTAL trailer, amounts in whole VND', () => {
    const text = [...writeSettlementFile([payment, refund])].join('');
    assert.equal(
      text,
      `${HEADER}\n${PAYMENT_LINE}\n` +
        'HUEPAY01,pi_01JD3K8Y5Z0000000000000001,14226999,03,re_01JD3K8Y5Z0000000000000001,50000,0,20261122150000,00,06\n' +
        'TOTAL,2,200000,1650\n',
    );
  });

  it('reads back what it wrote: payments and refunds with their fee, status, time and line', async () => {
    const rows = await parse([...writeSettlementFile([payment, refund])].join(''), 'HUEPAY01');
    assert.deepEqual(rows, [
      {
        gateway: 'vnpay',
        kind: 'payment',
        merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
        gateway_txn_id: '14226112',
        refund_ref: null,
        amount: 150_000n,
        fee: 1_650n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-22T02:45:12Z'),
        line: 2,
      },
      {
        gateway: 'vnpay',
        kind: 'refund',
        merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
        gateway_txn_id: '14226999',
        refund_ref: 're_01JD3K8Y5Z0000000000000001',
        amount: 50_000n,
        fee: 0n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-22T08:00:00Z'),
        line: 3,
      },
    ]);
  });

  it('reads failed payments and rejected refunds as failed rows', async () => {
    const rows = await parse(
      file(
        [
          'HUEPAY01,pi_a,0,01,,150000,0,20261122094512,24,02',
          'HUEPAY01,pi_b,14226113,02,re_b,150000,0,20261122094512,00,09',
        ],
        'TOTAL,2,300000,0',
      ),
    );
    assert.deepEqual(
      rows.map((r) => [r.kind, r.status]),
      [
        ['payment', 'failed'],
        ['refund', 'failed'],
      ],
    );
  });

  it('accepts a BOM, CRLF and blank lines, counting lines as the file does', async () => {
    const text = `\ufeff${HEADER}\r\n\r\n${PAYMENT_LINE}\r\nTOTAL,1,150000,1650\r\n`;
    const rows = await parse(text);
    assert.deepEqual(
      rows.map((r) => r.line),
      [3],
    );
  });

  it('refuses the writer a record the parser would refuse', () => {
    assert.throws(() => [...writeSettlementFile([{ ...payment, Fee: 150_001n }])], RangeError);
    assert.throws(() => [...writeSettlementFile([{ ...payment, ResponseCode: '07' }])], RangeError);
    assert.throws(() => [...writeSettlementFile([{ ...refund, RefundRequestId: '' }])], RangeError);
  });

  describe('refuses', () => {
    it('a header with a missing, an extra or a renamed column: wrong_columns on line 1', async () => {
      const body = `${PAYMENT_LINE}\nTOTAL,1,150000,1650\n`;
      const missing = VNPAY_SETTLEMENT_COLUMNS.slice(0, -1).join(',');
      assert.deepEqual(await refusal(`${missing}\n${body}`), ['wrong_columns', 1]);
      assert.deepEqual(await refusal(`${HEADER},Extra\n${body}`), ['wrong_columns', 1]);
      assert.deepEqual(await refusal(`${HEADER.replace('Fee', 'Fees')}\n${body}`), ['wrong_columns', 1]);
      assert.deepEqual(await refusal(''), ['wrong_columns', 1]);
      assert.deepEqual(await refusal(`\n${HEADER}\n${body}`), ['wrong_columns', 1]);
    });

    it('bytes that are not UTF-8: bad_encoding with their line', async () => {
      const text = Buffer.concat([
        Buffer.from(file([PAYMENT_LINE, PAYMENT_LINE.replace('pi_01', 'pi_02')])),
        Buffer.from('HUEPAY01,pi_\xff,1,01,,1,0,20261122094512,00,00\n', 'latin1'),
      ]);
      assert.deepEqual(await refusal(text), ['bad_encoding', 4]);
    });

    const badRows: [string, string][] = [
      ['an amount with a decimal point', PAYMENT_LINE.replace(',150000,', ',150000.00,')],
      ['a negative amount', PAYMENT_LINE.replace(',150000,', ',-150000,')],
      ['a zero amount', PAYMENT_LINE.replace(',150000,1650,', ',0,0,')],
      ['a fee above the amount', PAYMENT_LINE.replace(',1650,', ',150001,')],
      ['a date that does not exist', PAYMENT_LINE.replace('20261122094512', '20261131094512')],
      ['a date at 24 h', PAYMENT_LINE.replace('20261122094512', '20261122240000')],
      ['a date in another format', PAYMENT_LINE.replace('20261122094512', '2026-11-22 09:45')],
      ['a status that is not final', PAYMENT_LINE.replace(',00,00', ',00,01')],
      ['an unknown status', PAYMENT_LINE.replace(',00,00', ',42,00')],
      ['a refund status on a payment', PAYMENT_LINE.replace(',00,00', ',00,06')],
      ['an unknown transaction type', PAYMENT_LINE.replace(',01,,', ',04,,')],
      ['a payment with a refund reference', PAYMENT_LINE.replace(',01,,', ',01,re_1,')],
      ['a refund without its reference', PAYMENT_LINE.replace(',01,,', ',03,,').replace(',00,00', ',00,06')],
      ['a TransactionNo that is not digits', PAYMENT_LINE.replace('14226112', 'VNP14226112')],
      ['a TxnRef with a space', PAYMENT_LINE.replace('pi_01', 'pi 01')],
      ['one field too few', PAYMENT_LINE.replace(',00,00', ',00')],
      ['one field too many', `${PAYMENT_LINE},x`],
      ['another terminal', PAYMENT_LINE.replace('HUEPAY01', 'OTHERTM1')],
    ];
    for (const [what, row] of badRows) {
      it(`${what}: bad_row with its line`, async () => {
        const text = file([PAYMENT_LINE, row], 'TOTAL,2,300000,3300');
        assert.deepEqual(await refusal(text, 'HUEPAY01'), ['bad_row', 3]);
      });
    }

    it('a row for another terminal than the first row, when no terminal is configured', async () => {
      const other = PAYMENT_LINE.replace('HUEPAY01', 'OTHERTM1');
      assert.deepEqual(await refusal(file([PAYMENT_LINE, other], 'TOTAL,2,300000,3300')), ['bad_row', 3]);
    });

    it('a line after the trailer, and a malformed trailer: bad_row', async () => {
      const trailer = 'TOTAL,1,150000,1650';
      assert.deepEqual(await refusal(file([PAYMENT_LINE, trailer, PAYMENT_LINE])), ['bad_row', 4]);
      assert.deepEqual(await refusal(file([PAYMENT_LINE], 'TOTAL,1,150000')), ['bad_row', 3]);
    });

    it('a missing trailer, totals that do not match, a last line without newline: truncated', async () => {
      assert.deepEqual(await refusal(file([PAYMENT_LINE])), ['truncated', 3]);
      assert.deepEqual(await refusal(file([PAYMENT_LINE], 'TOTAL,2,150000,1650')), ['truncated', 3]);
      assert.deepEqual(await refusal(file([PAYMENT_LINE], 'TOTAL,1,150001,1650')), ['truncated', 3]);
      assert.deepEqual(await refusal(file([PAYMENT_LINE], 'TOTAL,1,150000,1651')), ['truncated', 3]);
      const cut = file([PAYMENT_LINE], 'TOTAL,1,150000,1650').slice(0, -1);
      assert.deepEqual(await refusal(cut), ['truncated', 3]);
    });
  });

  it('parses PayDate as Vietnam time and refuses impossible dates', () => {
    assert.deepEqual(parsePayDate('20261122000000'), new Date('2026-11-21T17:00:00Z'));
    assert.deepEqual(parsePayDate('20280229120000'), new Date('2028-02-29T05:00:00Z'));
    assert.equal(parsePayDate('20270229120000'), null);
    assert.equal(parsePayDate('21000229120000'), null);
    assert.equal(parsePayDate('20261122096000'), null);
    assert.equal(parsePayDate('00991122090000'), null);
  });

  it('streams 100,000 rows written by the generator, in small chunks, with the right totals', async () => {
    const count = 100_000;
    function* records(): Generator<VnpaySettlementRecord> {
      for (let i = 0; i < count; i += 1) {
        const isRefund = i % 10 === 9;
        yield {
          ...(isRefund ? refund : payment),
          TxnRef: `pi_${i}`,
          TransactionNo: String(14_000_000 + i),
          RefundRequestId: isRefund ? `re_${i}` : '',
          Amount: 10_000n + BigInt(i),
          Fee: isRefund ? 0n : 110n,
          PayDate: new Date(Date.UTC(2026, 10, 21, 17) + i * 500),
        };
      }
    }
    // The writer's lines, regrouped into 1,000-byte chunks that cut lines (and the trailer) anywhere.
    async function* stream(): AsyncGenerator<Buffer> {
      let pending = '';
      for (const line of writeSettlementFile(records())) {
        pending += line;
        while (pending.length >= 1_000) {
          yield Buffer.from(pending.slice(0, 1_000));
          pending = pending.slice(1_000);
        }
      }
      yield Buffer.from(pending);
    }
    let rows = 0;
    let refunds = 0;
    let amount_sum = 0n;
    let last: SettlementRow | null = null;
    for await (const row of parseSettlementFile(stream())) {
      rows += 1;
      if (row.kind === 'refund') refunds += 1;
      amount_sum += row.amount;
      last = row;
    }
    assert.equal(rows, count);
    assert.equal(refunds, count / 10);
    assert.equal(amount_sum, 10_000n * BigInt(count) + BigInt((count * (count - 1)) / 2));
    assert.equal(last?.line, count + 1);
    assert.equal(last?.refund_ref, `re_${count - 1}`);
  });
});
