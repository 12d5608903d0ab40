import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkPayoutFile, payoutFile } from './payout-file';

const input = {
  id: 'po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P',
  created_at: new Date('2026-12-07T03:02:11Z'),
  items: [
    {
      id: 'poi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2Q',
      line: 2,
      biller_id: 'blr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2R',
      biller_name: 'Bãi đỗ xe, "Trung tâm"',
      amount: 80_000n,
      bank: null,
      account_number: null,
      account_name: null,
    },
    {
      id: 'poi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2S',
      line: 1,
      biller_id: 'blr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2T',
      biller_name: 'Sở Tư pháp',
      amount: 200_000n,
      bank: 'KBNN Tỉnh Đồng Nai',
      account_number: '3511.0.1234567',
      account_name: 'Sở Tư pháp tỉnh Đồng Nai',
    },
  ],
};

describe('payout batch file', () => {
  it('writes a header, a line per agency in line order, the totals and the checksum of all before it', () => {
    const file = payoutFile(input);
    const lines = file.content.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.slice(1, 4), [
      'D,po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P,1,blr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2T,Sở Tư pháp,KBNN Tỉnh Đồng Nai,3511.0.1234567,Sở Tư pháp tỉnh Đồng Nai,200000,VND,PAYHUB poi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2S',
      'D,po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P,2,blr_01JD8Q3Z4Y5X6W7V8T9S0R1Q2R,"Bãi đỗ xe, ""Trung tâm""",,,,80000,VND,PAYHUB poi_01JD8Q3Z4Y5X6W7V8T9S0R1Q2Q',
      'T,po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P,2,,,,,,280000,VND,created 2026-12-07 10:02:11 +07:00',
    ]);
    const body = lines.slice(0, 4).join('\r\n') + '\r\n';
    const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
    assert.equal(file.sha256, sha256);
    assert.equal(lines[4], `C,po_01JD8Q3Z4Y5X6W7V8T9S0R1Q2P,,,,,,,,,sha256:${sha256}`);
  });

  it('is the same bytes every time, and a changed or cut file fails its check', () => {
    const file = payoutFile(input);
    assert.equal(payoutFile({ ...input, items: [...input.items].reverse() }).content, file.content);
    assert.deepEqual(checkPayoutFile(file.content), { ok: true, sha256: file.sha256 });
    assert.equal(checkPayoutFile(file.content.replace('80000', '80001')).ok, false);
    assert.equal(checkPayoutFile(file.content.slice(0, -2)).ok, false);
    assert.equal(checkPayoutFile(file.content.split('\r\n').slice(1).join('\r\n')).ok, false);
  });
});
