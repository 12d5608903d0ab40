// Bank-transfer notifications: the signature over the raw bytes, each field rule with its rejection
// reason, the statement answer, and VietQrClient's parseCallback and notifications.verify over them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdapterError, type CallbackRequest } from '../contract';
import { VietQrClient } from './vietqr.client';
import {
  parseIsoWithOffset,
  signBankNotification,
  verifyBankNotification,
  verifyBankStatement,
} from './vietqr.notification';

const SECRET = 'bank-notify-secret-0123456789';
const ACCOUNT = '0011001234567';
const expected = { account_no: ACCOUNT };

const fields = {
  account_no: ACCOUNT,
  amount: 150000,
  description: 'MBVCB.1234.PZ7K3M9Q2XABCD.CT tu 0123 NGUYEN VAN A',
  bank_ref: 'FT26326000123',
  transferred_at: '2026-11-22T09:40:05+07:00',
};

function signed(body: unknown, secret = SECRET): CallbackRequest {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method: 'POST',
    query: {},
    headers: { 'content-type': 'application/json', 'x-signature': signBankNotification(rawBody, secret) },
    rawBody,
  };
}

/** An assertion message that survives bigints: the rejection, when there is one. */
function show(result: { ok: boolean; rejection?: { reason: string; detail: string } }): string {
  return result.rejection ? `${result.rejection.reason}: ${result.rejection.detail}` : 'ok';
}

function reasonOf(request: CallbackRequest): string {
  const result = verifyBankNotification(request, SECRET, expected);
  assert.ok(!result.ok, JSON.stringify(request.rawBody));
  assert.ok(!result.rejection.detail.includes(SECRET));
  assert.ok(!result.rejection.detail.includes(String(request.headers['x-signature'])));
  return result.rejection.reason;
}

describe('VietQR bank notification verification', () => {
  it('accepts a signed notification and normalizes it (bigint amount, Date)', () => {
    const result = verifyBankNotification(signed(fields), SECRET, expected);
    assert.ok(result.ok, show(result));
    assert.deepEqual(result.notification, {
      account_no: ACCOUNT,
      amount: 150_000n,
      description: fields.description,
      bank_ref: 'FT26326000123',
      transferred_at: new Date('2026-11-22T02:40:05Z'),
    });
    assert.deepEqual(result.raw, { ...fields, amount: '150000' });
  });

  it('accepts the amount as a digit string, beyond 2^53 too, and an upper-case signature', () => {
    const request = signed({ ...fields, amount: '9007199254740993' });
    const upper = {
      ...request,
      headers: { 'X-Signature': String(request.headers['x-signature']).toUpperCase() },
    };
    const result = verifyBankNotification(upper, SECRET, expected);
    assert.ok(result.ok, show(result));
    assert.equal(result.notification.amount, 9_007_199_254_740_993n);
  });

  it('verifies the raw bytes: a re-serialized or altered body fails, a Buffer body passes', () => {
    const request = signed(fields);
    const reformatted = JSON.stringify(JSON.parse(String(request.rawBody)), null, 2);
    assert.equal(reasonOf({ ...request, rawBody: reformatted }), 'bad_signature');
    const altered = String(request.rawBody).replace('150000', '150001');
    assert.equal(reasonOf({ ...request, rawBody: altered }), 'bad_signature');
    const buffer = verifyBankNotification(
      { ...request, rawBody: Buffer.from(String(request.rawBody)) },
      SECRET,
      expected,
    );
    assert.ok(buffer.ok);
  });

  it('refuses a missing, repeated, short or foreign signature as bad_signature', () => {
    const request = signed(fields);
    const signature = String(request.headers['x-signature']);
    assert.equal(reasonOf({ ...request, headers: {} }), 'bad_signature');
    assert.equal(
      reasonOf({ ...request, headers: { 'x-signature': [signature, signature] } }),
      'bad_signature',
    );
    assert.equal(
      reasonOf({ ...request, headers: { 'x-signature': signature.slice(0, 63) } }),
      'bad_signature',
    );
    assert.equal(reasonOf({ ...request, headers: { 'x-signature': 'z'.repeat(64) } }), 'bad_signature');
    assert.equal(reasonOf(signed(fields, 'another-secret')), 'bad_signature');
  });

  it('refuses a signed body that breaks a field rule as malformed', () => {
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      'null',
      { ...fields, account_no: 11001234567 },
      { ...fields, account_no: '0011-001' },
      { ...fields, amount: 0 },
      { ...fields, amount: -1 },
      { ...fields, amount: 1.5 },
      { ...fields, amount: 2 ** 53 },
      { ...fields, amount: '0150000' },
      { ...fields, amount: '150000.00' },
      { ...fields, amount: '1e5' },
      { ...fields, amount: null },
      { ...fields, description: undefined },
      { ...fields, description: 'x'.repeat(1001) },
      { ...fields, bank_ref: '' },
      { ...fields, bank_ref: 'FT 1' },
      { ...fields, transferred_at: '2026-11-22T09:40:05' },
      { ...fields, transferred_at: '2026-02-30T09:40:05+07:00' },
      { ...fields, transferred_at: '2026-11-22 09:40:05+07:00' },
      { ...fields, transferred_at: 1795316405000 },
    ];
    for (const body of bad) assert.equal(reasonOf(signed(body)), 'malformed', JSON.stringify(body));
    const latin1 = Buffer.from('{"description":"\xe9"}', 'latin1');
    const request = {
      ...signed(''),
      rawBody: latin1,
      headers: { 'x-signature': signBankNotification(latin1, SECRET) },
    };
    assert.equal(reasonOf(request), 'malformed');
  });

  it('accepts an empty description (the matcher will find no reference) and ignores extra fields', () => {
    const result = verifyBankNotification(
      signed({ ...fields, description: '', channel: 'NAPAS' }),
      SECRET,
      expected,
    );
    assert.ok(result.ok);
    assert.equal(result.notification.description, '');
    assert.deepEqual(Object.keys(result.raw).sort(), [
      'account_no',
      'amount',
      'bank_ref',
      'description',
      'transferred_at',
    ]);
  });

  it('refuses a well-formed transfer to another account as wrong_merchant', () => {
    assert.equal(reasonOf(signed({ ...fields, account_no: '9999999999' })), 'wrong_merchant');
  });

  it('throws vietqr_config_invalid when asked to verify without a secret', () => {
    assert.throws(
      () => verifyBankNotification(signed(fields), '', expected),
      (error) =>
        error instanceof AdapterError &&
        error.code === 'vietqr_config_invalid' &&
        error.param === 'notify_secret',
    );
  });

  it('reads ISO 8601 times with an offset only, to the instant', () => {
    assert.equal(parseIsoWithOffset('2026-11-22T09:40:05+07:00')?.toISOString(), '2026-11-22T02:40:05.000Z');
    assert.equal(parseIsoWithOffset('2026-11-22T02:40:05.250Z')?.toISOString(), '2026-11-22T02:40:05.250Z');
    assert.equal(parseIsoWithOffset('2026-11-21T21:40:05-05:00')?.toISOString(), '2026-11-22T02:40:05.000Z');
    for (const bad of [
      '2026-11-22T09:40:05',
      '2026-11-22T24:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-22T09:40:05+15:00',
    ]) {
      assert.equal(parseIsoWithOffset(bad), null, bad);
    }
  });
});

describe('VietQR bank statement verification', () => {
  const statement = {
    account_no: ACCOUNT,
    from: 'x',
    to: 'y',
    transactions: [fields, { ...fields, bank_ref: 'FT2', amount: '5' }],
  };

  it('accepts a signed statement and normalizes every transaction', () => {
    const result = verifyBankStatement(signed(statement), SECRET, expected);
    assert.ok(result.ok, show(result));
    assert.deepEqual(
      result.transactions.map((t) => [t.bank_ref, t.amount]),
      [
        ['FT26326000123', 150_000n],
        ['FT2', 5n],
      ],
    );
  });

  it('refuses the whole statement for one bad transaction, another account or a bad signature', () => {
    const one = verifyBankStatement(
      signed({ ...statement, transactions: [fields, { ...fields, amount: 0 }] }),
      SECRET,
      expected,
    );
    assert.deepEqual(one.ok ? null : one.rejection.reason, 'malformed');
    const other = verifyBankStatement(signed({ ...statement, account_no: '1' }), SECRET, expected);
    assert.deepEqual(other.ok ? null : other.rejection.reason, 'wrong_merchant');
    const forged = verifyBankStatement(signed(statement, 'x'), SECRET, expected);
    assert.deepEqual(forged.ok ? null : forged.rejection.reason, 'bad_signature');
    const shape = verifyBankStatement(signed({ account_no: ACCOUNT }), SECRET, expected);
    assert.deepEqual(shape.ok ? null : shape.rejection.reason, 'malformed');
  });
});

describe('VietQrClient bank notifications', () => {
  const client = new VietQrClient({ bin: '970436', account: ACCOUNT, notify_secret: SECRET });

  it('turns a notification into a succeeded PaymentEvent with the reference found in the description', () => {
    const result = client.parseCallback(signed(fields));
    assert.ok(result.ok, show(result));
    assert.deepEqual(result.event, {
      gateway: 'vietqr',
      merchant_ref: 'PZ7K3M9Q2XABCD',
      gateway_txn_id: 'FT26326000123',
      amount: 150_000n,
      currency: 'VND',
      status: 'succeeded',
      paid_at: new Date('2026-11-22T02:40:05Z'),
      gateway_code: 'transfer_received',
      raw: { ...fields, amount: '150000' },
    });
  });

  it("keeps a notification without one clear reference, with merchant_ref '' for the matcher to classify", () => {
    for (const description of ['chuyen tien hoc phi', 'PZ7K3M9Q2XABCD PZ0000000000AA']) {
      const result = client.parseCallback(signed({ ...fields, description }));
      assert.ok(result.ok, description);
      assert.equal(result.event.merchant_ref, '');
    }
  });

  it('uses the configured reference shape', () => {
    const custom = new VietQrClient({
      bin: '970436',
      account: ACCOUNT,
      notify_secret: SECRET,
      reference_shape: { prefix: 'PH', body_length: 8 },
    });
    const result = custom.parseCallback(signed({ ...fields, description: 'ph7k-3m9q 2x' }));
    assert.ok(result.ok);
    assert.equal(result.event.merchant_ref, 'PH7K3M9Q2X');
  });

  it('refuses a GET as malformed and a forged POST as bad_signature; verify gives the notification', () => {
    const get = client.parseCallback({ ...signed(fields), method: 'GET' });
    assert.deepEqual(get.ok ? null : get.rejection.reason, 'malformed');
    const forged = client.parseCallback(signed(fields, 'not-the-secret'));
    assert.deepEqual(forged.ok ? null : forged.rejection.reason, 'bad_signature');
    const verified = client.notifications.verify(signed(fields));
    assert.ok(verified.ok);
    assert.equal(verified.notification.bank_ref, 'FT26326000123');
  });

  it('refuses every notification when no notify_secret is configured', () => {
    const bare = new VietQrClient({ bin: '970436', account: ACCOUNT });
    const result = bare.parseCallback(signed(fields));
    assert.deepEqual(result.ok ? null : result.rejection.reason, 'malformed');
    const verified = bare.notifications.verify(signed(fields));
    assert.deepEqual(verified.ok ? null : verified.rejection.reason, 'malformed');
  });

  it('refuses an empty notify_secret or a bad reference shape at construction, naming the field', () => {
    for (const [extra, param] of [
      [{ notify_secret: '' }, 'notify_secret'],
      [{ notify_secret: 42 }, 'notify_secret'],
      [{ reference_shape: { prefix: 'pz', body_length: 12 } }, 'reference_shape'],
    ] as const) {
      assert.throws(
        () => new VietQrClient({ bin: '970436', account: ACCOUNT, ...(extra as object) }),
        (error) =>
          error instanceof AdapterError && error.code === 'vietqr_config_invalid' && error.param === param,
      );
    }
  });
});
