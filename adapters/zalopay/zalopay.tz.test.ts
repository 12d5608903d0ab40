// app_trans_id starts with the UTC+7 day whatever the process's TZ is: the same instant, run in child
// processes under three time zones, must give the same prefix.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const REPO_ROOT = resolve(__dirname, '..', '..');

// Runs in the child: prints the process's zone offset and the ids the adapter puts on the wire.
const CHILD = `
const { ZalopayClient } = require('./adapters/zalopay/zalopay.client.ts');
const client = new ZalopayClient({ app_id: 2553, key1: 'TZTESTKEY1', key2: 'TZTESTKEY2' });
const at = new Date(Number(process.argv[1]));
const built = client.payments.build({
  merchant_ref: 'pi_tz', amount: 150000n, currency: 'VND', description: 'Le phi', method: 'gateway_choice',
  return_url: 'https://payhub.example.vn/return', payer_ip: '127.0.0.1', locale: 'vi', created_at: at,
});
const refund = client.refunds.build({
  refund_ref: 're_tz', merchant_ref: 'pi_tz', gateway_txn_id: '261123000000001', amount: 1000n,
  payment_amount: 150000n, payment_created_at: at, reason: 'Hoan phi', requested_by: 'staff',
  requested_at: at, requester_ip: '127.0.0.1',
});
console.log(JSON.stringify({
  offset: at.getTimezoneOffset(),
  app_trans_id: built.body.app_trans_id,
  query: client.transactions.build({ request_id: 'q', merchant_ref: 'pi_tz', payment_created_at: at, requested_at: at, requester_ip: '127.0.0.1' }).app_trans_id,
  m_refund_id: refund.m_refund_id,
}));
`;

async function idsUnder(tz: string, instant: Date) {
  const { stdout } = await run(
    process.execPath,
    ['--require', '@swc-node/register', '-e', CHILD, String(instant.getTime())],
    { cwd: REPO_ROOT, env: { ...process.env, TZ: tz } },
  );
  return JSON.parse(stdout) as { offset: number; app_trans_id: string; query: string; m_refund_id: string };
}

describe('ZaloPay ids across time zones', () => {
  it('gives the same yymmdd_ prefix under UTC, Asia/Ho_Chi_Minh and America/New_York', async () => {
    // 2026-11-22 17:30:05 UTC is 00:30 on the 23rd in Vietnam, still the 22nd in UTC and New York.
    const instant = new Date('2026-11-22T17:30:05Z');
    const zones = ['UTC', 'Asia/Ho_Chi_Minh', 'America/New_York'];
    const results = await Promise.all(zones.map((tz) => idsUnder(tz, instant)));
    // The children really ran in different zones, or the test could not fail.
    assert.deepEqual(
      results.map((r) => r.offset),
      [0, -420, 300],
    );
    for (const result of results) {
      assert.equal(result.app_trans_id, '261123_pi_tz');
      assert.equal(result.query, '261123_pi_tz');
      assert.equal(result.m_refund_id, '261123_2553_re_tz');
    }
  });

  it('still gives the Vietnam day one minute before midnight there', async () => {
    const result = await idsUnder('UTC', new Date('2026-11-22T16:59:59Z'));
    assert.equal(result.app_trans_id, '261122_pi_tz');
  });
});
