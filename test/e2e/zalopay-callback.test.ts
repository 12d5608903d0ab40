// ZaloPay's callback over real HTTP: the hub's in-process ZaloPay simulator POSTs {data, mac, type} to
// the hub, and callbacks are also signed here with the simulator's key2 to probe every answer. ZaloPay's
// own reply, always HTTP 200 JSON: return_code 1 recorded or already confirmed, -1 bad mac or a body that
// is not a JSON object sent as JSON (never the hub's error body), 0 unknown order or wrong amount.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { vietnamDatePrefix } from '../../adapters/zalopay/zalopay.client';
import { hmacSha256Hex } from '../../adapters/zalopay/zalopay.signature';
import type { ZalopaySimulator } from '../../adapters/zalopay/zalopay.simulator';
import { call, documentedOperation } from './support/api';
import { type Intent, PaymentsHarness } from './support/gateway-payments';

const CALLBACK_PATH = '/v1/gateways/zalopay/callback';

interface Answer {
  status: number;
  type: string | null;
  body: { return_code: number; return_message: string };
}

describe('ZaloPay callback', () => {
  let t: PaymentsHarness;
  let zp_trans_id = 260_100_000_000_000;

  const sim = (): ZalopaySimulator => t.sims.zalopay!;
  const intent = async (amount: number): Promise<Intent> =>
    t.intent('fee', await t.bill('fee', amount), 'zalopay');

  /** The `data` text as ZaloPay writes it (JSON numbers for the integers). */
  const data = (fields: { ref: string; amount: number; zp_trans_id?: number }): string => {
    const now = Date.now();
    return JSON.stringify({
      app_id: sim().clientConfig().app_id,
      app_trans_id: `${vietnamDatePrefix(new Date(now))}_${fields.ref}`,
      app_time: now - 60_000,
      app_user: 'payhub',
      amount: fields.amount,
      embed_data: '{}',
      item: '[]',
      zp_trans_id: fields.zp_trans_id ?? ++zp_trans_id,
      server_time: now,
      channel: 38,
      merchant_user_id: '',
      user_fee_amount: 0,
      discount_amount: 0,
    });
  };
  /** A callback body: `data` and its mac with key2 (or with `key`). */
  const signed = (text: string, key?: string): string =>
    JSON.stringify({ data: text, mac: hmacSha256Hex(key ?? sim().clientConfig().key2, text), type: 1 });
  const post = async (
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<Answer> => {
    const response = await fetch(`${t.hub.url}${CALLBACK_PATH}`, { method: 'POST', headers, body });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: JSON.parse(text) as Answer['body'],
    };
  };
  const code = async (body: string, headers?: Record<string, string>) => {
    const answer = await post(body, headers);
    assert.equal(answer.status, 200);
    assert.match(answer.type ?? '', /^application\/json/);
    return answer.body;
  };
  const gatewayTxn = async (intent_id: string): Promise<number> =>
    Number(
      (
        await t.db.pool.query<{ t: string }>(
          'SELECT gateway_txn_id AS t FROM payment_intents WHERE id = $1',
          [intent_id],
        )
      ).rows[0]!.t,
    );

  before(async () => {
    t = await PaymentsHarness.start();
  });
  after(() => t?.close());

  it('is in the OpenAPI document as an unauthenticated POST', async () => {
    const operation = await documentedOperation(t.hub, CALLBACK_PATH, 'post');
    assert.ok(operation, 'POST /v1/gateways/zalopay/callback is documented');
    assert.equal(operation.security, undefined);
    assert.ok(operation.responses['200']);
  });

  it('pays the bill when the simulator approves; return_code 1 to ZaloPay', async () => {
    const created = await intent(150_000);
    sim().approve(created.reference);
    await t.until(async () => (await t.read('fee', created.id)).status === 'succeeded', 'the callback');
    await t.assertPaid('fee', created, 'zalopay', 150_000);
    await sim().callbacks.idle();
    const deliveries = sim().callbacks.log.filter((entry) => entry.ref === created.reference);
    assert.deepEqual(
      deliveries.map(({ status, body, acknowledged }) => ({
        status,
        body: JSON.parse(body) as unknown,
        acknowledged,
      })),
      [{ status: 200, body: { return_code: 1, return_message: 'success' }, acknowledged: true }],
    );
  });

  it('answers a replayed callback "already confirmed" and changes nothing', async () => {
    const created = await intent(95_000);
    sim().callbacks.faults = { duplicate: 1 };
    try {
      sim().approve(created.reference);
      await sim().callbacks.idle();
    } finally {
      sim().callbacks.faults = {};
    }
    const deliveries = sim().callbacks.log.filter((entry) => entry.ref === created.reference);
    assert.deepEqual(
      deliveries.map(({ body, duplicate }) => ({ body: JSON.parse(body) as unknown, duplicate })),
      [
        { body: { return_code: 1, return_message: 'success' }, duplicate: false },
        { body: { return_code: 1, return_message: 'already confirmed' }, duplicate: true },
      ],
    );
    await t.assertPaid('fee', created, 'zalopay', 95_000);
    const again = signed(
      data({ ref: created.reference, amount: 95_000, zp_trans_id: await gatewayTxn(created.id) }),
    );
    assert.deepEqual(await code(again), { return_code: 1, return_message: 'already confirmed' });
    await t.assertPaid('fee', created, 'zalopay', 95_000);
  });

  it('refuses a forged mac with -1 and changes nothing', async () => {
    const created = await intent(120_000);
    const forged = signed(data({ ref: created.reference, amount: 120_000 }), randomBytes(16).toString('hex'));
    assert.deepEqual(await code(forged), { return_code: -1, return_message: 'mac not equal' });
    await t.assertUntouched('fee', created);
    assert.equal(await t.count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });

  it('refuses a tampered amount (a well-formed but wrong mac) and changes nothing', async () => {
    const created = await intent(120_000);
    const original = data({ ref: created.reference, amount: 1_000 });
    const body = JSON.parse(signed(original)) as { data: string; mac: string; type: number };
    const tampered = JSON.stringify({
      ...body,
      data: original.replace('"amount":1000,', '"amount":120000,'),
    });
    assert.notEqual(JSON.parse(tampered).data, original);
    assert.deepEqual(await code(tampered), { return_code: -1, return_message: 'mac not equal' });
    await t.assertUntouched('fee', created);
    assert.equal(await t.count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });

  it('keeps a correctly signed callback with another amount for review, without paying (0)', async () => {
    const created = await intent(200_000);
    assert.deepEqual(await code(signed(data({ ref: created.reference, amount: 20_000 }))), {
      return_code: 0,
      return_message: 'amount mismatch',
    });
    await t.assertUntouched('fee', created);
    const reviews = await call<{ data: Array<{ reason: string; reference: string; amount: number }> }>(
      t.hub,
      'GET',
      '/v1/payment_reviews',
    );
    assert.equal(reviews.status, 200, reviews.text);
    assert.deepEqual(
      reviews.body.data
        .filter((row) => row.reference === created.reference)
        .map(({ reason, amount }) => ({ reason, amount })),
      [{ reason: 'amount_mismatch', amount: 20_000 }],
    );
    await t.ledgerOk();
  });

  it('answers 0 to an order the hub does not know, touching nothing', async () => {
    const before_ = await t.count('ledger_transfers');
    assert.deepEqual(await code(signed(data({ ref: 'PZUNKNOWN0000000000', amount: 50_000 }))), {
      return_code: 0,
      return_message: 'order not found',
    });
    assert.equal(await t.count('ledger_transfers'), before_);
  });

  it('leaves a declined payment waiting: ZaloPay calls back for successes only', async () => {
    const created = await intent(80_000);
    sim().decline(created.reference);
    await sim().callbacks.idle();
    assert.deepEqual(
      sim().callbacks.log.filter((entry) => entry.ref === created.reference),
      [],
    );
    await t.assertUntouched('fee', created);
  });

  it('answers -1 (no hub error body) to a body that is not JSON or not sent as JSON', async () => {
    const created = await intent(60_000);
    const valid = signed(data({ ref: created.reference, amount: 60_000 }));
    const malformed = { return_code: -1, return_message: 'malformed callback' };
    const cases: Array<[string, Record<string, string>]> = [
      ['{"data":', { 'content-type': 'application/json' }],
      ['"text"', { 'content-type': 'application/json' }],
      ['', { 'content-type': 'application/json' }],
      [JSON.stringify({ mac: 'ab' }), { 'content-type': 'application/json; charset=utf-8' }],
      [valid, { 'content-type': 'text/plain' }],
      [valid, { 'content-type': 'application/x-www-form-urlencoded' }],
      [valid, {}],
    ];
    for (const [body, headers] of cases) {
      assert.deepEqual(
        await code(body, headers),
        malformed,
        `${headers['content-type'] ?? 'no content type'}: ${body.slice(0, 20)}`,
      );
    }
    await t.assertUntouched('fee', created);
    assert.deepEqual(await code(valid), { return_code: 1, return_message: 'success' });
    await t.assertPaid('fee', created, 'zalopay', 60_000);
  });
});
