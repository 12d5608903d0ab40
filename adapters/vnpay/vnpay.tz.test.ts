// Dates on the wire are Vietnam time whatever the process's TZ is: the same instant, run in child
// processes under three time zones, must give the same vnp_CreateDate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const REPO_ROOT = resolve(__dirname, '..', '..');

// Runs in the child: prints the process's zone offset and the dates the adapter puts on the wire.
const CHILD = `
const { VnpayClient } = require('./adapters/vnpay/vnpay.client.ts');
const client = new VnpayClient({ tmn_code: 'HUEPAY01', hash_secret: 'TZTESTSECRET' });
client.payments.create({
  merchant_ref: 'pi_tz', amount: 150000n, currency: 'VND', description: 'Le phi', method: 'gateway_choice',
  return_url: 'https://payhub.example.vn/return', payer_ip: '127.0.0.1', locale: 'vi',
  created_at: new Date(Number(process.argv[1])),
}).then((result) => {
  const params = new URL(result.action.url).searchParams;
  console.log(JSON.stringify({
    offset: new Date(Number(process.argv[1])).getTimezoneOffset(),
    create: params.get('vnp_CreateDate'),
    expire: params.get('vnp_ExpireDate'),
  }));
});
`;

async function datesUnder(tz: string, instant: Date) {
  const { stdout } = await run(
    process.execPath,
    ['--require', '@swc-node/register', '-e', CHILD, String(instant.getTime())],
    { cwd: REPO_ROOT, env: { ...process.env, TZ: tz } },
  );
  return JSON.parse(stdout) as { offset: number; create: string; expire: string };
}

describe('VNPay dates across time zones', () => {
  it('gives the same vnp_CreateDate under UTC, Asia/Ho_Chi_Minh and America/New_York', async () => {
    // 2026-11-22 23:30 UTC is already the 23rd in Vietnam and still the 22nd in New York.
    const instant = new Date('2026-11-22T23:30:05Z');
    const zones = ['UTC', 'Asia/Ho_Chi_Minh', 'America/New_York'];
    const results = await Promise.all(zones.map((tz) => datesUnder(tz, instant)));
    // The children really ran in different zones, or the test could not fail.
    assert.deepEqual(
      results.map((r) => r.offset),
      [0, -420, 300],
    );
    for (const result of results) {
      assert.equal(result.create, '20261123063005');
      assert.equal(result.expire, '20261123064505');
    }
  });
});
