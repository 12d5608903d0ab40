// The MoMo settlement file: what the writer produces the parser reads back, every fault is refused with
// its code and line, and a large file streams through in small chunks (bounded memory, any size).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SettlementFileError, type SettlementRow } from '../contract';
import { MomoClient } from './momo.client';
import {
  MOMO_SETTLEMENT_COLUMNS,
  parseSettlementFile,
  writeSettlementFile,
  type MomoSettlementRecord,
} from './momo.settlement';
import { chunksOf, collectRows, refusalOf } from '../shared/settlement.testing';

const HEADER = MOMO_SETTLEMENT_COLUMNS.join(',');
const PAID_AT = new Date('2026-11-22T03:15:00.000Z');
const REFUNDED_AT = new Date('2026-11-22T08:00:00.000Z');

const payment: MomoSettlementRecord = {
  partnerCode: 'HUEPAY',
  orderId: 'pi_01JD3K8Y5Z0000000000000001',
  transId: '4088878653',
  type: 'payment',
  refundOrderId: '',
  amount: 150_000n,
  fee: 2_250n,
  resultCode: 0,
  responseTime: PAID_AT,
};

const refund: MomoSettlementRecord = {
  ...payment,
  transId: '4088878700',
  type: 'refund',
  refundOrderId: 're_01JD3K8Y5Z0000000000000001',
  amount: 50_000n,
  fee: 0n,
  responseTime: REFUNDED_AT,
};

function parseAll(text: string | Buffer, partner_code?: string): Promise<SettlementRow[]> {
  return collectRows(parseSettlementFile(chunksOf(text, 64), { partner_code }));
}

function failure(text: string | Buffer, partner_code?: string): Promise<[string, number]> {
  return refusalOf(parseSettlementFile(chunksOf(text, 64), { partner_code }));
}

function file(records: MomoSettlementRecord[]): string {
  return [...writeSettlementFile(records)].join('');
}

/** A valid file's lines with one line replaced (1-based), to break exactly one thing. */
function withLine(line: number, text: string): string {
  const lines = file([payment, refund]).split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

const paymentLine = 'HUEPAY,pi_01JD3K8Y5Z0000000000000001,4088878653,payment,,150000,2250,0,1795317300000';

describe('MoMo settlement file', () => {
  it('reads back what the writer wrote: kinds, refund_ref, fees, times and lines', async () => {
    const text = file([payment, refund]);
    assert.deepEqual(text.split('\n'), [
      HEADER,
      paymentLine,
      'HUEPAY,pi_01JD3K8Y5Z0000000000000001,4088878700,refund,re_01JD3K8Y5Z0000000000000001,50000,0,0,1795334400000',
      'TOTAL,2,200000,2250',
      '',
    ]);
    const rows = await parseAll(text, 'HUEPAY');
    assert.deepEqual(rows, [
      {
        gateway: 'momo',
        kind: 'payment',
        merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
        gateway_txn_id: '4088878653',
        refund_ref: null,
        amount: 150_000n,
        fee: 2_250n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: PAID_AT,
        line: 2,
      },
      {
        gateway: 'momo',
        kind: 'refund',
        merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
        gateway_txn_id: '4088878700',
        refund_ref: 're_01JD3K8Y5Z0000000000000001',
        amount: 50_000n,
        fee: 0n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: REFUNDED_AT,
        line: 3,
      },
    ]);
  });

  it('reads a day without transactions, a BOM and CRLF line ends', async () => {
    assert.deepEqual(await parseAll(file([])), []);
    const crlf = `\ufeff${file([payment]).replace(/\n/g, '\r\n')}`;
    const rows = await parseAll(crlf);
    assert.deepEqual(
      rows.map((row) => [row.line, row.amount, row.fee]),
      [[2, 150_000n, 2_250n]],
    );
  });

  it('maps final failure codes to failed and refuses any other code', async () => {
    const failed = { ...payment, resultCode: 1006, fee: 0n };
    const rows = await parseAll(file([failed]));
    assert.equal(rows[0]?.status, 'failed');
    assert.deepEqual(await failure(withLine(2, paymentLine.replace(/,0,(\d+)$/, ',7000,$1'))), [
      'bad_row',
      2,
    ]);
    assert.deepEqual(await failure(withLine(2, paymentLine.replace(/,0,(\d+)$/, ',99,$1'))), ['bad_row', 2]);
  });

  it('refuses a wrong, missing, extra or renamed column on line 1', async () => {
    const body = file([payment]).split('\n').slice(1).join('\n');
    const headers = [
      MOMO_SETTLEMENT_COLUMNS.slice(0, -1).join(','),
      `${HEADER},payType`,
      HEADER.replace('transId', 'transactionId'),
      [...MOMO_SETTLEMENT_COLUMNS].reverse().join(','),
      `\n${HEADER}`,
    ];
    for (const header of headers) {
      assert.deepEqual(await failure(`${header}\n${body}`), ['wrong_columns', 1], header);
    }
    assert.deepEqual(await failure(''), ['wrong_columns', 1]);
  });

  it('refuses a row that does not parse with bad_row and its line', async () => {
    const cases: [string, string][] = [
      ['decimal amount', paymentLine.replace(',150000,', ',150000.5,')],
      ['negative amount', paymentLine.replace(',150000,', ',-150000,')],
      ['zero amount', paymentLine.replace(',150000,2250,', ',0,0,')],
      ['thousands separator', paymentLine.replace(',150000,', ',"150,000",')],
      ['fee above amount', paymentLine.replace(',2250,', ',150001,')],
      ['date as text', paymentLine.replace(',1795317300000', ',2026-11-22 10:15:00')],
      ['missing date', paymentLine.replace(',1795317300000', ',')],
      ['unknown type', paymentLine.replace(',payment,', ',chargeback,')],
      ['payment with a refund id', paymentLine.replace(',payment,,', ',payment,re_1,')],
      ['refund without its id', paymentLine.replace(',payment,,', ',refund,,')],
      ['non-digit transId', paymentLine.replace(',4088878653,', ',TX4088878653,')],
      ['bad orderId', paymentLine.replace(',pi_01JD3K8Y5Z0000000000000001,', ',pi 01,')],
      ['missing field', paymentLine.replace(',payment,,', ',payment,')],
      ['extra field', `${paymentLine},qr`],
    ];
    for (const [name, line] of cases) {
      assert.deepEqual(await failure(withLine(3, line)), ['bad_row', 3], name);
    }
  });

  it("refuses another partner's row, against the configured partner or the file's first row", async () => {
    const other = paymentLine.replace('HUEPAY,', 'OTHERPAY,');
    assert.deepEqual(await failure(withLine(3, other)), ['bad_row', 3]);
    assert.deepEqual(await failure(file([payment, refund]), 'OTHERPAY'), ['bad_row', 2]);
    const client = new MomoClient({
      partner_code: 'OTHERPAY',
      access_key: 'ACCESS',
      secret_key: 'SECRET',
      ipn_url: 'https://payhub.example.vn/ipn',
    });
    await assert.rejects(
      async () => {
        for await (const _row of client.parseSettlementFile(chunksOf(file([payment]), 16))) void _row;
      },
      (error: unknown) =>
        error instanceof SettlementFileError && error.code === 'bad_row' && error.line === 2,
    );
  });

  it('refuses bytes that are not UTF-8 with bad_encoding and their line', async () => {
    const text = file([payment, refund]);
    const at = text.indexOf('re_01');
    const bytes = Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(text.slice(at)),
    ]);
    assert.deepEqual(await failure(bytes), ['bad_encoding', 3]);
  });

  it('calls a file without its trailer, with wrong totals or cut mid-line truncated', async () => {
    const lines = file([payment, refund]).split('\n');
    assert.deepEqual(await failure(`${lines.slice(0, 3).join('\n')}\n`), ['truncated', 4]);
    assert.deepEqual(await failure(withLine(4, 'TOTAL,3,200000,2250')), ['truncated', 4]);
    assert.deepEqual(await failure(withLine(4, 'TOTAL,2,200001,2250')), ['truncated', 4]);
    assert.deepEqual(await failure(withLine(4, 'TOTAL,2,200000,2249')), ['truncated', 4]);
    assert.deepEqual(await failure(file([payment, refund]).slice(0, -1)), ['truncated', 4]);
    assert.deepEqual(await failure(lines.slice(0, 3).join('\n')), ['truncated', 3]);
  });

  it('refuses a malformed trailer and anything after the trailer as bad rows', async () => {
    assert.deepEqual(await failure(withLine(4, 'TOTAL,2,200000')), ['bad_row', 4]);
    assert.deepEqual(await failure(`${file([payment, refund])}${paymentLine}\n`), ['bad_row', 5]);
  });

  it('writes only what it can read back', () => {
    const bad: MomoSettlementRecord[] = [
      { ...payment, amount: 0n, fee: 0n },
      { ...payment, fee: 150_001n },
      { ...payment, resultCode: 7000 },
      { ...refund, refundOrderId: '' },
      { ...payment, orderId: 'pi,1' },
    ];
    for (const record of bad) assert.throws(() => file([record]), RangeError);
  });

  it('streams 100,000 rows in 1 KiB chunks with the right totals', async () => {
    const row_count = 100_000;
    function* records(): Generator<MomoSettlementRecord> {
      for (let i = 0; i < row_count; i += 1) {
        yield i % 10 === 9
          ? { ...refund, transId: String(5_000_000_000 + i), refundOrderId: `re_${i}`, amount: 1_000n }
          : {
              ...payment,
              orderId: `pi_${i}`,
              transId: String(4_000_000_000 + i),
              amount: 10_000n + BigInt(i),
            };
      }
    }
    let expected = 0n;
    function* counted(): Generator<MomoSettlementRecord> {
      for (const record of records()) {
        expected += record.amount;
        yield record;
      }
    }
    const text = [...writeSettlementFile(counted())].join('');
    let count = 0;
    let amount = 0n;
    let refunds = 0;
    let last_line = 0;
    for await (const row of parseSettlementFile(chunksOf(text, 1024))) {
      count += 1;
      amount += row.amount;
      if (row.kind === 'refund') refunds += 1;
      last_line = row.line;
    }
    assert.equal(count, row_count);
    assert.equal(refunds, row_count / 10);
    assert.equal(amount, expected);
    assert.equal(last_line, row_count + 1);
  });
});
