// Every ZaloPay known answer in ../shared/gateways/vectors.json, reproduced by the adapter's own code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZalopayClient } from './zalopay.client';
import { createMac, createMacInput } from './zalopay.signature';
import { loadZalopayVectors } from './zalopay.vectors';

const vectors = loadZalopayVectors();

describe('ZaloPay vectors', () => {
  it('create: rebuilds the signed string and its key1 mac from the fields', () => {
    const v = vectors.create;
    assert.equal(createMacInput(v.fields), v.signed);
    assert.equal(createMac(v.fields, vectors.keys.key1), v.mac);
  });

  it('create: the client signs the same fields into the same mac, and not with key2', () => {
    const v = vectors.create;
    const client = new ZalopayClient(vectors.keys);
    assert.equal(client.signCreate(v.fields), v.mac);
    assert.notEqual(createMac(v.fields, vectors.keys.key2), v.mac);
  });

  it('create: payments.build puts the documented fields on the wire from an order', () => {
    const v = vectors.create;
    const client = new ZalopayClient({ ...vectors.keys, app_user: v.fields.app_user });
    // The vector's app_time is 2025-11-22T02:45:12Z while its prefix says 2026-11-22; the adapter takes
    // the prefix from the order's creation day, so the order is dated 2026-11-22 and app_time is
    // compared on its own (reported to the vectors' owner).
    const createdAt = new Date('2026-11-22T02:45:12Z');
    const built = client.payments.build({
      merchant_ref: v.fields.app_trans_id.slice(7),
      amount: BigInt(v.fields.amount),
      currency: 'VND',
      description: 'Le phi ho so',
      method: 'gateway_choice',
      return_url: 'https://hub.example.vn/pay/return',
      payer_ip: '127.0.0.1',
      locale: 'vi',
      created_at: createdAt,
    });
    assert.ok(built.ok);
    const { body } = built;
    assert.equal(body.app_id, String(v.fields.app_id));
    assert.equal(body.app_trans_id, v.fields.app_trans_id);
    assert.equal(body.app_user, v.fields.app_user);
    assert.equal(body.amount, String(v.fields.amount));
    assert.equal(body.embed_data, v.fields.embed_data);
    assert.equal(body.item, v.fields.item);
    assert.equal(body.app_time, String(createdAt.getTime()));
    assert.equal(body.mac, createMac({ ...v.fields, app_time: body.app_time }, vectors.keys.key1));
    assert.equal(client.signCreate({ ...body }), body.mac);
  });
});
