// The collection account's statement CSV: what writeSettlementFile writes parseSettlementFile reads back
// as settlement rows; each SettlementFileError code with its line; 100,000 rows streamed in small chunks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SettlementRow } from '../contract';
import { VietQrClient } from './vietqr.client';
import { parseSettlementFile, writeSettlementFile, type VietQrStatementEntry } from './vietqr.settlement';
import { chunksOf, collectRows, refusalOf } from '../shared/settlement.testing';

const entries: VietQrStatementEntry[] = [
  {
    bank_ref: 'FT26326000001',
    transferred_at: new Date('2026-11-22T02:40:05Z'),
    amount: 150_000n,
    description: 'MBVCB.1234.pz7k-3m9q-2xab-cd.CT tu 0123 NGUYEN VAN A',
  },
  {
    bank_ref: 'FT26326000002',
    transferred_at: new Date('2026-11-22T16:59:59Z'),
    amount: 2_000_000n,
    fee: 1_100n,
    description: 'Nộp phí, "hồ sơ" PZ0000000000AA',
  },
  {
    bank_ref: 'FT26326000003',
    transferred_at: new Date('2026-11-22T03:00:00Z'),
    amount: 5n,
    description: 'chuyen tien khong ghi ma',
  },
];

function parseAll(text: string | Buffer, size = 64): Promise<SettlementRow[]> {
  return collectRows(parseSettlementFile(chunksOf(text, size)));
}

function failure(text: string | Buffer): Promise<[string, number]> {
  return refusalOf(parseSettlementFile(chunksOf(text, 64)));
}

const HEADER = 'bank_ref,transferred_at,amount,fee,description';
const ROW = 'FT1,2026-11-22T09:40:05+07:00,150000,0,PZ7K3M9Q2XABCD';

describe('VietQR statement file', () => {
  it('round-trips entries into settlement rows with the reference found in the description', async () => {
    const file = writeSettlementFile(entries);
    assert.equal(file.split('\n')[0], HEADER);
    assert.equal(file.split('\n').at(-2), 'TOTAL,3,2150005,1100');
    const rows = await parseAll(file, 7);
    assert.deepEqual(rows, [
      {
        gateway: 'vietqr',
        kind: 'payment',
        merchant_ref: 'PZ7K3M9Q2XABCD',
        gateway_txn_id: 'FT26326000001',
        refund_ref: null,
        amount: 150_000n,
        fee: 0n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-22T02:40:05Z'),
        line: 2,
      },
      {
        gateway: 'vietqr',
        kind: 'payment',
        merchant_ref: 'PZ0000000000AA',
        gateway_txn_id: 'FT26326000002',
        refund_ref: null,
        amount: 2_000_000n,
        fee: 1_100n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-22T16:59:59Z'),
        line: 3,
      },
      {
        gateway: 'vietqr',
        kind: 'payment',
        merchant_ref: '',
        gateway_txn_id: 'FT26326000003',
        refund_ref: null,
        amount: 5n,
        fee: 0n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-22T03:00:00Z'),
        line: 4,
      },
    ]);
  });

  it('writes Vietnam time with its offset and quotes descriptions with commas or quotes', () => {
    const file = writeSettlementFile(entries);
    assert.equal(
      file.split('\n')[2],
      'FT26326000002,2026-11-22T23:59:59+07:00,2000000,1100,"Nộp phí, ""hồ sơ"" PZ0000000000AA"',
    );
    assert.equal(writeSettlementFile([]), `${HEADER}\nTOTAL,0,0,0\n`);
  });

  it('accepts a BOM, CRLF line ends and blank lines; reads the client shape through the client', async () => {
    const file = `\ufeff${HEADER}\r\n\r\n${ROW}\r\nTOTAL,1,150000,0\r\n`;
    const rows = await parseAll(file, 3);
    assert.deepEqual(
      rows.map((r) => [r.line, r.merchant_ref]),
      [[3, 'PZ7K3M9Q2XABCD']],
    );
    const client = new VietQrClient({
      bin: '970436',
      account: '0011001234567',
      reference_shape: { prefix: 'PH', body_length: 8 },
    });
    const custom: SettlementRow[] = [];
    const text = `${HEADER}\nFT1,2026-11-22T09:40:05+07:00,1,0,ct ph7k-3m9q 2x\nTOTAL,1,1,0\n`;
    for await (const row of client.parseSettlementFile(chunksOf(text, 5))) custom.push(row);
    assert.deepEqual(
      custom.map((r) => r.merchant_ref),
      ['PH7K3M9Q2X'],
    );
  });

  it('refuses a wrong header with wrong_columns on line 1', async () => {
    for (const header of [
      'bank_ref,transferred_at,amount,description',
      'bank_ref,transferred_at,amount,fee,description,extra',
      'Bank_Ref,transferred_at,amount,fee,description',
      ROW,
      '',
    ]) {
      assert.deepEqual(await failure(`${header}\n${ROW}\nTOTAL,1,150000,0\n`), ['wrong_columns', 1], header);
    }
    assert.deepEqual(await failure(''), ['wrong_columns', 1]);
  });

  it('refuses a bad row with bad_row and its line', async () => {
    const bad = [
      'FT1,2026-11-22T09:40:05+07:00,150000,0',
      'FT1,2026-11-22T09:40:05+07:00,150000,0,x,y',
      'FT 1,2026-11-22T09:40:05+07:00,150000,0,x',
      ',2026-11-22T09:40:05+07:00,150000,0,x',
      'FT1,2026-11-22 09:40:05,150000,0,x',
      'FT1,2026-02-30T09:40:05+07:00,150000,0,x',
      'FT1,2026-11-22T09:40:05.5+07:00,150000,0,x',
      'FT1,2026-11-22T09:40:05+07:00,0,0,x',
      'FT1,2026-11-22T09:40:05+07:00,-5,0,x',
      'FT1,2026-11-22T09:40:05+07:00,150000.00,0,x',
      'FT1,2026-11-22T09:40:05+07:00,"150,000",0,x',
      'FT1,2026-11-22T09:40:05+07:00,150000,,x',
      'FT1,2026-11-22T09:40:05+07:00,150000,150001,x',
      'FT1,2026-11-22T09:40:05+07:00,150000,0,"unclosed',
    ];
    for (const row of bad) {
      assert.deepEqual(await failure(`${HEADER}\n${ROW}\n${row}\nTOTAL,2,300000,0\n`), ['bad_row', 3], row);
    }
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nTOTAL,1,150000\n`), ['bad_row', 3]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nTOTAL,1,150000,0\n${ROW}\n`), ['bad_row', 4]);
  });

  it('refuses a missing trailer, a trailer that disagrees and a cut last line as truncated', async () => {
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\n`), ['truncated', 3]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\n${ROW}\nTOTAL,1,150000,0\n`), ['truncated', 4]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nTOTAL,1,150001,0\n`), ['truncated', 3]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nTOTAL,1,150000,1\n`), ['truncated', 3]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nTOTAL,1,150000,0`), ['truncated', 3]);
    assert.deepEqual(await failure(`${HEADER}\n${ROW}\nFT2,2026-11-22T09:4`), ['truncated', 3]);
  });

  it('refuses bytes that are not UTF-8 with bad_encoding and their line', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER}\n${ROW}\nFT2,2026-11-22T09:40:05+07:00,1,0,`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\nTOTAL,2,150001,0\n'),
    ]);
    assert.deepEqual(await failure(bytes), ['bad_encoding', 3]);
  });

  it('yields a row before the rest of the stream has arrived', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((done) => (release = done));
    async function* slow(): AsyncGenerator<string> {
      yield `${HEADER}\n${ROW}\n`;
      await gate;
      yield 'TOTAL,1,150000,0\n';
    }
    const rows = parseSettlementFile(slow())[Symbol.asyncIterator]();
    const first = await rows.next();
    assert.equal(first.done, false);
    assert.equal(first.value?.gateway_txn_id, 'FT1');
    release();
    assert.equal((await rows.next()).done, true);
  });

  it('streams 100,000 rows in small chunks, keeping every row and the totals', async () => {
    const many: VietQrStatementEntry[] = [];
    const day = Date.parse('2026-11-22T00:00:00+07:00');
    for (let i = 0; i < 100_000; i += 1) {
      many.push({
        bank_ref: `FT${String(i).padStart(10, '0')}`,
        transferred_at: new Date(day + (i % 86_400) * 1000),
        amount: BigInt(1_000 + i),
        description: `MBVCB.${i}.PZ${String(i).padStart(12, '0')}.CT tu 0123 NGUYEN VAN A`,
      });
    }
    const file = writeSettlementFile(many);
    let count = 0;
    let total = 0n;
    let last: SettlementRow | null = null;
    for await (const row of parseSettlementFile(chunksOf(file, 4096))) {
      count += 1;
      total += row.amount;
      last = row;
    }
    assert.equal(count, 100_000);
    assert.equal(
      total,
      many.reduce((sum, e) => sum + e.amount, 0n),
    );
    assert.equal(last?.merchant_ref, 'PZ000000099999');
    assert.equal(last?.line, 100_001);
  });
});
