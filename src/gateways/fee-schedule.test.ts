// The fee schedule: GATEWAY_FEES first, the simulators' rates for simulated gateways, nothing otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.schema';
import { feeRuleOf, feeSchedule, gatewaysWithoutFee } from './fee-schedule';

const VNPAY_ENV = {
  VNPAY_TMN_CODE: 'PAYHUB01',
  VNPAY_HASH_SECRET: 'vnpay-hash-secret-x1',
  VNPAY_PAY_URL: 'https://pay.vnpay.vn/vpcpay.html',
  VNPAY_API_URL: 'https://merchant.vnpay.vn/merchant_webapi/api/transaction',
};

describe('fee schedule', () => {
  it('charges the simulators’ rates when every gateway is simulated and nothing is configured', () => {
    const table = feeSchedule(parseConfig({}));
    assert.deepEqual(feeRuleOf(table, 'vnpay'), { percent: '1.1' });
    assert.deepEqual(feeRuleOf(table, 'momo'), { percent: '1.5' });
    assert.deepEqual(feeRuleOf(table, 'zalopay'), { percent: '1' });
    assert.equal(feeRuleOf(table, 'vietqr'), undefined);
    assert.deepEqual(gatewaysWithoutFee(parseConfig({})), []);
  });

  it('takes GATEWAY_FEES for the gateways it names, for the hub’s payment method there', () => {
    const table = feeSchedule(
      parseConfig({ GATEWAY_FEES: '{"momo":{"wallet":{"fixed":"1100"},"qr":{"percent":"9"}}}' }),
    );
    assert.equal(feeRuleOf(table, 'momo')?.fixed, 1100n);
    assert.deepEqual(Object.keys(table.momo ?? {}), ['wallet']);
    assert.deepEqual(feeRuleOf(table, 'vnpay'), { percent: '1.1' });
  });

  it('books no fee for a real gateway left out of GATEWAY_FEES, and names it', () => {
    const config = parseConfig(VNPAY_ENV);
    assert.equal(feeRuleOf(feeSchedule(config), 'vnpay'), undefined);
    assert.deepEqual(gatewaysWithoutFee(config), ['vnpay']);
    const priced = parseConfig({
      ...VNPAY_ENV,
      GATEWAY_FEES: '{"vnpay":{"gateway_choice":{"percent":"0.88","min":"1650"}}}',
    });
    assert.equal(feeRuleOf(feeSchedule(priced), 'vnpay')?.percent, '0.88');
    assert.deepEqual(gatewaysWithoutFee(priced), []);
  });
});
