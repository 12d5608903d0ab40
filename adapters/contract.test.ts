// One contract suite, run against every gateway client that implements GatewayAdapter: the same order
// checks before any call, a redirect to an https page (VietQR: a VietQR payload for the order) for a valid
// order, typed rejections for a callback that is empty or garbage, and a 2xx acknowledgement of a recorded
// callback. The gateways' HTTP calls go to an injected fetch that answers like the gateway.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallbackRequest, GatewayAdapter, PaymentOrder } from './contract';
import { MomoClient } from './momo/momo.client';
import { parseVietQr } from './vietqr/vietqr.payload';
import { VietQrClient } from './vietqr/vietqr.client';
import { VnpayClient } from './vnpay/vnpay.client';
import { ZalopayClient } from './zalopay/zalopay.client';

/** What the fake gateway does with one request: answer with this JSON (or text), or fail the call. */
type Answer = (body: string) => unknown;

interface Fake {
  calls: string[];
  fetch: typeof fetch;
}

function fakeFetch(answer: Answer): Fake {
  const calls: string[] = [];
  const impl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push(String(url));
    const body = String(init?.body ?? '');
    const value = answer(body);
    if (value instanceof Error) throw value;
    return new Response(typeof value === 'string' ? value : JSON.stringify(value), { status: 200 });
  }) as typeof fetch;
  return { calls, fetch: impl };
}

interface Subject {
  readonly name: string;
  /** Whether createPayment calls the gateway (so it can decline). */
  readonly calls_gateway: boolean;
  make(answer: Answer): { client: GatewayAdapter; fake: Fake };
  /** The gateway's success answer to a create request. */
  readonly created: Answer;
  /** The gateway's refusal of a create request, and the code the contract reports for it. */
  readonly refused: { answer: Answer; code: string };
  /** A valid order for this gateway; the shared `order` when absent. */
  readonly order?: PaymentOrder;
  /** The next action a valid order gets; `redirect` when absent. */
  readonly action?: 'redirect' | 'vietqr';
}

// One order every client accepts: a reference, method and amount within all three gateways' rules.
const order: PaymentOrder = {
  merchant_ref: 'pi01JD3K8Y5Z0000000000000001',
  amount: 150_000n,
  currency: 'VND',
  description: 'Thanh toán lệ phí hồ sơ HS-2026-000123',
  method: 'card_international',
  return_url: 'https://payhub.example.vn/v1/checkout/return',
  payer_ip: '203.113.0.10',
  locale: 'vi',
  created_at: new Date('2026-11-22T02:40:00Z'),
};

const subjects: Subject[] = [
  {
    name: 'VNPay',
    calls_gateway: false,
    make: (answer) => {
      const fake = fakeFetch(answer);
      const client = new VnpayClient({
        tmn_code: 'HUEPAY01',
        hash_secret: 'VNPAYTESTSECRETHUEPAYHUB0000000001',
        fetch: fake.fetch,
      });
      return { client, fake };
    },
    created: () => ({}),
    refused: { answer: () => ({}), code: '' },
  },
  {
    name: 'MoMo',
    calls_gateway: true,
    make: (answer) => {
      const fake = fakeFetch(answer);
      const client = new MomoClient({
        partner_code: 'HUEPAY',
        access_key: 'HUEACCESSKEY0001',
        secret_key: 'HUEMOMOSECRETKEY000000000000001',
        ipn_url: 'https://payhub.example.vn/v1/gateways/momo/ipn',
        fetch: fake.fetch,
      });
      return { client, fake };
    },
    created: (raw) => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      return {
        partnerCode: 'HUEPAY',
        orderId: body.orderId,
        requestId: body.requestId,
        amount: body.amount,
        resultCode: 0,
        message: 'Thành công.',
        payUrl: 'https://test-payment.momo.vn/v2/gateway/pay?t=abc',
        deeplink: 'momo://app?action=payWithApp',
      };
    },
    refused: { answer: () => ({ partnerCode: 'HUEPAY', resultCode: 41, message: 'Duplicate' }), code: '41' },
  },
  {
    name: 'ZaloPay',
    calls_gateway: true,
    make: (answer) => {
      const fake = fakeFetch(answer);
      const client = new ZalopayClient({
        app_id: 2553,
        key1: 'ZPTESTKEY1HUEPAYHUB00000000000001',
        key2: 'ZPTESTKEY2HUEPAYHUB00000000000002',
        fetch: fake.fetch,
      });
      return { client, fake };
    },
    created: () => ({
      return_code: 1,
      return_message: 'Giao dịch thành công',
      sub_return_code: 1,
      order_url: 'https://qcgateway.zalopay.vn/openinapp?order=abc',
    }),
    refused: {
      answer: () => ({ return_code: 2, return_message: 'dup', sub_return_code: -68 }),
      code: '2/-68',
    },
  },
  {
    name: 'VietQR',
    calls_gateway: false,
    make: (answer) => {
      const fake = fakeFetch(answer);
      const client = new VietQrClient({
        bin: '970436',
        account: '0011001234567',
        merchant_name: 'HUE PAYHUB',
      });
      return { client, fake };
    },
    created: () => ({}),
    refused: { answer: () => ({}), code: '' },
    // VietQR's bill number (62/01) holds at most 25 characters: a shorter reference than the shared one.
    order: { ...order, merchant_ref: 'pi01JD3K8Y5Z0000000000001', method: 'bank_transfer' },
    action: 'vietqr',
  },
];

const garbage: CallbackRequest[] = [
  { method: 'GET', query: {}, headers: {}, rawBody: '' },
  { method: 'POST', query: {}, headers: {}, rawBody: '' },
  { method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, rawBody: 'not json' },
  { method: 'POST', query: {}, headers: { 'content-type': 'application/json' }, rawBody: '{}' },
  { method: 'POST', query: {}, headers: {}, rawBody: Buffer.from('[1,2,3]') },
  {
    method: 'POST',
    query: {},
    headers: { 'content-type': 'application/json' },
    rawBody: JSON.stringify({ data: '{"app_id":2553}', mac: 'a'.repeat(64), signature: 'b'.repeat(64) }),
  },
  { method: 'GET', query: { vnp_TxnRef: 'x', vnp_SecureHash: 'zz' }, headers: {}, rawBody: '' },
  { method: 'GET', query: { vnp_TxnRef: ['a', 'b'] }, headers: {}, rawBody: '' },
];

for (const subject of subjects) {
  const valid = subject.order ?? order;
  describe(`GatewayAdapter contract: ${subject.name}`, () => {
    it('refuses a non-VND order and an amount below the minimum before any call', async () => {
      const { client, fake } = subject.make(subject.created);
      const usd = await client.createPayment({ ...valid, currency: 'USD' as 'VND' });
      assert.ok(!usd.ok && 'rejection' in usd);
      assert.deepEqual([usd.rejection.code, usd.rejection.param], ['currency_not_supported', 'currency']);
      const low = await client.createPayment({ ...valid, amount: client.capabilities.amount_min - 1n });
      assert.ok(!low.ok && 'rejection' in low);
      assert.deepEqual([low.rejection.code, low.rejection.param], ['amount_below_minimum', 'amount']);
      assert.deepEqual(fake.calls, []);
    });

    if ((subject.action ?? 'redirect') === 'redirect') {
      it('gives a valid order a redirect to an https page', async () => {
        const { client, fake } = subject.make(subject.created);
        const result = await client.createPayment(valid);
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal(result.action.type, 'redirect');
        assert.ok(result.action.type === 'redirect');
        assert.equal(new URL(result.action.url).protocol, 'https:');
        assert.equal(fake.calls.length, subject.calls_gateway ? 1 : 0);
      });
    } else {
      it("gives a valid order a VietQR payload with the order's amount and bill number", async () => {
        const { client, fake } = subject.make(subject.created);
        const result = await client.createPayment(valid);
        assert.ok(result.ok, JSON.stringify(result));
        assert.ok(result.action.type === 'vietqr', result.action.type);
        const parsed = parseVietQr(result.action.payload);
        assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.reason}: ${parsed.detail}`);
        assert.equal(parsed.value.amount, valid.amount);
        assert.equal(parsed.value.bill_number, valid.merchant_ref);
        assert.equal(parsed.value.point_of_initiation, 'dynamic');
        assert.deepEqual(fake.calls, []);
      });
    }

    it('rejects an empty or garbage callback with a typed reason', () => {
      const { client } = subject.make(subject.created);
      for (const request of garbage) {
        const result = client.parseCallback(request);
        assert.ok(!result.ok, JSON.stringify(request));
        assert.ok(
          result.rejection.reason === 'malformed' || result.rejection.reason === 'bad_signature',
          `${JSON.stringify(request)}: ${result.rejection.reason}`,
        );
        assert.equal(typeof result.rejection.detail, 'string');
      }
    });

    it('acknowledges a recorded callback with a 2xx status', () => {
      const { client } = subject.make(subject.created);
      const reply = client.callbackReply('recorded');
      assert.ok(reply.status >= 200 && reply.status < 300, String(reply.status));
    });

    if (subject.calls_gateway) {
      it('returns the gateway refusal as declined data with its own code', async () => {
        const { client } = subject.make(subject.refused.answer);
        const result = await client.createPayment(valid);
        assert.ok(!result.ok && 'declined' in result, JSON.stringify(result));
        assert.equal(result.declined.code, subject.refused.code);
        assert.equal(result.declined.retryable, false);
      });

      it('returns an unusable answer as declined gateway_answer_invalid, retryable', async () => {
        for (const answer of ['<html>', { resultCode: 'x', return_code: 'x' }, {}]) {
          const { client } = subject.make(() => answer);
          const result = await client.createPayment(valid);
          assert.ok(!result.ok && 'declined' in result, JSON.stringify(answer));
          assert.equal(result.declined.code, 'gateway_answer_invalid');
          assert.equal(result.declined.retryable, true);
        }
      });

      it('returns a gateway it could not reach as declined gateway_unreachable, retryable', async () => {
        const { client } = subject.make(() => new TypeError('fetch failed'));
        const result = await client.createPayment(valid);
        assert.ok(!result.ok && 'declined' in result);
        assert.deepEqual([result.declined.code, result.declined.retryable], ['gateway_unreachable', true]);
      });
    }
  });
}
