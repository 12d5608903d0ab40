// MoMo's IPN over real HTTP: the hub's in-process MoMo simulator POSTs its signed JSON to the hub, and
// IPNs are also signed here with the simulator's keys to probe every answer. MoMo's own replies: 204
// for what the hub settled (paid, already confirmed, unknown order, wrong amount kept for review), 400
// without a body for a bad signature or a body that is not a JSON object sent as JSON, never the hub's
// JSON error body. Fifty concurrent copies of one success post once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toWireJson } from '../../adapters/momo/momo.client';
import type { MomoSimulator } from '../../adapters/momo/momo.simulator';
import { IPN_FIELDS, sign } from '../../adapters/momo/momo.signature';
import { call, documentedOperation } from './support/api';
import { type Intent, PaymentsHarness } from './support/gateway-payments';

const IPN_PATH = '/v1/gateways/momo/ipn';

describe('MoMo IPN', () => {
  let t: PaymentsHarness;
  let trans_id = 7_000_000_000;

  const sim = (): MomoSimulator => t.sims.momo!;
  const intent = async (amount: number): Promise<Intent> =>
    t.intent('fee', await t.bill('fee', amount), 'momo');

  /** An IPN body exactly as MoMo sends it (JSON numbers for the integers), signed with `secret`. */
  const signedIpn = (
    fields: { ref: string; amount: bigint; trans_id?: bigint; result_code?: number },
    secret?: string,
  ): string => {
    const keys = sim().clientConfig(`${t.hub.url}${IPN_PATH}`);
    const body = {
      partnerCode: keys.partner_code,
      orderId: fields.ref,
      requestId: fields.ref,
      amount: fields.amount,
      orderInfo: 'Thanh toan',
      orderType: 'momo_wallet',
      transId: fields.trans_id ?? BigInt(++trans_id),
      resultCode: fields.result_code ?? 0,
      message: fields.result_code ? 'Giao dịch bị từ chối bởi người dùng.' : 'Thành công.',
      payType: 'qr',
      responseTime: Date.now(),
      extraData: '',
    };
    const signature = sign(IPN_FIELDS, { ...body, accessKey: keys.access_key }, secret ?? keys.secret_key);
    return toWireJson({ ...body, signature });
  };
  const post = async (
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' },
  ): Promise<{ status: number; text: string; headers: Headers }> => {
    const response = await fetch(`${t.hub.url}${IPN_PATH}`, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
  const gatewayTxn = async (intent_id: string): Promise<string> =>
    (
      await t.db.pool.query<{ t: string }>('SELECT gateway_txn_id AS t FROM payment_intents WHERE id = $1', [
        intent_id,
      ])
    ).rows[0]!.t;

  before(async () => {
    t = await PaymentsHarness.start();
  });
  after(() => t?.close());

  it('is in the OpenAPI document as an unauthenticated POST with MoMo’s codes', async () => {
    const operation = await documentedOperation(t.hub, IPN_PATH, 'post');
    assert.ok(operation, 'POST /v1/gateways/momo/ipn is documented');
    assert.equal(operation.security, undefined);
    assert.ok(operation.responses['204'] && operation.responses['400'] && operation.responses['500']);
  });

  it('pays the bill when the simulator approves: intent, bill, ledger, receipt, events; 204 to MoMo', async () => {
    const created = await intent(150_000);
    sim().approve(created.reference);
    await t.until(async () => (await t.read('fee', created.id)).status === 'succeeded', 'the IPN');
    await t.assertPaid('fee', created, 'momo', 150_000);
    await sim().callbacks.idle();
    const deliveries = sim().callbacks.log.filter((entry) => entry.ref === created.reference);
    assert.deepEqual(
      deliveries.map(({ status, body, acknowledged }) => ({ status, body, acknowledged })),
      [{ status: 204, body: '', acknowledged: true }],
    );
  });

  it('answers a redelivered IPN as settled (204) and changes nothing', async () => {
    const created = await intent(95_000);
    sim().callbacks.faults = { duplicate: 2 };
    try {
      sim().approve(created.reference);
      await sim().callbacks.idle();
    } finally {
      sim().callbacks.faults = {};
    }
    const deliveries = sim().callbacks.log.filter((entry) => entry.ref === created.reference);
    assert.deepEqual(
      deliveries.map(({ status, duplicate }) => ({ status, duplicate })),
      [
        { status: 204, duplicate: false },
        { status: 204, duplicate: true },
        { status: 204, duplicate: true },
      ],
    );
    await t.assertPaid('fee', created, 'momo', 95_000);
    // The same IPN signed here again: MoMo's "already confirmed" is its 204; nothing is posted twice.
    const again = signedIpn({
      ref: created.reference,
      amount: 95_000n,
      trans_id: BigInt(await gatewayTxn(created.id)),
    });
    assert.deepEqual((await post(again)).status, 204);
    await t.assertPaid('fee', created, 'momo', 95_000);
  });

  it('refuses a forged signature with 400 and no body, and changes nothing', async () => {
    const created = await intent(120_000);
    const forged = signedIpn({ ref: created.reference, amount: 120_000n }, randomBytes(16).toString('hex'));
    const answer = await post(forged);
    assert.deepEqual({ status: answer.status, text: answer.text }, { status: 400, text: '' });
    await t.assertUntouched('fee', created);
    assert.equal(await t.count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });

  it('refuses a tampered amount (a well-formed but wrong signature) and changes nothing', async () => {
    const created = await intent(120_000);
    const signed = signedIpn({ ref: created.reference, amount: 1_000n });
    // The amount raised to the intent's, the signature left as it was (64 hex digits, not the right ones).
    const tampered = signed.replace('"amount":1000,', '"amount":120000,');
    assert.notEqual(tampered, signed);
    const answer = await post(tampered);
    assert.deepEqual({ status: answer.status, text: answer.text }, { status: 400, text: '' });
    await t.assertUntouched('fee', created);
    assert.equal(await t.count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });

  it('keeps a correctly signed IPN with another amount for review, without paying (204)', async () => {
    const created = await intent(200_000);
    const answer = await post(signedIpn({ ref: created.reference, amount: 20_000n }));
    assert.equal(answer.status, 204);
    await t.assertUntouched('fee', created);
    const reviews = await call<{ data: Array<{ reason: string; reference: string; amount: number }> }>(
      t.hub,
      'GET',
      '/v1/payment_reviews',
    );
    assert.equal(reviews.status, 200, reviews.text);
    const review = reviews.body.data.filter((row) => row.reference === created.reference);
    assert.deepEqual(
      review.map(({ reason, amount }) => ({ reason, amount })),
      [{ reason: 'amount_mismatch', amount: 20_000 }],
    );
    await t.ledgerOk();
  });

  it('settles an IPN for an order the hub does not know (204) without touching anything', async () => {
    const before_ = await t.count('ledger_transfers');
    const answer = await post(signedIpn({ ref: 'PZUNKNOWN0000000000', amount: 50_000n }));
    assert.equal(answer.status, 204);
    assert.equal(await t.count('ledger_transfers'), before_);
    assert.equal(await t.count(`payment_intents WHERE reference = 'PZUNKNOWN0000000000'`), 0);
  });

  it('marks the intent failed when the payer declines (payment_intent.failed, nothing posted)', async () => {
    const created = await intent(80_000);
    sim().decline(created.reference);
    await t.until(async () => (await t.read('fee', created.id)).status === 'failed', 'the failed IPN');
    assert.equal(await t.events('payment_intent.failed', created.id), 1);
    assert.equal(await t.events('payment_intent.succeeded', created.id), 0);
    assert.deepEqual(await t.transfers(created.id), []);
    assert.equal(await t.billStatus('fee', created.bill), 'open');
    await sim().callbacks.idle();
    assert.deepEqual(
      sim()
        .callbacks.log.filter((entry) => entry.ref === created.reference)
        .map((entry) => entry.status),
      [204],
    );
  });

  it('answers MoMo’s 400 (no hub error body) to a body that is not JSON or not sent as JSON', async () => {
    const created = await intent(60_000);
    const valid = signedIpn({ ref: created.reference, amount: 60_000n });
    const cases: Array<[string, Record<string, string>]> = [
      ['{"partnerCode":', { 'content-type': 'application/json' }],
      ['[]', { 'content-type': 'application/json' }],
      ['', { 'content-type': 'application/json' }],
      // A correctly signed IPN is still refused when it does not come as JSON.
      [valid, { 'content-type': 'text/plain' }],
      [valid, { 'content-type': 'application/x-www-form-urlencoded' }],
      [valid, { 'content-type': 'application/xml' }],
      [valid, {}],
    ];
    for (const [body, headers] of cases) {
      const answer = await post(body, headers);
      assert.deepEqual(
        { status: answer.status, text: answer.text },
        { status: 400, text: '' },
        `${headers['content-type'] ?? 'no content type'}: ${body.slice(0, 20)}`,
      );
    }
    await t.assertUntouched('fee', created);
    // The same bytes as JSON are accepted.
    assert.equal((await post(valid)).status, 204);
    await t.assertPaid('fee', created, 'momo', 60_000);
  });

  it('needs no authentication and ignores an Idempotency-Key (even a malformed one)', async () => {
    const created = await intent(45_000);
    const keys = await t.count('idempotency_keys');
    const body = signedIpn({ ref: created.reference, amount: 45_000n });
    const first = await post(body, {
      'content-type': 'application/json',
      'idempotency-key': 'k'.repeat(300),
      authorization: 'Bearer not-a-key',
    });
    assert.equal(first.status, 204);
    const second = await post(body, { 'content-type': 'application/json', 'idempotency-key': 'same-key' });
    const third = await post(body, { 'content-type': 'application/json', 'idempotency-key': 'same-key' });
    assert.deepEqual([second.status, third.status], [204, 204]);
    assert.equal(third.headers.get('idempotent-replayed'), null);
    assert.equal(await t.count('idempotency_keys'), keys);
    await t.assertPaid('fee', created, 'momo', 45_000);
  });

  it('posts once for fifty concurrent copies of one signed success', async () => {
    const created = await intent(175_000);
    const body = signedIpn({ ref: created.reference, amount: 175_000n });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(body)));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array<number>(50).fill(204),
    );
    await t.assertPaid('fee', created, 'momo', 175_000);
    assert.deepEqual(
      (await t.transfers(created.id)).map((row) => row.id).filter((id) => id === `pay:${created.id}`),
      [`pay:${created.id}`],
    );
    assert.equal(await t.count('payment_reviews WHERE reference = $1', [created.reference]), 0);
  });
});
