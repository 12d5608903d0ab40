// Every MoMo known answer in ../shared/gateways/vectors.json, reproduced by the adapter's own code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MomoClient } from './momo.client';
import { CREATE_FIELDS, IPN_FIELDS, hmacSha256Hex, rawString, sign } from './momo.signature';
import { loadMomoVectors } from './momo.vectors';

const vectors = loadMomoVectors();
const { keys } = vectors;

function clientFor(ipn_url = 'https://hub.example.vn/v1/gateways/momo/ipn'): MomoClient {
  return new MomoClient({
    partner_code: keys.partnerCode,
    access_key: keys.accessKey,
    secret_key: keys.secretKey,
    ipn_url,
  });
}

describe('MoMo vectors', () => {
  it('create: the documented raw string signs to the documented signature', () => {
    assert.equal(hmacSha256Hex(keys.secretKey, vectors.create.raw), vectors.create.signature);
  });

  it('create: payments.build turns an order into that raw string and signature', () => {
    const built = clientFor().payments.build({
      merchant_ref: 'MM1540456472575',
      amount: 50_000n,
      currency: 'VND',
      description: 'Thanh toán lệ phí hồ sơ HS123456',
      method: 'wallet',
      return_url: 'https://hub.example.vn/pay/return',
      payer_ip: '203.113.0.10',
      locale: 'vi',
      created_at: new Date('2026-11-22T02:40:00Z'),
    });
    assert.ok(built.ok);
    assert.equal(rawString(CREATE_FIELDS, { ...built.body, accessKey: keys.accessKey }), vectors.create.raw);
    assert.equal(built.body.signature, vectors.create.signature);
    assert.equal(built.body.requestType, 'captureWallet');
    assert.equal(built.body.amount, 50_000n);
  });

  it('ipn_paid: rebuilds the raw string and signature from the body', () => {
    const v = vectors.ipn_paid;
    assert.equal(rawString(IPN_FIELDS, { ...v.body, accessKey: keys.accessKey }), v.raw);
    assert.equal(sign(IPN_FIELDS, { ...v.body, accessKey: keys.accessKey }, keys.secretKey), v.signature);
  });

  it('ipn_paid: webhooks.verify turns the body into a succeeded event', () => {
    const v = vectors.ipn_paid;
    const result = clientFor().webhooks.verify(JSON.stringify({ ...v.body, signature: v.signature }));
    assert.ok(result.ok, result.ok ? '' : result.rejection.detail);
    assert.equal(result.event.gateway, 'momo');
    assert.equal(result.event.status, 'succeeded');
    assert.equal(result.event.amount, BigInt(v.body.amount as number));
    assert.equal(result.event.merchant_ref, v.body.orderId);
    assert.equal(result.event.gateway_txn_id, String(v.body.transId));
    assert.equal(result.event.gateway_code, '0');
    assert.equal(result.event.paid_at?.getTime(), v.body.responseTime);
  });
});
