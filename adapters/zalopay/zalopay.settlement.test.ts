// The settlement file round trip and every way a file is refused, with the line an operator must look
// at, plus a large file streamed in small chunks (bounded memory; speed is for benchmarks, not tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SettlementFileError, type SettlementRow } from '../contract';
import { ZalopayClient } from './zalopay.client';
import {
  parseSettlementFile,
  writeSettlementFile,
  ZALOPAY_SETTLEMENT_COLUMNS,
  type ZalopaySettlementEntry,
} from './zalopay.settlement';
import { chunksOf, collectRows, refusalOf } from '../shared/settlement.testing';

const APP_ID = 2553;
const HEADER = ZALOPAY_SETTLEMENT_COLUMNS.join(',');

const payment: ZalopaySettlementEntry = {
  app_id: APP_ID,
  app_trans_id: '261123_pi01',
  zp_trans_id: '261123000000123',
  type: 'payment',
  m_refund_id: '',
  amount: 150_000n,
  fee_amount: 1_500n,
  status: 1,
  server_time: Date.parse('2026-11-23T01:00:00Z'),
};
const refund: ZalopaySettlementEntry = {
  ...payment,
  type: 'refund',
  m_refund_id: '261123_2553_re01',
  amount: 50_000n,
  fee_amount: 0n,
  server_time: Date.parse('2026-11-23T02:00:00Z'),
};

function parseAll(text: string, size = 64): Promise<SettlementRow[]> {
  return collectRows(parseSettlementFile(chunksOf(text, size), { app_id: APP_ID }));
}

async function refusal(text: string): Promise<{ code: string; line: number }> {
  const [code, line] = await refusalOf(parseSettlementFile(chunksOf(text, 64), { app_id: APP_ID }));
  return { code, line };
}

function file(rows: ZalopaySettlementEntry[]): string {
  return [...writeSettlementFile(rows)].join('');
}

describe('ZaloPay settlement file', () => {
  it('parses what the writer writes: payment and refund rows with their fees and lines', async () => {
    const text = file([payment, refund]);
    assert.equal(text.split('\n')[0], HEADER);
    assert.equal(text.split('\n')[3], 'TOTAL,2,200000,1500');
    const rows = await parseAll(text, 7);
    assert.deepEqual(rows, [
      {
        gateway: 'zalopay',
        kind: 'payment',
        merchant_ref: 'pi01',
        gateway_txn_id: '261123000000123',
        refund_ref: null,
        amount: 150_000n,
        fee: 1_500n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-23T01:00:00Z'),
        line: 2,
      },
      {
        gateway: 'zalopay',
        kind: 'refund',
        merchant_ref: 'pi01',
        gateway_txn_id: '261123000000123',
        refund_ref: 're01',
        amount: 50_000n,
        fee: 0n,
        currency: 'VND',
        status: 'succeeded',
        transacted_at: new Date('2026-11-23T02:00:00Z'),
        line: 3,
      },
    ]);
  });

  it('is the client parseSettlementFile, bound to the client app_id', async () => {
    const client = new ZalopayClient({ app_id: APP_ID, key1: 'K1', key2: 'K2' });
    assert.equal(client.capabilities.settlement_file, true);
    const rows: SettlementRow[] = [];
    for await (const row of client.parseSettlementFile(chunksOf(file([payment]), 10))) rows.push(row);
    assert.equal(rows.length, 1);
    const other = new ZalopayClient({ app_id: 2554, key1: 'K1', key2: 'K2' });
    await assert.rejects(
      async () => {
        for await (const _row of other.parseSettlementFile(chunksOf(file([payment]), 10))) void _row;
      },
      (error: SettlementFileError) => error.code === 'bad_row' && error.line === 2,
    );
  });

  it('accepts a BOM, CRLF line ends and an empty day', async () => {
    assert.deepEqual(await parseAll(file([])), []);
    const crlf = `\uFEFF${file([payment]).replace(/\n/g, '\r\n')}`;
    const rows = await parseAll(crlf, 3);
    assert.equal(rows[0]?.amount, 150_000n);
  });

  it('refuses a wrong, missing or extra column as wrong_columns on line 1', async () => {
    const body = file([payment]).split('\n').slice(1).join('\n');
    for (const header of [
      HEADER.replace('fee_amount', 'fee'),
      HEADER.replace(',server_time', ''),
      `${HEADER},discount_amount`,
      '',
    ]) {
      assert.deepEqual(await refusal(`${header}\n${body}`), { code: 'wrong_columns', line: 1 }, header);
    }
  });

  it('refuses each unreadable row as bad_row with its line', async () => {
    const line = (entry: Partial<Record<keyof ZalopaySettlementEntry, string>>) =>
      ZALOPAY_SETTLEMENT_COLUMNS.map((name) => entry[name] ?? String(payment[name])).join(',');
    const cases: [string, string][] = [
      ['amount with a decimal point', line({ amount: '150000.5' })],
      ['negative amount', line({ amount: '-1' })],
      ['zero amount', line({ amount: '0' })],
      ['bad fee', line({ fee_amount: '1,5' })],
      ['bad date', line({ server_time: '2026-11-23' })],
      ['unknown status', line({ status: '9' })],
      ['unknown type', line({ type: 'chargeback' })],
      ['refund without m_refund_id', line({ type: 'refund', m_refund_id: '' })],
      ['payment with m_refund_id', line({ m_refund_id: '261123_2553_re01' })],
      ['another app', line({ app_id: '2554' })],
      ['another app in m_refund_id', line({ type: 'refund', m_refund_id: '261123_2554_re01' })],
      ['app_trans_id without yymmdd', line({ app_trans_id: 'pi01' })],
      ['too few fields', line({}).split(',').slice(1).join(',')],
    ];
    for (const [name, bad] of cases) {
      const text = `${HEADER}\n${line({})}\n${bad}\nTOTAL,2,300000,3000\n`;
      assert.deepEqual(await refusal(text), { code: 'bad_row', line: 3 }, name);
    }
    const afterTrailer = `${file([payment])}${line({})}\n`;
    assert.deepEqual(await refusal(afterTrailer), { code: 'bad_row', line: 4 });
  });

  it('refuses a missing trailer, totals that disagree and a cut last line as truncated', async () => {
    const whole = file([payment, refund]);
    const noTrailer = whole.split('\n').slice(0, 3).join('\n') + '\n';
    assert.deepEqual(await refusal(noTrailer), { code: 'truncated', line: 4 });
    assert.deepEqual(await refusal(whole.replace('TOTAL,2,', 'TOTAL,3,')), { code: 'truncated', line: 4 });
    assert.deepEqual(await refusal(whole.replace(',200000,', ',200001,')), { code: 'truncated', line: 4 });
    assert.deepEqual(await refusal(whole.replace(/,1500\n$/, ',1499\n')), { code: 'truncated', line: 4 });
    assert.deepEqual(await refusal(whole.slice(0, -1)), { code: 'truncated', line: 4 });
  });

  it('refuses bytes that are not UTF-8 as bad_encoding with their line', async () => {
    const text = Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      Buffer.from('2553,261123_pi01,1,payment,,1000,0,1,1'),
      Buffer.from([0xff]),
      Buffer.from('\nTOTAL,1,1000,0\n'),
    ]);
    await assert.rejects(
      async () => {
        for await (const _row of parseSettlementFile(chunksOf(text, 16), { app_id: APP_ID })) void _row;
      },
      (error: SettlementFileError) => error.code === 'bad_encoding' && error.line === 2,
    );
  });

  it('streams 100,000 rows in small chunks with the right totals', async () => {
    const count = 100_000;
    function* entries(): Generator<ZalopaySettlementEntry> {
      for (let i = 0; i < count; i += 1) {
        yield {
          ...payment,
          app_trans_id: `261123_pi${i}`,
          zp_trans_id: String(261123000000000 + i),
          amount: BigInt(1_000 + i),
          fee_amount: BigInt(10 + (i % 7)),
        };
      }
    }
    const bytes = Buffer.from([...writeSettlementFile(entries())].join(''), 'utf8');
    let rows = 0;
    let amount = 0n;
    let lastLine = 0;
    // 4 KiB chunks cut rows (and would cut multi-byte characters) in half.
    for await (const row of parseSettlementFile(chunksOf(bytes, 4096), { app_id: APP_ID })) {
      rows += 1;
      amount += row.amount;
      lastLine = row.line;
    }
    assert.equal(rows, count);
    assert.equal(lastLine, count + 1);
    assert.equal(amount, BigInt(count) * 1_000n + BigInt((count * (count - 1)) / 2));
  });
});
