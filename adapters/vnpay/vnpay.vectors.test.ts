// Every VNPay known answer in ../shared/gateways/vectors.json, reproduced by the adapter's own code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VnpayClient } from './vnpay.client';
import {
  canonicalQuery,
  hmacSha512Hex,
  pipeJoin,
  QUERYDR_REQUEST_FIELDS,
  signQuery,
} from './vnpay.signature';
import { loadVnpayVectors } from './vnpay.vectors';

const vectors = loadVnpayVectors();

describe('VNPay vectors', () => {
  it('pay_url_canonical: rebuilds the canonical query and its hash from the parameters', () => {
    const v = vectors.pay_url_canonical;
    assert.equal(canonicalQuery(v.params), v.canonical);
    assert.equal(signQuery(v.params, v.hash_secret), v.vnp_SecureHash);
  });

  it('pay_url_canonical: the client signs the same parameters into the same URL', () => {
    const v = vectors.pay_url_canonical;
    const client = new VnpayClient({ tmn_code: v.params.vnp_TmnCode!, hash_secret: v.hash_secret });
    assert.equal(
      client.signedPayUrl(v.params),
      `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?${v.canonical}&vnp_SecureHash=${v.vnp_SecureHash}`,
    );
  });

  it('pay_url_canonical: payments.create builds the documented parameters from an order', () => {
    const v = vectors.pay_url_canonical;
    const client = new VnpayClient({ tmn_code: v.params.vnp_TmnCode!, hash_secret: v.hash_secret });
    const built = client.buildPayParams({
      merchant_ref: '5',
      amount: 18_060n,
      currency: 'VND',
      description: 'Thanh toán đơn hàng :5',
      method: 'gateway_choice',
      return_url: 'https://domainmerchant.vn/ReturnUrl',
      payer_ip: '127.0.0.1',
      locale: 'vi',
      created_at: new Date('2021-08-01T08:33:33Z'),
    });
    assert.ok(built.ok);
    const { vnp_ExpireDate, ...documented } = built.params;
    assert.deepEqual(documented, v.params);
    assert.equal(vnp_ExpireDate, '20210801154833');
  });

  it('ipn_paid: rebuilds the canonical string and verifies into a succeeded event', () => {
    const v = vectors.ipn_paid;
    assert.equal(canonicalQuery(v.query), v.canonical);
    assert.equal(signQuery(v.query, v.hash_secret), v.vnp_SecureHash);
    const client = new VnpayClient({ tmn_code: v.query.vnp_TmnCode!, hash_secret: v.hash_secret });
    const result = client.webhooks.verify({ query: { ...v.query, vnp_SecureHash: v.vnp_SecureHash } });
    assert.ok(result.ok, result.ok ? '' : result.rejection.detail);
    assert.equal(result.event.amount, BigInt(v.amount_vnd));
    assert.equal(result.event.status, 'succeeded');
    assert.equal(result.event.merchant_ref, v.query.vnp_TxnRef);
    assert.equal(result.event.gateway_txn_id, v.query.vnp_TransactionNo);
    assert.equal(result.event.paid_at?.toISOString(), '2026-11-22T02:45:12.000Z');
  });

  it('querydr: signs the documented pipe string, field order included', () => {
    const v = vectors.querydr;
    const parts = v.signed.split('|');
    assert.equal(hmacSha512Hex(v.hash_secret, v.signed), v.vnp_SecureHash);
    const client = new VnpayClient({ tmn_code: parts[3]!, hash_secret: v.hash_secret });
    const body = client.transactions.build(
      {
        request_id: parts[0]!,
        merchant_ref: parts[4]!,
        payment_created_at: new Date('2026-11-22T02:40:00Z'),
        requested_at: new Date('2026-11-22T03:00:00Z'),
        requester_ip: parts[7]!,
      },
      parts[8],
    );
    assert.equal(pipeJoin(QUERYDR_REQUEST_FIELDS.map((f) => body[f])), v.signed);
    assert.equal(body.vnp_SecureHash, v.vnp_SecureHash);
  });
});
