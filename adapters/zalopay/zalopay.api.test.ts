// create, query, refund and query_refund over an injected fetch that plays ZaloPay: signed
// form-urlencoded requests, answers read into typed results, declines as data, no key on the wire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentOrder, PaymentQuery, RefundRequest } from '../contract';
import { ZalopayClient, type ZalopayRefundLookup } from './zalopay.client';
import { createMac, hmacSha256Hex, refundMacInput } from './zalopay.signature';

const KEY1 = 'ZPTESTKEY1HUEPAYHUB00000000000001';
const KEY2 = 'ZPTESTKEY2HUEPAYHUB00000000000002';
const APP_ID = 2553;

const order: PaymentOrder = {
  merchant_ref: 'pi01JD3K8Y5Z0000000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Le phi ho so',
  method: 'gateway_choice',
  return_url: 'https://payhub.example.vn/return',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T17:10:00Z'),
};

const query: PaymentQuery = {
  request_id: 'req-1',
  merchant_ref: 'pi01JD3K8Y5Z0000000000000001',
  payment_created_at: new Date('2026-11-22T17:10:00Z'),
  requested_at: new Date('2026-11-22T17:40:00Z'),
  requester_ip: '127.0.0.1',
};

const refund: RefundRequest = {
  refund_ref: 're01JD3K8Y5Z0001',
  merchant_ref: 'pi01JD3K8Y5Z0000000000000001',
  gateway_txn_id: '261123000000123',
  amount: 50_000n,
  payment_amount: 150_000n,
  payment_created_at: new Date('2026-11-22T17:10:00Z'),
  reason: 'Hoàn phí (nộp trùng)',
  requested_by: 'nguyen van a',
  requested_at: new Date('2026-11-23T01:00:00Z'),
  requester_ip: '10.0.0.5',
};

const lookup: ZalopayRefundLookup = {
  refund_ref: refund.refund_ref,
  merchant_ref: refund.merchant_ref,
  refund_requested_at: refund.requested_at,
  requested_at: new Date('2026-11-23T01:05:00Z'),
};

interface Seen {
  url?: string;
  contentType?: string;
  raw?: string;
  body?: Record<string, string>;
}

function fakeFetch(answer: unknown, seen: Seen): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.contentType = (init.headers as Record<string, string>)['content-type'];
    seen.raw = init.body as string;
    seen.body = Object.fromEntries(new URLSearchParams(seen.raw));
    return new Response(typeof answer === 'string' ? answer : JSON.stringify(answer), { status: 200 });
  }) as unknown as typeof fetch;
}

function clientAnswering(answer: unknown, seen: Seen = {}) {
  return new ZalopayClient({ app_id: APP_ID, key1: KEY1, key2: KEY2, fetch: fakeFetch(answer, seen) });
}

describe('ZaloPay payments.create', () => {
  it('POSTs the signed form to /v2/create and redirects to order_url', async () => {
    const seen: Seen = {};
    const client = clientAnswering(
      {
        return_code: 1,
        return_message: 'Giao dịch thành công',
        sub_return_code: 1,
        order_url: 'https://qcgateway.zalopay.vn/openinapp?order=abc',
      },
      seen,
    );
    const result = await client.payments.create(order);
    assert.ok(result.ok);
    assert.deepEqual(result.value.action, {
      type: 'redirect',
      url: 'https://qcgateway.zalopay.vn/openinapp?order=abc',
    });
    // 17:10 UTC is 00:10 on the 23rd in Vietnam.
    assert.equal(result.value.app_trans_id, '261123_pi01JD3K8Y5Z0000000000000001');
    assert.equal(seen.url, 'https://sb-openapi.zalopay.vn/v2/create');
    assert.equal(seen.contentType, 'application/x-www-form-urlencoded');
    assert.equal(seen.body?.app_trans_id, '261123_pi01JD3K8Y5Z0000000000000001');
    assert.equal(seen.body?.mac, createMac(seen.body as never, KEY1));
    assert.ok(!seen.raw?.includes(KEY1) && !seen.raw?.includes(KEY2));
  });

  it('returns a decline as data, retryable only for rate limits and outages', async () => {
    const duplicate = await clientAnswering({
      return_code: 2,
      return_message: 'dup',
      sub_return_code: -68,
    }).payments.create(order);
    assert.ok(!duplicate.ok && 'declined' in duplicate);
    assert.equal(duplicate.declined.sub_return_code, -68);
    assert.equal(duplicate.declined.retryable, false);
    assert.equal(duplicate.declined.gateway_code, '2/-68');
    const limited = await clientAnswering({ return_code: 2, sub_return_code: -429 }).payments.create(order);
    assert.ok(!limited.ok && 'declined' in limited && limited.declined.retryable);
  });

  it('rejects an unreadable answer as malformed and a bad order before any call', async () => {
    for (const answer of [
      '<html>',
      { return_code: 'one' },
      { return_code: 1 },
      { return_code: 1, order_url: 'http://x' },
      // Plain http on loopback is for the simulator only, never against ZaloPay's https host.
      { return_code: 1, order_url: 'http://127.0.0.1:9/pay/x' },
    ]) {
      const result = await clientAnswering(answer).payments.create(order);
      assert.ok(!result.ok && 'rejection' in result, JSON.stringify(answer));
      assert.equal((result.rejection as { reason: string }).reason, 'malformed');
    }
    const seen: Seen = {};
    const refused = await clientAnswering({ return_code: 1 }, seen).payments.create({
      ...order,
      amount: 10n,
    });
    assert.ok(!refused.ok && 'rejection' in refused);
    assert.equal(seen.url, undefined);
  });
});

describe('ZaloPay transactions.query', () => {
  it('POSTs app_id, app_trans_id and the key1 mac over app_id|app_trans_id|key1, without the key', async () => {
    const seen: Seen = {};
    const client = clientAnswering(
      {
        return_code: 1,
        return_message: 'ok',
        sub_return_code: 1,
        is_processing: false,
        amount: 150000,
        zp_trans_id: 261123000000123,
        server_time: 1795367412000,
        discount_amount: 0,
      },
      seen,
    );
    const result = await client.transactions.query(query);
    assert.equal(seen.url, 'https://sb-openapi.zalopay.vn/v2/query');
    assert.deepEqual(Object.keys(seen.body ?? {}), ['app_id', 'app_trans_id', 'mac']);
    assert.equal(seen.body?.app_trans_id, '261123_pi01JD3K8Y5Z0000000000000001');
    assert.equal(seen.body?.mac, hmacSha256Hex(KEY1, `2553|261123_pi01JD3K8Y5Z0000000000000001|${KEY1}`));
    assert.ok(!seen.raw?.includes(KEY1));
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      merchant_ref: query.merchant_ref,
      gateway_txn_id: '261123000000123',
      amount: 150_000n,
      status: 'succeeded',
      paid_at: new Date(1795367412000),
      gateway_code: '1/1',
    });
  });

  it('maps 2 to failed, 3 to pending, and a refused query to pending', async () => {
    const cases: [unknown, string][] = [
      [{ return_code: 2, sub_return_code: -54 }, 'failed'],
      [{ return_code: 3, is_processing: true }, 'pending'],
      [{ return_code: 2, sub_return_code: -402 }, 'pending'],
      [{ return_code: 9 }, 'pending'],
    ];
    for (const [answer, status] of cases) {
      const result = await clientAnswering(answer).transactions.query(query);
      assert.ok(result.ok, JSON.stringify(answer));
      assert.equal(result.value.status, status, JSON.stringify(answer));
      assert.equal(result.value.paid_at, null);
    }
  });

  it('rejects malformed answers and bad queries', async () => {
    for (const answer of [
      'nope',
      { return_message: 'x' },
      { return_code: 1, amount: 1.5 },
      { return_code: 1, amount: 1e300 },
    ]) {
      const result = await clientAnswering(answer).transactions.query(query);
      assert.ok(!result.ok, JSON.stringify(answer));
      assert.equal((result.rejection as { reason: string }).reason, 'malformed');
    }
    const bad = await clientAnswering({ return_code: 1 }).transactions.query({
      ...query,
      merchant_ref: 'a b',
    });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.rejection, {
      code: 'invalid_field',
      param: 'merchant_ref',
      message: 'merchant_ref must be 1 to 33 of A-Z a-z 0-9 _ -',
    });
  });
});

describe('ZaloPay refunds', () => {
  it('POSTs a key1-signed refund with m_refund_id yymmdd_appid_ref in UTC+7', async () => {
    const seen: Seen = {};
    const result = await clientAnswering(
      { return_code: 3, return_message: 'processing', sub_return_code: 2, refund_id: 261123000000777 },
      seen,
    ).refunds.create(refund);
    assert.equal(seen.url, 'https://sb-openapi.zalopay.vn/v2/refund');
    const body = seen.body ?? {};
    assert.equal(body.m_refund_id, '261123_2553_re01JD3K8Y5Z0001');
    assert.equal(body.amount, '50000');
    assert.equal(body.timestamp, String(refund.requested_at.getTime()));
    assert.equal(body.description, 'Hoan phi nop trung');
    assert.equal(body.refund_fee_amount, undefined);
    const signed = `2553|261123000000123|50000|Hoan phi nop trung|${body.timestamp}`;
    assert.equal(refundMacInput(body as never), signed);
    assert.equal(body.mac, hmacSha256Hex(KEY1, signed));
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      refund_ref: refund.refund_ref,
      merchant_ref: refund.merchant_ref,
      gateway_refund_id: '261123000000777',
      amount: null,
      status: 'pending',
      gateway_code: '3/2',
    });
  });

  it('puts refund_fee_amount after amount in the signed string when a fee is set', () => {
    const fields = {
      app_id: 2553,
      zp_trans_id: '1',
      amount: '1000',
      refund_fee_amount: '10',
      description: 'd',
      timestamp: '5',
    };
    assert.equal(refundMacInput(fields), '2553|1|1000|10|d|5');
  });

  it('maps refund answers and refuses bad requests before any call', async () => {
    const ok = await clientAnswering({ return_code: 1, refund_id: 5 }).refunds.create(refund);
    assert.ok(ok.ok && ok.value.status === 'succeeded');
    const failed = await clientAnswering({ return_code: 2, sub_return_code: -401 }).refunds.create(refund);
    assert.ok(failed.ok && failed.value.status === 'failed');
    const outage = await clientAnswering({ return_code: 2, sub_return_code: -500 }).refunds.create(refund);
    assert.ok(outage.ok && outage.value.status === 'pending');
    const cases: [Partial<RefundRequest>, string][] = [
      [{ amount: 200_000n }, 'amount'],
      [{ amount: 0n }, 'amount'],
      [{ gateway_txn_id: 'abc' }, 'gateway_txn_id'],
      [{ refund_ref: 'r e' }, 'refund_ref'],
      [{ reason: '***' }, 'reason'],
      [{ requested_at: new Date(Number.NaN) }, 'requested_at'],
    ];
    for (const [change, param] of cases) {
      const seen: Seen = {};
      const result = await clientAnswering({ return_code: 1 }, seen).refunds.create({ ...refund, ...change });
      assert.ok(!result.ok, param);
      assert.equal((result.rejection as { param: string }).param, param);
      assert.equal(seen.url, undefined);
    }
  });

  it('queries a refund with the key1 mac over app_id|m_refund_id|timestamp', async () => {
    const seen: Seen = {};
    const result = await clientAnswering({ return_code: 1, sub_return_code: 1 }, seen).refunds.retrieve(
      lookup,
    );
    assert.equal(seen.url, 'https://sb-openapi.zalopay.vn/v2/query_refund');
    const timestamp = String(lookup.requested_at.getTime());
    assert.deepEqual(seen.body, {
      app_id: '2553',
      m_refund_id: '261123_2553_re01JD3K8Y5Z0001',
      timestamp,
      mac: hmacSha256Hex(KEY1, `2553|261123_2553_re01JD3K8Y5Z0001|${timestamp}`),
    });
    assert.ok(result.ok && result.value.status === 'succeeded');
    const pending = await clientAnswering({ return_code: 3 }).refunds.retrieve(lookup);
    assert.ok(pending.ok && pending.value.status === 'pending');
  });
});

describe('ZaloPay keys stay secret', () => {
  it('never sends, logs or throws a key', async () => {
    const lines: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const saved = methods.map((m) => console[m]);
    for (const m of methods) console[m] = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const wire: string[] = [];
    try {
      for (const answer of [
        { return_code: 1, order_url: 'https://x.vn/o' },
        { return_code: 2, sub_return_code: -402 },
        'junk',
      ]) {
        const seen: Seen = {};
        const client = clientAnswering(answer, seen);
        const results = [
          await client.payments.create(order),
          await client.transactions.query(query),
          await client.refunds.create(refund),
          await client.refunds.retrieve(lookup),
          await client.refunds.create({ ...refund, amount: -1n }),
          client.webhooks.verify({ rawBody: 'junk' }),
        ];
        wire.push(
          seen.raw ?? '',
          JSON.stringify(results, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
        );
      }
      const throwing = new ZalopayClient({
        app_id: APP_ID,
        key1: KEY1,
        key2: KEY2,
        fetch: (async () => {
          throw new Error('connect ECONNREFUSED');
        }) as unknown as typeof fetch,
      });
      await assert.rejects(throwing.transactions.query(query), (error: Error) => {
        wire.push(String(error.message), String(error.stack));
        return true;
      });
    } finally {
      methods.forEach((m, i) => (console[m] = saved[i] as never));
    }
    assert.deepEqual(lines, []);
    for (const text of wire) assert.ok(!text.includes(KEY1) && !text.includes(KEY2), text.slice(0, 80));
  });
});
