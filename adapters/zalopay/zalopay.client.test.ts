// ZaloPay create and callbacks: limits and field rules before any call, the key2 mac over the raw
// data string with typed rejections, return_code answers, and no key in anything a caller could log.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { AdapterError, type CallbackOutcome, type PaymentOrder } from '../contract';
import { ZalopayClient } from './zalopay.client';
import { createMac, hmacSha256Hex } from './zalopay.signature';

const KEY1 = 'ZPTESTKEY1HUEPAYHUB00000000000001';
const KEY2 = 'ZPTESTKEY2HUEPAYHUB00000000000002';
const APP_ID = 2553;
const client = new ZalopayClient({ app_id: APP_ID, key1: KEY1, key2: KEY2 });

const order: PaymentOrder = {
  merchant_ref: 'pi01JD3K8Y5Z0000000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
  method: 'wallet',
  return_url: 'https://payhub.example.vn/v1/checkout/return?gw=zalopay',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T02:40:00Z'),
};

const paidData = {
  app_id: APP_ID,
  app_trans_id: '261122_pi01JD3K8Y5Z0000000000000001',
  app_time: 1795315200000,
  app_user: 'payhub',
  amount: 150000,
  embed_data: '{"redirecturl":"https://payhub.example.vn/v1/checkout/return?gw=zalopay"}',
  item: '[]',
  zp_trans_id: 261122000000123,
  server_time: 1795315512000,
  channel: 38,
  merchant_user_id: 'zpu_4u1kq',
  user_fee_amount: 0,
  discount_amount: 0,
};

function callback(data: unknown, key = KEY2, extra: Record<string, unknown> = { type: 1 }): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return JSON.stringify({ data: text, mac: hmacSha256Hex(key, text), ...extra });
}

function verify(rawBody: string | Buffer) {
  return client.webhooks.verify({ rawBody });
}

describe('ZaloPay payments.build', () => {
  it('builds a key1-signed body with the UTC+7 yymmdd_ prefix, whole VND and safe text', () => {
    const built = client.payments.build(order);
    assert.ok(built.ok);
    const { body } = built;
    assert.equal(body.app_id, '2553');
    assert.equal(body.app_trans_id, '261122_pi01JD3K8Y5Z0000000000000001');
    assert.equal(body.amount, '150000');
    assert.equal(body.app_time, '1795315200000');
    assert.equal(body.expire_duration_seconds, '900');
    assert.equal(body.item, '[]');
    assert.equal(body.embed_data, JSON.stringify({ redirecturl: order.return_url }));
    assert.equal(body.description, 'Thanh toan le phi ho so HS-2026-000123');
    assert.equal(body.bank_code, 'zalopayapp');
    assert.equal(body.callback_url, undefined);
    assert.equal(body.mac, createMac(body, KEY1));
  });

  it('maps methods to bank_code and refuses the ones ZaloPay has no code for', () => {
    const bank = (method: PaymentOrder['method']) => {
      const built = client.payments.build({ ...order, method });
      return built.ok ? built.body.bank_code : built.rejection.code;
    };
    assert.equal(bank('gateway_choice'), '');
    assert.equal(bank('qr'), 'zalopayapp');
    assert.equal(bank('card_international'), 'CC');
    assert.equal(bank('card_domestic'), 'method_not_supported');
    assert.equal(bank('bank_transfer'), 'method_not_supported');
  });

  it('sends the configured callback_url and takes expire_duration_seconds from expires_at', () => {
    const withCallback = new ZalopayClient({
      app_id: APP_ID,
      key1: KEY1,
      key2: KEY2,
      callback_url: 'https://payhub.example.vn/v1/callbacks/zalopay',
    });
    const built = withCallback.payments.build({
      ...order,
      expires_at: new Date(order.created_at.getTime() + 3_600_000),
    });
    assert.ok(built.ok);
    assert.equal(built.body.callback_url, 'https://payhub.example.vn/v1/callbacks/zalopay');
    assert.equal(built.body.expire_duration_seconds, '3600');
  });

  it('enforces the amount limits before any call', () => {
    const low = client.payments.build({ ...order, amount: 999n });
    const high = client.payments.build({ ...order, amount: 1_000_000_000n });
    assert.ok(!low.ok && !high.ok);
    assert.equal(low.rejection.code, 'amount_below_minimum');
    assert.equal(high.rejection.code, 'amount_above_maximum');
    assert.ok(client.payments.build({ ...order, amount: 1_000n }).ok);
    assert.ok(client.payments.build({ ...order, amount: 999_999_999n }).ok);
  });

  it('refuses fields ZaloPay would refuse', () => {
    const at = order.created_at.getTime();
    const cases: [Partial<PaymentOrder>, string, string][] = [
      [{ merchant_ref: 'pi 1' }, 'invalid_field', 'merchant_ref'],
      [{ merchant_ref: 'x'.repeat(34) }, 'invalid_field', 'merchant_ref'],
      [{ description: '!!!' }, 'invalid_field', 'description'],
      [{ return_url: 'ftp://x.vn/' }, 'invalid_field', 'return_url'],
      [{ return_url: 'not a url' }, 'invalid_field', 'return_url'],
      [{ created_at: new Date(Number.NaN) }, 'invalid_field', 'created_at'],
      [{ expires_at: new Date(at + 299_000) }, 'invalid_field', 'expires_at'],
      [{ expires_at: new Date(at + 2_592_001_000) }, 'invalid_field', 'expires_at'],
      [{ amount: 150000 as unknown as bigint }, 'invalid_field', 'amount'],
      [{ currency: 'USD' as 'VND' }, 'currency_not_supported', 'currency'],
    ];
    for (const [change, code, param] of cases) {
      const result = client.payments.build({ ...order, ...change });
      assert.ok(!result.ok, JSON.stringify(change));
      assert.deepEqual([result.rejection.code, result.rejection.param], [code, param]);
    }
    const user = client.payments.build(order, { app_user: 'x|y' });
    assert.ok(!user.ok && user.rejection.param === 'app_user');
  });

  it('refuses a bad configuration without echoing a key', () => {
    for (const config of [
      { app_id: 0, key1: KEY1, key2: KEY2 },
      { app_id: APP_ID, key1: '', key2: KEY2 },
      { app_id: APP_ID, key1: KEY1, key2: '' },
      { app_id: APP_ID, key1: KEY1, key2: KEY2, amount_min: 10n, amount_max: 5n },
      { app_id: APP_ID, key1: KEY1, key2: KEY2, expire_after_seconds: 60 },
      { app_id: APP_ID, key1: KEY1, key2: KEY2, app_user: '' },
    ]) {
      assert.throws(
        () => new ZalopayClient(config),
        (error: unknown) =>
          error instanceof AdapterError &&
          error.code === 'zalopay_config_invalid' &&
          !error.message.includes(KEY1) &&
          !error.message.includes(KEY2),
      );
    }
  });
});

describe('ZaloPay callback', () => {
  it('verifies a paid callback into a normalized succeeded event', () => {
    const result = client.parseCallback({
      method: 'POST',
      query: {},
      headers: {},
      rawBody: callback(paidData),
    });
    assert.ok(result.ok, result.ok ? '' : result.rejection.detail);
    const { event } = result;
    assert.equal(event.gateway, 'zalopay');
    assert.equal(event.merchant_ref, 'pi01JD3K8Y5Z0000000000000001');
    assert.equal(event.gateway_txn_id, '261122000000123');
    assert.equal(event.amount, 150_000n);
    assert.equal(typeof event.amount, 'bigint');
    assert.equal(event.currency, 'VND');
    assert.equal(event.status, 'succeeded');
    assert.equal(event.paid_at?.toISOString(), '2026-11-22T02:45:12.000Z');
    assert.equal(event.raw.app_trans_id, paidData.app_trans_id);
    assert.equal(event.raw.amount, '150000');
    assert.equal(event.raw.embed_data, paidData.embed_data);
  });

  it('verifies the mac over data exactly as received, spacing and key order included', () => {
    const spaced = `{ "amount": 150000, "app_id": ${APP_ID}, "zp_trans_id": 9, "app_trans_id": "261122_pi_x" }`;
    assert.ok(verify(callback(spaced)).ok);
    assert.ok(verify(Buffer.from(callback(spaced), 'utf8')).ok);
    // The same fields re-serialized are other bytes: their mac does not carry over.
    const body = JSON.parse(callback(spaced)) as { data: string; mac: string };
    const reserialized = JSON.stringify({ ...body, data: JSON.stringify(JSON.parse(body.data)) });
    const result = verify(reserialized);
    assert.ok(!result.ok && result.rejection.reason === 'bad_signature');
  });

  it('accepts an uppercase mac', () => {
    const body = JSON.parse(callback(paidData)) as { data: string; mac: string };
    assert.ok(verify(JSON.stringify({ ...body, mac: body.mac.toUpperCase() })).ok);
  });

  it('rejects every tampered field as bad_signature', () => {
    const body = JSON.parse(callback(paidData)) as { data: string; mac: string };
    for (const key of Object.keys(paidData)) {
      const value = paidData[key as keyof typeof paidData];
      const changed = { ...paidData, [key]: typeof value === 'number' ? value + 1 : `${value}x` };
      const result = verify(JSON.stringify({ ...body, data: JSON.stringify(changed) }));
      assert.ok(!result.ok, key);
      assert.equal(result.rejection.reason, 'bad_signature', key);
    }
    const flipped = body.mac.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const result = verify(JSON.stringify({ ...body, mac: flipped }));
    assert.ok(!result.ok && result.rejection.reason === 'bad_signature');
  });

  it('rejects data signed with another key, key1 included, as bad_signature', () => {
    for (const key of ['ANOTHERKEY', KEY1]) {
      const result = verify(callback(paidData, key));
      assert.ok(!result.ok, key);
      assert.equal(result.rejection.reason, 'bad_signature');
    }
  });

  it('rejects another app as wrong_merchant', () => {
    const result = verify(callback({ ...paidData, app_id: 9999 }));
    assert.ok(!result.ok);
    assert.equal(result.rejection.reason, 'wrong_merchant');
  });

  it('rejects malformed bodies as malformed', () => {
    const { zp_trans_id: _id, ...noTxn } = paidData;
    const cases: (string | Buffer)[] = [
      '',
      'not json',
      '[]',
      JSON.stringify({ mac: 'ab' }),
      JSON.stringify({ data: JSON.stringify(paidData) }),
      JSON.stringify({ data: 42, mac: 'ab' }),
      callback('not json'),
      callback('[1,2]'),
      callback(noTxn),
      callback({ ...paidData, app_id: undefined }),
      callback({ ...paidData, amount: 150000.5 }),
      callback({ ...paidData, amount: -1 }),
      callback({ ...paidData, amount: 1e300 }),
      callback({ ...paidData, app_trans_id: 'pi01JD3K8Y5Z' }),
      callback({ ...paidData, app_trans_id: '26112_pi' }),
      callback({ ...paidData, server_time: 'noon' }),
      callback(paidData, KEY2, { type: 2 }),
      ' '.repeat(70_000),
    ];
    for (const rawBody of cases) {
      const result = verify(rawBody);
      assert.ok(!result.ok, String(rawBody).slice(0, 80));
      assert.equal(result.rejection.reason, 'malformed', String(rawBody).slice(0, 80));
    }
    const get = client.parseCallback({ method: 'GET', query: {}, headers: {}, rawBody: callback(paidData) });
    assert.ok(!get.ok && get.rejection.reason === 'malformed');
  });

  it('accepts a callback without type, and refuses a non-hex mac as bad_signature', () => {
    assert.ok(verify(callback(paidData, KEY2, {})).ok);
    const body = JSON.parse(callback(paidData)) as { data: string; mac: string };
    const result = verify(JSON.stringify({ ...body, mac: 'z'.repeat(64) }));
    assert.ok(!result.ok && result.rejection.reason === 'bad_signature');
  });

  it('never puts a key, or the expected mac, in a rejection', () => {
    const good = JSON.parse(callback(paidData)) as { data: string; mac: string };
    const tamperedData = JSON.stringify({ ...paidData, amount: 1 });
    const expected = hmacSha256Hex(KEY2, tamperedData);
    for (const rawBody of [
      JSON.stringify({ ...good, data: tamperedData }),
      callback(paidData, 'OTHER'),
      callback({ ...paidData, app_id: 1 }),
      'junk',
    ]) {
      const text = JSON.stringify(verify(rawBody));
      assert.ok(!text.includes(KEY1) && !text.includes(KEY2));
      assert.ok(!text.includes(expected));
    }
    const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);
    for (const text of [inspect(client, { depth: 5, showHidden: true }), JSON.stringify(client, replacer)]) {
      assert.ok(!text.includes(KEY1) && !text.includes(KEY2));
    }
  });
});

describe('ZaloPay callback answer', () => {
  const expected: [CallbackOutcome, number][] = [
    ['recorded', 1],
    ['already_confirmed', 1],
    ['bad_signature', -1],
    ['malformed', -1],
    ['wrong_merchant', -1],
    ['order_not_found', 0],
    ['amount_mismatch', 0],
    ['error', 0],
  ];
  for (const [outcome, code] of expected) {
    it(`answers HTTP 200 with return_code ${code} for ${outcome}`, () => {
      const reply = client.callbackReply(outcome);
      assert.equal(reply.status, 200);
      assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
      const body = JSON.parse(reply.body) as { return_code: number; return_message: string };
      assert.deepEqual(Object.keys(body), ['return_code', 'return_message']);
      assert.equal(body.return_code, code);
      assert.equal(client.webhooks.reply(outcome).body, reply.body);
    });
  }
});
