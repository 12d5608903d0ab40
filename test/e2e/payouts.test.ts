// Agency payouts over real HTTP: agencies paid through the in-process VNPay and MoMo simulators, then
// what each is owed, a batch reserved in the ledger (pending payable → bank:collection), its CSV file
// and checksum, confirm (posted once, also under concurrent and repeated calls), cancel (released), the
// statement still tied to the ledger, and the ledger verified after every test.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { checkPayoutFile } from '../../src/payouts/payout-file';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootCallbackHub } from './support/gateway-payments';
import { ADMIN_TOKEN } from './support/hub';

interface Owed {
  biller: string;
  biller_name: string;
  posted: number;
  reserved: number;
  available: number;
  payout_account: { bank: string; account_number: string; account_name: string } | null;
}

interface Payout {
  id: string;
  object: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  amount: number;
  currency: string;
  item_count: number;
  file_sha256: string;
  items: Array<{
    id: string;
    line: number;
    biller: string;
    biller_name: string;
    amount: number;
    payout_account: Owed['payout_account'];
  }>;
  confirmed_at: number | null;
  cancelled_at: number | null;
}

describe('Agency payouts', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let justice: CreatedBiller;
  let parking: CreatedBiller;
  let bills = 0;

  const pay = async (biller: CreatedBiller, amount: number, method: 'vnpay' | 'momo'): Promise<void> => {
    const bill = await call<{ id: string }>(hub, 'POST', '/v1/bills', {
      token: biller.api_key,
      body: {
        kind: 'fee',
        reference: `PO-${++bills}`,
        payer: { name: 'Lê Văn Cường' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [{ name: 'Lệ phí', amount, legal_basis: 'Thông tư 85/2019/TT-BTC' }],
      },
    });
    assert.equal(bill.status, 201, bill.text);
    const intent = await call<{ id: string; reference: string; next_action: { url: string } }>(
      hub,
      'POST',
      '/v1/payment_intents',
      { token: biller.api_key, body: { bill_id: bill.body.id, method } },
    );
    assert.equal(intent.status, 201, intent.text);
    const sims = hub.app.get(GatewaysService).simulators!;
    if (method === 'vnpay') {
      assert.equal((await fetch(intent.body.next_action.url, { redirect: 'manual' })).status, 200);
      sims.vnpay!.approve(intent.body.reference);
    } else {
      sims.momo!.approve(intent.body.reference);
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      const read = await call<{ status: string }>(hub, 'GET', `/v1/payment_intents/${intent.body.id}`, {
        token: biller.api_key,
      });
      if (read.body.status === 'succeeded') return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${method} IPN`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
  };
  const owed = async (): Promise<Map<string, Owed>> => {
    const answer = await call<{ data: Owed[] }>(hub, 'GET', '/v1/payouts/owed');
    assert.equal(answer.status, 200, answer.text);
    return new Map(answer.body.data.map((row) => [row.biller, row]));
  };
  const create = (body?: unknown, idempotency_key?: string) =>
    call<Payout & ErrorBody>(hub, 'POST', '/v1/payouts', { body, idempotency_key });
  const act = (id: string, action: 'confirm' | 'cancel') =>
    call<Payout & ErrorBody>(hub, 'POST', `/v1/payouts/${id}/${action}`);
  const account = async (id: string) => {
    const found = await db.pool.query<{ credits: string; debits: string; pending: string; dpending: string }>(
      `SELECT credits_posted::text AS credits, debits_posted::text AS debits,
              credits_pending::text AS pending, debits_pending::text AS dpending
         FROM ledger_accounts WHERE id = $1`,
      [id],
    );
    return found.rows[0] ?? null;
  };
  const transfers = async (pattern: string) =>
    (
      await db.pool.query<{
        id: string;
        debit: string;
        credit: string;
        amount: string;
        flags: number;
        code: number;
      }>(
        `SELECT id, debit_account_id AS debit, credit_account_id AS credit, amount::text, flags, code
           FROM ledger_transfers WHERE id LIKE $1 ORDER BY id`,
        [pattern],
      )
    ).rows;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    justice = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
    parking = await createBiller(hub, { name: 'Bãi đỗ xe, Trung tâm "A"', kind: 'parking_operator' });
    await pay(justice, 150_000, 'vnpay');
    await pay(justice, 50_000, 'momo');
    await pay(parking, 80_000, 'momo');
  });
  afterEach(async () => {
    if (!hub) return;
    const verified = await call<{ ok: boolean; faults: unknown[] }>(hub, 'GET', '/v1/ledger/verify');
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body.faults));
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('documents the payout and statement routes in the OpenAPI document', async () => {
    const document = (await (await fetch(`${hub.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [method, path] of [
      ['get', '/v1/payouts/owed'],
      ['post', '/v1/payouts'],
      ['get', '/v1/payouts'],
      ['get', '/v1/payouts/{id}'],
      ['get', '/v1/payouts/{id}/file'],
      ['post', '/v1/payouts/{id}/confirm'],
      ['post', '/v1/payouts/{id}/cancel'],
      ['get', '/v1/billers/{id}/payout_account'],
      ['put', '/v1/billers/{id}/payout_account'],
      ['get', '/v1/reports/statements'],
    ] as const) {
      assert.ok(document.paths[path]?.[method]?.responses, `${method.toUpperCase()} ${path} is documented`);
    }
  });

  it('sets and reads a biller’s payout account, with strict validation', async () => {
    const missing = await call<ErrorBody>(hub, 'PUT', `/v1/billers/${justice.id}/payout_account`, {
      body: { bank: 'KBNN Tỉnh Đồng Nai', account_number: '3511.0.1234567' },
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      [missing.body.error.code, missing.body.error.param],
      ['parameter_missing', 'account_name'],
    );
    const bad = await call<ErrorBody>(hub, 'PUT', `/v1/billers/${justice.id}/payout_account`, {
      body: { bank: 'KBNN', account_number: '3511 0 12', account_name: 'Sở Tư pháp' },
    });
    assert.deepEqual([bad.status, bad.body.error.param], [400, 'account_number']);
    const byBiller = await call<ErrorBody>(hub, 'PUT', `/v1/billers/${justice.id}/payout_account`, {
      token: justice.api_key,
      body: { bank: 'KBNN', account_number: '1', account_name: 'x' },
    });
    assert.equal(byBiller.status, 401, 'only the admin sets where money goes');
    const set = await call(hub, 'PUT', `/v1/billers/${justice.id}/payout_account`, {
      body: {
        bank: 'KBNN Tỉnh Đồng Nai',
        account_number: '3511.0.1234567',
        account_name: 'Sở Tư pháp tỉnh Đồng Nai',
      },
    });
    assert.equal(set.status, 200, set.text);
    const read = await call<{ account: Owed['payout_account'] }>(
      hub,
      'GET',
      `/v1/billers/${justice.id}/payout_account`,
      { token: justice.api_key },
    );
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.account?.account_number, '3511.0.1234567');
    const foreign = await call<ErrorBody>(hub, 'GET', `/v1/billers/${justice.id}/payout_account`, {
      token: parking.api_key,
    });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'biller_not_found');
  });

  it('says what each agency is owed', async () => {
    const rows = await owed();
    assert.deepEqual(
      { ...rows.get(justice.id)!, payout_account: null },
      {
        biller: justice.id,
        biller_name: 'Sở Tư pháp',
        posted: 200_000,
        reserved: 0,
        available: 200_000,
        payout_account: null,
      },
    );
    assert.equal(rows.get(parking.id)!.available, 80_000);
    const byBiller = await call(hub, 'GET', '/v1/payouts/owed', { token: justice.api_key });
    assert.equal(byBiller.status, 401);
  });

  it('makes a batch, writes its file with a checksum, and confirms it exactly once', async () => {
    const unknown = await create({ billers: ['blr_00000000000000000000000000'] });
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.error.code, 'biller_not_found');
    const bad = await create({ billers: 'all' });
    assert.deepEqual([bad.status, bad.body.error.param], [400, 'billers']);

    const key = randomUUID();
    const created = await create(undefined, key);
    assert.equal(created.status, 201, created.text);
    const payout = created.body;
    assert.match(payout.id, /^po_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(payout.status, 'pending');
    assert.equal(payout.amount, 280_000);
    assert.equal(payout.item_count, 2);
    const byBiller = new Map(payout.items.map((item) => [item.biller, item]));
    assert.equal(byBiller.get(justice.id)!.amount, 200_000);
    assert.equal(byBiller.get(justice.id)!.payout_account?.bank, 'KBNN Tỉnh Đồng Nai');
    assert.equal(byBiller.get(parking.id)!.amount, 80_000);
    assert.equal(byBiller.get(parking.id)!.payout_account, null);
    const replayed = await create(undefined, key);
    assert.equal(replayed.status, 201);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(replayed.body.id, payout.id);

    // Reserved in the ledger: pending payable → bank:collection, nothing posted yet.
    const reservations = await transfers(`payout:%`);
    assert.deepEqual(
      reservations.map((row) => [row.debit, row.credit, row.amount, row.flags & 2, row.code]).sort(),
      [
        [`payable:${justice.id}`, 'bank:collection', '200000', 2, 7],
        [`payable:${parking.id}`, 'bank:collection', '80000', 2, 7],
      ].sort(),
    );
    const rows = await owed();
    assert.deepEqual(
      [rows.get(justice.id)!.available, rows.get(justice.id)!.reserved, rows.get(justice.id)!.posted],
      [0, 200_000, 200_000],
    );
    const again = await create();
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'payout_nothing_owed');
    // A refund can no longer take the money that is on its way to the agency.
    const refundable = await db.pool.query<{ id: string }>(
      `SELECT id FROM payment_intents WHERE biller_id = $1 AND status = 'succeeded' ORDER BY id LIMIT 1`,
      [parking.id],
    );
    const refund = await call<ErrorBody>(hub, 'POST', '/v1/refunds', {
      token: parking.api_key,
      body: { payment_intent: refundable.rows[0]!.id, reason: 'Trả lại' },
    });
    assert.equal(refund.status, 409, refund.text);
    assert.equal(refund.body.error.code, 'refund_insufficient_balance');

    // The file: the header, a D line per agency, the totals, and the checksum of all before it.
    const download = () =>
      fetch(`${hub.url}/v1/payouts/${payout.id}/file`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
    const response = await download();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    const content = await response.text();
    const lines = content.split('\r\n');
    assert.equal(lines.pop(), '', 'the file ends with CRLF');
    assert.equal(
      lines[0],
      'record,payout,line,biller,biller_name,bank,account_number,account_name,amount,currency,note',
    );
    const detail = lines.filter((line) => line.startsWith('D,'));
    assert.equal(detail.length, 2);
    assert.ok(
      detail.includes(
        `D,${payout.id},${byBiller.get(justice.id)!.line},${justice.id},Sở Tư pháp,KBNN Tỉnh Đồng Nai,3511.0.1234567,Sở Tư pháp tỉnh Đồng Nai,200000,VND,PAYHUB ${byBiller.get(justice.id)!.id}`,
      ),
      content,
    );
    assert.ok(
      detail.some((line) => line.includes(`"Bãi đỗ xe, Trung tâm ""A""",,,,80000,VND`)),
      'a name with a comma and quotes is quoted; a missing account is left empty',
    );
    assert.match(lines.at(-2)!, new RegExp(`^T,${payout.id},2,,,,,,280000,VND,created `));
    const trailer = lines.at(-1)!;
    const sha256 = createHash('sha256')
      .update(content.slice(0, content.length - trailer.length - 2), 'utf8')
      .digest('hex');
    assert.equal(trailer, `C,${payout.id},,,,,,,,,sha256:${sha256}`);
    assert.equal(response.headers.get('payhub-checksum'), `sha256=${sha256}`);
    assert.equal(payout.file_sha256, sha256);
    assert.deepEqual(checkPayoutFile(content), { ok: true, sha256 });
    assert.equal(checkPayoutFile(content.replace('200000', '200001')).ok, false, 'an edited file fails');
    // Downloaded again: the same bytes.
    assert.equal(await (await download()).text(), content);

    // Confirm twice at once, then again: one posting per item, the same answer every time.
    const [one, two] = await Promise.all([act(payout.id, 'confirm'), act(payout.id, 'confirm')]);
    for (const answer of [one, two]) {
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.status, 'confirmed');
    }
    assert.equal(one.body.confirmed_at, two.body.confirmed_at);
    const third = await act(payout.id, 'confirm');
    assert.deepEqual(third.body, one.body);
    const posts = await transfers('payout:%:post');
    assert.deepEqual(
      posts.map((row) => [row.debit, row.amount, row.code]).sort(),
      [
        [`payable:${justice.id}`, '200000', 7],
        [`payable:${parking.id}`, '80000', 7],
      ].sort(),
    );
    assert.deepEqual(await account(`payable:${justice.id}`), {
      credits: '200000',
      debits: '200000',
      pending: '0',
      dpending: '0',
    });
    assert.equal((await account('bank:collection'))!.credits, '280000');
    const cancel = await act(payout.id, 'cancel');
    assert.equal(cancel.status, 409);
    assert.equal(cancel.body.error.code, 'payout_confirmed');
    assert.equal((await owed()).get(justice.id)!.available, 0);
  });

  it('cancels a batch: the reservations are voided and the money is owed again', async () => {
    await pay(justice, 60_000, 'vnpay');
    // Two requests at once: one batch reserves the money, the other finds nothing left.
    const both = await Promise.all([create({ billers: [justice.id] }), create({ billers: [justice.id] })]);
    assert.deepEqual(both.map((answer) => answer.status).sort(), [201, 409]);
    const created = both.find((answer) => answer.status === 201)!;
    assert.equal(both.find((answer) => answer.status === 409)!.body.error.code, 'payout_nothing_owed');
    assert.equal((await transfers(`payout:${created.body.items[0]!.id}`)).length, 1);
    assert.deepEqual(
      created.body.items.map((item) => [item.biller, item.amount]),
      [[justice.id, 60_000]],
    );
    const [one, two] = await Promise.all([act(created.body.id, 'cancel'), act(created.body.id, 'cancel')]);
    assert.deepEqual([one.status, two.status], [200, 200]);
    assert.equal(one.body.status, 'cancelled');
    const voids = await transfers(`payout:${created.body.items[0]!.id}:%`);
    assert.deepEqual(
      voids.map((row) => [row.id.split(':').at(-1), row.flags & 8]),
      [['void', 8]],
    );
    const confirm = await act(created.body.id, 'confirm');
    assert.equal(confirm.status, 409);
    assert.equal(confirm.body.error.code, 'payout_cancelled');
    const rows = await owed();
    assert.deepEqual([rows.get(justice.id)!.available, rows.get(justice.id)!.reserved], [60_000, 0]);

    // A new batch pays it; confirmed, the agency's payable is zero again.
    const next = await create();
    assert.equal(next.status, 201, next.text);
    assert.equal((await act(next.body.id, 'confirm')).body.status, 'confirmed');
    const balances = await account(`payable:${justice.id}`);
    assert.equal(BigInt(balances!.credits) - BigInt(balances!.debits) - BigInt(balances!.dpending), 0n);
    assert.equal((await owed()).get(justice.id)!.available, 0);

    const list = await call<{ data: Array<{ id: string; status: string }>; has_more: boolean }>(
      hub,
      'GET',
      '/v1/payouts?limit=2',
    );
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.data.map((row) => [row.id, row.status]),
      [
        [next.body.id, 'confirmed'],
        [created.body.id, 'cancelled'],
      ],
    );
    assert.equal(list.body.has_more, true);
    const missing = await call<ErrorBody>(hub, 'GET', '/v1/payouts/po_00000000000000000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'payout_not_found');
  });

  it('keeps the agency’s statement tied to the ledger with its payouts in it', async () => {
    const day = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    const answer = await call<{
      totals: { net: number; payouts: { count: number; amount: number }; payable_movement: number };
      ledger: { net: number };
      payouts: unknown[];
      ties: boolean;
    }>(hub, 'GET', `/v1/reports/statements?biller=${justice.id}&from=${yesterday}&to=${day}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.totals.net, 260_000);
    assert.deepEqual(answer.body.totals.payouts, { count: 2, amount: 260_000 });
    assert.equal(answer.body.payouts.length, 2);
    assert.equal(answer.body.totals.payable_movement, 0);
    assert.equal(answer.body.ledger.net, 0);
    assert.equal(answer.body.ties, true);
  });
});
