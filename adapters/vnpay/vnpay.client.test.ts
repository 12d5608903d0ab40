// The VNPay pay URL and callbacks: limits and field rules before any call, signature checks with typed
// rejections, RspCode answers, and no secret in anything a caller could log.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { AdapterError, type CallbackOutcome, type PaymentOrder } from '../contract';
import { VnpayClient } from './vnpay.client';
import { hmacSha512Hex, canonicalQuery, signQuery } from './vnpay.signature';

const SECRET = 'VNPAYTESTSECRETHUEPAYHUB0000000001';
const client = new VnpayClient({ tmn_code: 'HUEPAY01', hash_secret: SECRET });

const order: PaymentOrder = {
  merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
  method: 'card_domestic',
  return_url: 'https://payhub.example.vn/v1/checkout/return?gw=vnpay',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T02:40:00Z'),
};

const paid: Record<string, string> = {
  vnp_Amount: '15000000',
  vnp_BankCode: 'NCB',
  vnp_BankTranNo: 'VNP14226112',
  vnp_CardType: 'ATM',
  vnp_OrderInfo: 'Thanh toan le phi ho so HS-2026-000123',
  vnp_PayDate: '20261122094512',
  vnp_ResponseCode: '00',
  vnp_TmnCode: 'HUEPAY01',
  vnp_TransactionNo: '14226112',
  vnp_TransactionStatus: '00',
  vnp_TxnRef: 'pi_01JD3K8Y5Z0000000000000001',
};

function signed(fields: Record<string, string>, secret = SECRET): Record<string, string> {
  return { ...fields, vnp_SecureHash: signQuery(fields, secret) };
}

function urlParams(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams.entries());
}

describe('VNPay payments.create', () => {
  it('builds a signed redirect with amount x 100, Vietnam dates, safe text and the bank code', async () => {
    const result = await client.payments.create(order);
    assert.ok(result.ok);
    assert.equal(result.action.type, 'redirect');
    const url = result.action.type === 'redirect' ? result.action.url : '';
    assert.ok(url.startsWith('https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=15000000&'));
    const params = urlParams(url);
    assert.equal(params.vnp_Amount, '15000000');
    assert.equal(params.vnp_CreateDate, '20261122094000');
    assert.equal(params.vnp_ExpireDate, '20261122095500');
    assert.equal(params.vnp_OrderInfo, 'Thanh toan le phi ho so HS-2026-000123');
    assert.equal(params.vnp_BankCode, 'VNBANK');
    assert.equal(params.vnp_Locale, 'vn');
    assert.equal(params.vnp_SecureHashType, undefined);
    assert.equal(params.vnp_SecureHash, signQuery(params, SECRET));
    assert.ok(url.endsWith(`&vnp_SecureHash=${params.vnp_SecureHash}`));
  });

  it('leaves the bank to the payer when the method is gateway_choice', async () => {
    const result = await client.payments.create({ ...order, method: 'gateway_choice' });
    assert.ok(result.ok && result.action.type === 'redirect');
    assert.equal(urlParams(result.action.url).vnp_BankCode, undefined);
  });

  it('enforces the amount limits before any call', async () => {
    const low = await client.payments.create({ ...order, amount: 4_999n });
    const high = await client.payments.create({ ...order, amount: 1_000_000_000n });
    assert.ok(!low.ok && 'rejection' in low && !high.ok && 'rejection' in high);
    assert.equal(low.rejection.code, 'amount_below_minimum');
    assert.equal(high.rejection.code, 'amount_above_maximum');
    assert.ok((await client.payments.create({ ...order, amount: 5_000n })).ok);
    assert.ok((await client.payments.create({ ...order, amount: 999_999_999n })).ok);
  });

  it('refuses fields VNPay would sign differently or refuse', async () => {
    const cases: [Partial<PaymentOrder>, string, string][] = [
      [{ merchant_ref: 'pi 1' }, 'invalid_field', 'merchant_ref'],
      [{ merchant_ref: '' }, 'invalid_field', 'merchant_ref'],
      [{ description: '!!!' }, 'invalid_field', 'description'],
      [{ return_url: 'https://x.vn/a(b)' }, 'invalid_field', 'return_url'],
      [{ return_url: 'ftp://x.vn/' }, 'invalid_field', 'return_url'],
      [{ payer_ip: 'localhost' }, 'invalid_field', 'payer_ip'],
      [{ created_at: new Date(Number.NaN) }, 'invalid_field', 'created_at'],
      [{ expires_at: order.created_at }, 'invalid_field', 'expires_at'],
      [{ method: 'wallet' }, 'method_not_supported', 'method'],
      [{ currency: 'USD' as 'VND' }, 'currency_not_supported', 'currency'],
    ];
    for (const [change, code, param] of cases) {
      const result = await client.payments.create({ ...order, ...change });
      assert.ok(!result.ok && 'rejection' in result, JSON.stringify(change));
      assert.deepEqual([result.rejection.code, result.rejection.param], [code, param]);
    }
  });

  it('refuses a bad configuration without echoing the secret', () => {
    for (const config of [
      { tmn_code: 'SHORT', hash_secret: SECRET },
      { tmn_code: 'HUEPAY01', hash_secret: '' },
      { tmn_code: 'HUEPAY01', hash_secret: SECRET, amount_min: 10n, amount_max: 5n },
    ]) {
      assert.throws(
        () => new VnpayClient(config),
        (error: unknown) =>
          error instanceof AdapterError &&
          error.code === 'vnpay_config_invalid' &&
          !error.message.includes(SECRET),
      );
    }
  });
});

describe('VNPay IPN and return URL', () => {
  it('verifies a paid IPN into a normalized event', () => {
    const result = client.parseCallback({ method: 'GET', query: signed(paid), headers: {}, rawBody: '' });
    assert.ok(result.ok);
    assert.equal(result.event.gateway, 'vnpay');
    assert.equal(result.event.currency, 'VND');
    assert.equal(result.event.amount, 150_000n);
    assert.equal(result.event.gateway_code, '00/00');
    assert.equal(result.event.raw.vnp_BankTranNo, 'VNP14226112');
  });

  it('accepts an uppercase hash', () => {
    const query = signed(paid);
    assert.ok(
      client.webhooks.verify({ query: { ...query, vnp_SecureHash: query.vnp_SecureHash!.toUpperCase() } }).ok,
    );
  });

  it('normalizes a cancelled payment to failed and keeps paid_at empty', () => {
    const result = client.webhooks.verify({
      query: signed({ ...paid, vnp_ResponseCode: '24', vnp_TransactionStatus: '02', vnp_TransactionNo: '0' }),
    });
    assert.ok(result.ok);
    assert.equal(result.event.status, 'failed');
    assert.equal(result.event.paid_at, null);
  });

  it('rejects every tampered field as bad_signature', () => {
    const query = signed(paid);
    for (const key of Object.keys(paid)) {
      const tampered = { ...query, [key]: query[key] === '1' ? '2' : '1' };
      const result = client.webhooks.verify({ query: tampered });
      assert.ok(!result.ok, key);
      assert.equal(result.rejection.reason, 'bad_signature', key);
    }
    const added = client.webhooks.verify({ query: { ...query, vnp_Extra: 'x' } });
    assert.ok(!added.ok && added.rejection.reason === 'bad_signature');
  });

  it('rejects a query signed with another key as bad_signature', () => {
    const result = client.webhooks.verify({ query: signed(paid, 'ANOTHERSECRET') });
    assert.ok(!result.ok);
    assert.equal(result.rejection.reason, 'bad_signature');
  });

  it('rejects another terminal as wrong_merchant', () => {
    const result = client.webhooks.verify({ query: signed({ ...paid, vnp_TmnCode: 'OTHER001' }) });
    assert.ok(!result.ok);
    assert.equal(result.rejection.reason, 'wrong_merchant');
  });

  it('rejects malformed queries as malformed', () => {
    const { vnp_TxnRef: _ref, ...noRef } = paid;
    const cases: Record<string, unknown>[] = [
      { ...paid },
      { ...signed(paid), vnp_Amount: ['15000000', '15000000'] },
      signed(noRef),
      signed({ ...paid, vnp_Amount: '15000050' }),
      signed({ ...paid, vnp_Amount: '-100' }),
      signed({ ...paid, vnp_PayDate: '20261131094512' }),
      signed({ ...paid, vnp_ResponseCode: 'ok' }),
    ];
    for (const query of cases) {
      const result = client.webhooks.verify({ query: query as Record<string, string> });
      assert.ok(!result.ok, JSON.stringify(query));
      assert.equal(result.rejection.reason, 'malformed', JSON.stringify(query));
    }
    const post = client.parseCallback({ method: 'POST', query: signed(paid), headers: {}, rawBody: '{}' });
    assert.ok(!post.ok && post.rejection.reason === 'malformed');
  });

  it('ignores non-vnp_ parameters, which VNPay does not sign', () => {
    assert.ok(client.webhooks.verify({ query: { ...signed(paid), gw: 'vnpay' } }).ok);
  });

  it("accepts the Node demo's encoding for characters the encoders disagree on", () => {
    const fields = { ...paid, vnp_OrderInfo: "Le phi (lan 2) ~ it's" };
    const nodeDemo = Object.keys(fields)
      .sort()
      .map((k) => `${k}=${encodeURIComponent(fields[k as keyof typeof fields]!).replace(/%20/g, '+')}`)
      .join('&');
    assert.notEqual(nodeDemo, canonicalQuery(fields));
    assert.ok(
      client.webhooks.verify({ query: { ...fields, vnp_SecureHash: hmacSha512Hex(SECRET, nodeDemo) } }).ok,
    );
    assert.ok(client.webhooks.verify({ query: signed(fields) }).ok);
  });

  it('never puts the secret, or the expected hash, in a rejection', () => {
    const query = signed({ ...paid, vnp_Amount: '1' }, SECRET);
    const tampered = { ...signed(paid), vnp_Amount: '1' };
    for (const q of [query, tampered, { ...paid, vnp_SecureHash: 'zz' }, signed(paid, 'OTHER')]) {
      const text = JSON.stringify(client.webhooks.verify({ query: q }));
      assert.ok(!text.includes(SECRET));
      assert.ok(!text.includes(signQuery(q, SECRET)));
    }
    assert.ok(!inspect(client, { depth: 5, showHidden: true }).includes(SECRET));
    assert.ok(!JSON.stringify(client, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(SECRET));
  });
});

describe('VNPay IPN answer', () => {
  const expected: [CallbackOutcome, string][] = [
    ['recorded', '00'],
    ['order_not_found', '01'],
    ['already_confirmed', '02'],
    ['amount_mismatch', '04'],
    ['bad_signature', '97'],
    ['malformed', '99'],
    ['wrong_merchant', '99'],
    ['error', '99'],
  ];
  for (const [outcome, rspCode] of expected) {
    it(`answers HTTP 200 with RspCode ${rspCode} for ${outcome}`, () => {
      const reply = client.callbackReply(outcome);
      assert.equal(reply.status, 200);
      assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
      const body = JSON.parse(reply.body) as { RspCode: string; Message: string };
      assert.deepEqual(Object.keys(body), ['RspCode', 'Message']);
      assert.equal(body.RspCode, rspCode);
      assert.equal(client.webhooks.reply(outcome).body, reply.body);
    });
  }
});
