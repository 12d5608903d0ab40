// VietQrClient: the collection account's config rules (AdapterError with a code, naming the field), the
// order checks before a code is built (method, reference), the payment reference in 62/08, and the
// replies of the hub's own notify endpoint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdapterError, type CallbackOutcome, type PaymentMethod, type PaymentOrder } from '../contract';
import { VietQrClient, type VietQrConfig, vietQrPaymentReference } from './vietqr.client';
import { parseVietQr } from './vietqr.payload';

const config: VietQrConfig = { bin: '970436', account: '0011001234567' };

const order: PaymentOrder = {
  merchant_ref: 'pi01JD3K8Y5Z0000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
  method: 'bank_transfer',
  return_url: 'https://payhub.example.vn/v1/checkout/return',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T02:40:00Z'),
};

function configError(bad: unknown): AdapterError {
  try {
    new VietQrClient(bad as VietQrConfig);
  } catch (error) {
    assert.ok(error instanceof AdapterError, String(error));
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(bad, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
}

describe('VietQrClient config', () => {
  it('accepts a collection account and reports the capabilities', () => {
    const client = new VietQrClient({ ...config, merchant_name: 'Sở Tài chính Huế', merchant_city: 'Huế' });
    assert.deepEqual(client.capabilities, {
      gateway: 'vietqr',
      methods: ['bank_transfer'],
      refunds: false,
      partial_refunds: false,
      query: false,
      refund_status: false,
      settlement_file: true,
      amount_min: 1_000n,
      amount_max: 500_000_000n,
    });
    const limited = new VietQrClient({ ...config, amount_min: 10_000n, amount_max: 9_999_999_999_999n });
    assert.deepEqual(
      [limited.capabilities.amount_min, limited.capabilities.amount_max],
      [10_000n, 9_999_999_999_999n],
    );
  });

  it('refuses a bad account or limit with vietqr_config_invalid naming the field, not the value', () => {
    const cases: [unknown, string][] = [
      [null, 'config'],
      ['970436', 'config'],
      [{ account: '0011001234567' }, 'bin'],
      [{ ...config, bin: '97043' }, 'bin'],
      [{ ...config, bin: 970436 }, 'bin'],
      [{ ...config, account: '' }, 'account'],
      [{ ...config, account: '0011-0012' }, 'account'],
      [{ ...config, account: '1'.repeat(20) }, 'account'],
      [{ ...config, merchant_name: '' }, 'merchant_name'],
      [{ ...config, merchant_name: 'X'.repeat(26) }, 'merchant_name'],
      [{ ...config, merchant_name: 'Huế 🏯' }, 'merchant_name'],
      [{ ...config, merchant_city: 'Thanh pho Hue xyz' }, 'merchant_city'],
      [{ ...config, amount_min: 0n }, 'amount_min'],
      [{ ...config, amount_min: 1000 }, 'amount_min'],
      [{ ...config, amount_min: 2_000n, amount_max: 1_000n }, 'amount_max'],
      [{ ...config, amount_max: 10_000_000_000_000n }, 'amount_max'],
    ];
    for (const [bad, param] of cases) {
      const error = configError(bad);
      assert.equal(error.code, 'vietqr_config_invalid');
      assert.equal(error.param, param, error.message);
      if (typeof bad === 'object' && bad !== null && 'account' in bad && bad.account === '0011-0012') {
        assert.ok(!error.message.includes('0011-0012'), error.message);
      }
    }
  });
});

describe('VietQrClient createPayment', () => {
  const client = new VietQrClient({ ...config, merchant_name: 'Sở Tài chính', merchant_city: 'Huế' });

  it('refuses every method but bank_transfer with method_not_supported', async () => {
    const others: PaymentMethod[] = ['gateway_choice', 'card_domestic', 'card_international', 'qr', 'wallet'];
    for (const method of others) {
      const result = await client.createPayment({ ...order, method });
      assert.ok(!result.ok && 'rejection' in result, method);
      assert.deepEqual([result.rejection.code, result.rejection.param], ['method_not_supported', 'method']);
    }
  });

  it('checks currency and amount before the method, and refuses an amount above the maximum', async () => {
    const usd = await client.createPayment({ ...order, currency: 'USD' as 'VND', method: 'wallet' });
    assert.ok(!usd.ok && 'rejection' in usd);
    assert.equal(usd.rejection.code, 'currency_not_supported');
    const high = await client.createPayment({ ...order, amount: 500_000_001n });
    assert.ok(!high.ok && 'rejection' in high);
    assert.deepEqual([high.rejection.code, high.rejection.param], ['amount_above_maximum', 'amount']);
  });

  it('refuses a merchant_ref that cannot be the bill number or has no letter or digit', async () => {
    for (const merchant_ref of ['', 'x'.repeat(26), 'hồ-sơ-1', 'ref\n1', '--- ---']) {
      const result = await client.createPayment({ ...order, merchant_ref });
      assert.ok(!result.ok && 'rejection' in result, JSON.stringify(merchant_ref));
      assert.deepEqual([result.rejection.code, result.rejection.param], ['invalid_field', 'merchant_ref']);
    }
  });

  it('writes a dynamic code to the collection account with the bill number and payment reference', async () => {
    const result = await client.createPayment({ ...order, merchant_ref: 'hs-2026/000123' });
    assert.ok(result.ok && result.action.type === 'vietqr', JSON.stringify(result));
    const parsed = parseVietQr(result.action.payload);
    assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.reason}: ${parsed.detail}`);
    assert.equal(parsed.value.point_of_initiation, 'dynamic');
    assert.deepEqual(
      [parsed.value.bin, parsed.value.bank, parsed.value.account, parsed.value.service],
      ['970436', 'Vietcombank', '0011001234567', 'QRIBFTTA'],
    );
    assert.equal(parsed.value.amount, 150_000n);
    assert.equal(parsed.value.bill_number, 'hs-2026/000123');
    assert.equal(parsed.value.purpose, 'HS2026000123');
    assert.deepEqual([parsed.value.merchant_name, parsed.value.merchant_city], ['So Tai chinh', 'Hue']);
  });

  it('derives an upper-case letters-and-digits payment reference of at most 25 characters', () => {
    assert.equal(vietQrPaymentReference('pi01JD3K8Y5Z0000000000001'), 'PI01JD3K8Y5Z0000000000001');
    assert.equal(vietQrPaymentReference('a-b_c.d 9'), 'ABCD9');
    const reference = vietQrPaymentReference('pi_01jd3k8y5z000000000001');
    assert.match(reference, /^[A-Z0-9]{1,25}$/);
  });
});

describe('VietQrClient callbacks', () => {
  const client = new VietQrClient(config);

  it('refuses every callback as malformed, pointing at the bank-transfer notification route', () => {
    const result = client.parseCallback({ method: 'POST', query: {}, headers: {}, rawBody: '{"amount":1}' });
    assert.ok(!result.ok);
    assert.equal(result.rejection.reason, 'malformed');
    assert.match(result.rejection.detail, /bank-transfer notifications/);
  });

  it('replies 200 JSON when the payment is booked, 503 when the hub failed, and a 4xx otherwise', () => {
    const outcomes: CallbackOutcome[] = [
      'recorded',
      'already_confirmed',
      'order_not_found',
      'amount_mismatch',
      'malformed',
      'bad_signature',
      'wrong_merchant',
      'error',
    ];
    for (const outcome of outcomes) {
      const reply = client.callbackReply(outcome);
      const booked = outcome === 'recorded' || outcome === 'already_confirmed';
      if (booked) assert.equal(reply.status, 200, outcome);
      else if (outcome === 'error') assert.equal(reply.status, 503, outcome);
      else assert.ok(reply.status >= 400 && reply.status < 500, outcome);
      assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(reply.body), { ok: booked, outcome });
    }
  });
});
