// The MoMo client: limits before any call, typed IPN rejections, signed query/refund bodies over an
// injected fetch, and no key in anything a caller could log.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { AdapterError, type PaymentOrder, type RefundRequest } from '../contract';
import { MomoClient, toWireJson } from './momo.client';
import { IPN_FIELDS, QUERY_FIELDS, REFUND_FIELDS, sign } from './momo.signature';

const ACCESS = 'HUEACCESSKEY0001';
const SECRET = 'HUEMOMOSECRETKEY000000000000001';
const IPN_URL = 'https://payhub.example.vn/v1/gateways/momo/ipn';

interface Call {
  url: string;
  body: string;
}

function fakeFetch(answer: (body: Record<string, unknown>) => unknown, calls: Call[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    const body = String(init?.body);
    calls.push({ url: String(url), body });
    return new Response(JSON.stringify(answer(JSON.parse(body) as Record<string, unknown>)), { status: 200 });
  }) as typeof fetch;
}

function makeClient(fetchImpl?: typeof fetch): MomoClient {
  return new MomoClient({
    partner_code: 'HUEPAY',
    access_key: ACCESS,
    secret_key: SECRET,
    ipn_url: IPN_URL,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

const order: PaymentOrder = {
  merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
  method: 'wallet',
  return_url: 'https://payhub.example.vn/v1/checkout/return?gw=momo',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T02:40:00Z'),
};

const ipn: Record<string, string | number> = {
  partnerCode: 'HUEPAY',
  orderId: 'pi_01JD3K8Y5Z0000000000000001',
  requestId: 'pi_01JD3K8Y5Z0000000000000001',
  amount: 150_000,
  orderInfo: 'Thanh toan le phi ho so HS-2026-000123',
  orderType: 'momo_wallet',
  transId: 4088878653,
  resultCode: 0,
  message: 'Successful.',
  payType: 'qr',
  responseTime: 1763779512000,
  extraData: '',
};

function signedIpn(fields: Record<string, string | number> = ipn, secret = SECRET): string {
  return JSON.stringify({ ...fields, signature: sign(IPN_FIELDS, { ...fields, accessKey: ACCESS }, secret) });
}

function reason(result: ReturnType<MomoClient['verifyIpnBody']>): string {
  assert.ok(!result.ok);
  return result.rejection.reason;
}

describe('MoMo payments.create', () => {
  it('posts a signed captureWallet body with the amount as JSON digits and returns the payUrl', async () => {
    const calls: Call[] = [];
    const client = makeClient(
      fakeFetch(
        (body) => ({
          partnerCode: 'HUEPAY',
          orderId: body.orderId,
          requestId: body.requestId,
          amount: body.amount,
          resultCode: 0,
          message: 'Thành công.',
          payUrl: 'https://test-payment.momo.vn/v2/gateway/pay?t=abc',
          deeplink: 'momo://app?action=payWithApp',
          qrCodeUrl: 'momo://app?action=payWithApp&qr=1',
        }),
        calls,
      ),
    );
    const result = await client.payments.create(order);
    assert.ok(result.ok);
    assert.deepEqual(result.value.action, {
      type: 'redirect',
      url: 'https://test-payment.momo.vn/v2/gateway/pay?t=abc',
    });
    assert.equal(result.value.status, 'pending');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.url, 'https://test-payment.momo.vn/v2/gateway/api/create');
    assert.match(calls[0]!.body, /"amount":150000,/);
    const sent = JSON.parse(calls[0]!.body) as Record<string, string>;
    assert.equal(sent.orderInfo, 'Thanh toan le phi ho so HS-2026-000123');
    assert.equal(sent.ipnUrl, IPN_URL);
    assert.equal(sent.requestType, 'captureWallet');
    assert.equal(sent.accessKey, undefined);
  });

  it('maps each method to its flow', () => {
    const client = makeClient();
    for (const [method, type] of [
      ['wallet', 'captureWallet'],
      ['card_domestic', 'payWithATM'],
      ['card_international', 'payWithCC'],
    ] as const) {
      const built = client.payments.build({ ...order, method });
      assert.ok(built.ok);
      assert.equal(built.body.requestType, type);
    }
  });

  it('enforces each flow amount limits before any call', async () => {
    const calls: Call[] = [];
    const client = makeClient(fakeFetch(() => ({}), calls));
    const cases: [PaymentOrder['method'], bigint, string | null][] = [
      ['wallet', 999n, 'amount_below_minimum'],
      ['wallet', 1_000n, null],
      ['wallet', 50_000_000n, null],
      ['wallet', 50_000_001n, 'amount_above_maximum'],
      ['card_domestic', 9_999n, 'amount_below_minimum'],
      ['card_domestic', 10_000n, null],
      ['card_domestic', 50_000_001n, 'amount_above_maximum'],
      ['card_international', 999n, 'amount_below_minimum'],
      ['card_international', 10_000_000n, null],
      ['card_international', 10_000_001n, 'amount_above_maximum'],
    ];
    for (const [method, amount, code] of cases) {
      const built = client.payments.build({ ...order, method, amount });
      assert.equal(built.ok ? null : built.rejection.code, code, `${method} ${amount}`);
      if (code) {
        const created = await client.payments.create({ ...order, method, amount });
        assert.ok(!created.ok);
        assert.equal('code' in created.rejection ? created.rejection.code : '', code);
      }
    }
    assert.equal(calls.length, 0);
  });

  it('refuses fields MoMo would refuse', () => {
    const client = makeClient();
    const cases: [Partial<PaymentOrder>, string, string][] = [
      [{ merchant_ref: 'pi 1' }, 'invalid_field', 'merchant_ref'],
      [{ merchant_ref: '_pi' }, 'invalid_field', 'merchant_ref'],
      [{ merchant_ref: 'a'.repeat(51) }, 'invalid_field', 'merchant_ref'],
      [{ description: '!!!' }, 'invalid_field', 'description'],
      [{ return_url: 'ftp://x.vn/' }, 'invalid_field', 'return_url'],
      [{ method: 'qr' }, 'method_not_supported', 'method'],
      [{ currency: 'USD' as 'VND' }, 'currency_not_supported', 'currency'],
    ];
    for (const [change, code, param] of cases) {
      const result = client.payments.build({ ...order, ...change });
      assert.ok(!result.ok, JSON.stringify(change));
      assert.deepEqual([result.rejection.code, result.rejection.param], [code, param]);
    }
  });

  it('returns a refused create as data, and a create answer about another order as malformed', async () => {
    const refused = await makeClient(
      fakeFetch(() => ({ resultCode: 20, message: 'Bad format' }), []),
    ).payments.create(order);
    assert.ok(refused.ok);
    assert.equal(refused.value.status, 'failed');
    assert.equal(refused.value.action, null);
    const other = await makeClient(
      fakeFetch(() => ({ orderId: 'other', resultCode: 0 }), []),
    ).payments.create(order);
    assert.ok(!other.ok);
    assert.equal('reason' in other.rejection ? other.rejection.reason : '', 'malformed');
  });
});

describe('MoMo IPN', () => {
  const client = makeClient();

  it('verifies a paid IPN, and accepts an uppercase signature', () => {
    const result = client.webhooks.verify(Buffer.from(signedIpn()));
    assert.ok(result.ok);
    assert.equal(result.event.amount, 150_000n);
    const body = JSON.parse(signedIpn()) as Record<string, string>;
    const upper = client.webhooks.verify(
      JSON.stringify({ ...body, signature: body.signature!.toUpperCase() }),
    );
    assert.ok(upper.ok);
  });

  it('rejects every tampered signed field as bad_signature', () => {
    const body = JSON.parse(signedIpn()) as Record<string, string | number>;
    for (const field of IPN_FIELDS.filter((f) => f !== 'accessKey')) {
      const value = body[field]!;
      const tampered = typeof value === 'number' ? value + 1 : `${value}x`;
      assert.equal(
        reason(client.webhooks.verify(JSON.stringify({ ...body, [field]: tampered }))),
        'bad_signature',
        field,
      );
    }
  });

  it('rejects a body signed with another key as bad_signature, without the key in the detail', () => {
    const result = client.webhooks.verify(signedIpn(ipn, 'ANOTHERSECRETKEY0000000000000001'));
    assert.equal(reason(result), 'bad_signature');
    assert.ok(!result.ok && !result.rejection.detail.includes(SECRET));
    const otherAccess = JSON.stringify({
      ...ipn,
      signature: sign(IPN_FIELDS, { ...ipn, accessKey: 'OTHERACCESS' }, SECRET),
    });
    assert.equal(reason(client.webhooks.verify(otherAccess)), 'bad_signature');
  });

  it('rejects a correctly signed IPN for another partner as wrong_merchant', () => {
    assert.equal(
      reason(client.webhooks.verify(signedIpn({ ...ipn, partnerCode: 'OTHERSHOP' }))),
      'wrong_merchant',
    );
  });

  it('rejects malformed bodies as malformed', () => {
    const body = JSON.parse(signedIpn()) as Record<string, unknown>;
    const { transId: _dropped, ...missing } = body;
    const cases = [
      '',
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...body, signature: undefined }),
      JSON.stringify(missing),
      JSON.stringify({ ...body, amount: 1.5 }),
      JSON.stringify({ ...body, amount: -5 }),
      JSON.stringify({ ...body, transId: 2 ** 60 }),
      JSON.stringify({ ...body, orderInfo: 42 }),
    ];
    for (const text of cases)
      assert.equal(reason(client.webhooks.verify(text)), 'malformed', text.slice(0, 60));
    assert.equal(
      reason(client.parseCallback({ method: 'GET', query: {}, headers: {}, rawBody: signedIpn() })),
      'malformed',
    );
  });

  it('parses a POSTed IPN through the contract and answers 204', () => {
    const result = client.parseCallback({ method: 'POST', query: {}, headers: {}, rawBody: signedIpn() });
    assert.ok(result.ok);
    assert.deepEqual(client.webhooks.reply('recorded'), { status: 204, headers: {}, body: '' });
  });

  it('verifies the browser redirect query with the same signature, as text', () => {
    const body = JSON.parse(signedIpn({ ...ipn, resultCode: 1006 })) as Record<string, string | number>;
    const query = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
    const result = client.webhooks.verifyRedirect(query);
    assert.ok(result.ok);
    assert.equal(result.event.status, 'failed');
    assert.equal(result.event.paid_at, null);
  });
});

describe('MoMo query and refund', () => {
  const refundRequest: RefundRequest = {
    refund_ref: 'rf_01JD3K8Y5Z0000000000000001',
    merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
    gateway_txn_id: '4088878653',
    amount: 50_000n,
    payment_amount: 150_000n,
    payment_created_at: new Date('2026-11-22T02:40:00Z'),
    reason: 'Hoàn phí nộp trùng',
    requested_by: 'ketoan01',
    requested_at: new Date('2026-11-23T02:00:00Z'),
    requester_ip: '10.0.0.5',
  };

  it('signs the query body in the documented order and reads a paid answer', async () => {
    const calls: Call[] = [];
    const client = makeClient(
      fakeFetch(
        (body) => ({
          partnerCode: 'HUEPAY',
          orderId: body.orderId,
          requestId: body.requestId,
          resultCode: 0,
          amount: 150000,
          transId: 4088878653,
          payType: 'qr',
          refundTrans: [],
          responseTime: 1763779512000,
        }),
        calls,
      ),
    );
    const query = {
      request_id: 'q_01',
      merchant_ref: order.merchant_ref,
      payment_created_at: order.created_at,
      requested_at: new Date(),
      requester_ip: '10.0.0.5',
    };
    const body = client.transactions.build(query);
    assert.equal(body.signature, sign(QUERY_FIELDS, { ...body, accessKey: ACCESS }, SECRET));
    const result = await client.transactions.query(query);
    assert.ok(result.ok);
    assert.deepEqual(
      [result.value.status, result.value.amount, result.value.gateway_txn_id],
      ['succeeded', 150_000n, '4088878653'],
    );
    assert.equal(calls[0]!.url, 'https://test-payment.momo.vn/v2/gateway/api/query');
  });

  it('signs a partial refund with a new orderId and the payment transId, digits on the wire', async () => {
    const calls: Call[] = [];
    const client = makeClient(
      fakeFetch(
        (body) => ({
          partnerCode: 'HUEPAY',
          orderId: body.orderId,
          requestId: body.requestId,
          amount: 50000,
          transId: 4088880000,
          resultCode: 0,
        }),
        calls,
      ),
    );
    const body = client.refunds.build(refundRequest);
    assert.equal(body.orderId, refundRequest.refund_ref);
    assert.equal(body.description, 'Hoan phi nop trung');
    assert.equal(body.signature, sign(REFUND_FIELDS, { ...body, accessKey: ACCESS }, SECRET));
    const result = await client.refunds.create(refundRequest);
    assert.ok(result.ok);
    assert.deepEqual(
      [result.value.status, result.value.gateway_refund_id, result.value.amount],
      ['succeeded', '4088880000', 50_000n],
    );
    assert.match(calls[0]!.body, /"amount":50000,"transId":4088878653,/);
  });

  it('refuses a refund larger than the payment before any call', async () => {
    const calls: Call[] = [];
    const result = await makeClient(fakeFetch(() => ({}), calls)).refunds.create({
      ...refundRequest,
      amount: 150_001n,
    });
    assert.ok(!result.ok);
    assert.equal('code' in result.rejection ? result.rejection.param : '', 'amount');
    assert.equal(calls.length, 0);
  });

  it('rejects answers for another partner or request', async () => {
    const wrong = await makeClient(
      fakeFetch(() => ({ partnerCode: 'OTHER', resultCode: 0 }), []),
    ).refunds.create(refundRequest);
    assert.ok(!wrong.ok && 'reason' in wrong.rejection && wrong.rejection.reason === 'wrong_merchant');
    const other = await makeClient(fakeFetch(() => ({ requestId: 'x', resultCode: 0 }), [])).refunds.create(
      refundRequest,
    );
    assert.ok(!other.ok && 'reason' in other.rejection && other.rejection.reason === 'malformed');
  });
});

describe('MoMo secrets', () => {
  it('never puts a key in a configuration error', () => {
    const base = { partner_code: 'HUEPAY', access_key: ACCESS, secret_key: SECRET, ipn_url: IPN_URL };
    for (const change of [
      { partner_code: 'bad code' },
      { access_key: '' },
      { secret_key: '' },
      { ipn_url: `ftp://x/${SECRET}` },
      { timeout_ms: 0 },
    ]) {
      assert.throws(
        () => new MomoClient({ ...base, ...change }),
        (error: unknown) =>
          error instanceof AdapterError &&
          error.code === 'momo_config_invalid' &&
          !error.message.includes(SECRET) &&
          !error.message.includes(ACCESS),
      );
    }
  });

  it('never shows a key when the client, a rejection or a sent body is logged', async () => {
    const calls: Call[] = [];
    const client = makeClient(fakeFetch(() => ({ resultCode: 99 }), calls));
    const logged = [
      inspect(client, { depth: 5, showHidden: true }),
      inspect(client.webhooks.verify(signedIpn(ipn, 'wrong'))),
      inspect(client.webhooks.verify('garbage')),
      inspect(client.payments.build({ ...order, amount: 1n }), { depth: 5 }),
    ];
    await client.payments.create(order);
    await client.transactions.query({
      request_id: 'q_02',
      merchant_ref: order.merchant_ref,
      payment_created_at: order.created_at,
      requested_at: new Date(),
      requester_ip: '10.0.0.5',
    });
    logged.push(...calls.map((call) => call.body + call.url));
    for (const text of logged) {
      assert.ok(!text.includes(SECRET), text.slice(0, 80));
      assert.ok(!text.includes(ACCESS), text.slice(0, 80));
    }
  });

  it('writes bigint money as JSON digits', () => {
    assert.equal(
      toWireJson({ amount: 9_007_199_254_740_993n, a: 'x' }),
      '{"amount":9007199254740993,"a":"x"}',
    );
  });
});
