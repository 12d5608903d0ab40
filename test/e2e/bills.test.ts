// Bills over real HTTP on a real database: each kind issued and read back with exact amounts, every
// refusal code reaching the client with its param, parking priced by the stored tariff, hospital
// deposits deducted once, scoping by biller, idempotent replay, cancellation and pagination.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type Answer, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub } from './support/hub';

type Bill = Record<string, unknown> & { id: string; status: string; amount: number };

interface List {
  object: string;
  data: Bill[];
  has_more: boolean;
}

function errorOf(answer: Answer<unknown>): { status: number; code: string; param: string | null } {
  const { error } = answer.body as ErrorBody;
  return { status: answer.status, code: error.code, param: error.param };
}

const HOUR_MS = 3_600_000;
/** Thirty days from now, in whole seconds, as RFC 3339. */
const EXPIRES_AT_S = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
const EXPIRES_AT = new Date(EXPIRES_AT_S * 1000).toISOString();

function fee(reference = 'HS-000.00.12.H12-0001'): Record<string, unknown> {
  return {
    kind: 'fee',
    reference,
    payer: { name: '  Nguyễn Văn An ', id_number: '079123456789', phone: '+84901234567' },
    procedure_code: '1.001234.000.00.00.H12',
    lines: [
      { name: 'Lệ phí cấp giấy phép xây dựng', amount: 75_000, legal_basis: 'Nghị quyết 12/2021/NQ-HĐND' },
      { name: 'Phí thẩm định', amount: 150_000, legal_basis: 'Thông tư 85/2019/TT-BTC' },
    ],
  };
}

/** A stay that ended a minute ago and lasted 2 h 30 min: the test tariff charges 10,000 + 5,000. */
function parking(reference = 'session-1', lines?: unknown): Record<string, unknown> {
  const exited_ms = Date.now() - 60_000;
  return {
    kind: 'parking',
    reference,
    payer: { name: 'Khách vãng lai' },
    lot: 'LOT-BENTHANH',
    plate: '51f-123.45',
    entered_at: new Date(exited_ms - 2.5 * HOUR_MS).toISOString(),
    exited_at: new Date(exited_ms).toISOString(),
    ...(lines === undefined ? {} : { lines }),
  };
}

/** What a hospital's deposit and final bills for one stay share. */
const STAY = {
  kind: 'hospital',
  payer: { name: 'Trần Thị Bình' },
  invoice_number: 'HD-2025-0042',
  patient: { name: 'Trần Văn Cường', insurance_number: 'DN4010123456789' },
};

function deposit(reference: string, amount: number, invoice_number = STAY.invoice_number) {
  return {
    ...STAY,
    reference,
    invoice_number,
    stage: 'deposit',
    lines: [{ name: 'Tạm ứng viện phí', amount }],
  };
}

/** Patient's share 550,000 of 1,350,000: 200,000 of the bed days, all 350,000 of the drugs. */
function final(reference: string, deposit_references?: string[]): Record<string, unknown> {
  const lines = [
    { name: 'Ngày giường', amount: 1_000_000, insurance_covered: 800_000, patient_pays: 200_000 },
    { name: 'Thuốc ngoài danh mục', insurance_covered: 0, patient_pays: 350_000 },
  ];
  return { ...STAY, reference, stage: 'final', lines, ...(deposit_references ? { deposit_references } : {}) };
}

/** The body with its first line patched; a field set to undefined is left out of the JSON. */
function firstLine(body: Record<string, unknown>, patch: Record<string, unknown>) {
  const [head, ...rest] = body.lines as Record<string, unknown>[];
  return { ...body, lines: [{ ...head, ...patch }, ...rest] };
}

const TARIFF = { first_block_minutes: 120, first_block_price: 10_000, price_per_hour: 5_000 };

describe('bills', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let hospital: CreatedBiller;
  let operator: CreatedBiller;
  let other: CreatedBiller;

  const post = (biller: CreatedBiller, body: unknown, idempotency_key?: string) =>
    call<Bill>(hub, 'POST', '/v1/bills', { token: biller.api_key, body, idempotency_key });
  const get = <T = Bill>(biller: CreatedBiller, path: string) =>
    call<T>(hub, 'GET', path, { token: biller.api_key });
  const cancel = (biller: CreatedBiller, id: string) =>
    call<Bill>(hub, 'POST', `/v1/bills/${id}/cancel`, { token: biller.api_key });
  const markPaid = (id: string) =>
    db.pool.query("UPDATE bills SET status = 'paid', paid_at = clock_timestamp() WHERE id = $1", [id]);
  const billCount = async () =>
    (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bills')).rows[0]!.n;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db);
    hospital = await createBiller(hub, { name: 'Bệnh viện Đa khoa Tỉnh', kind: 'hospital' });
    operator = await createBiller(hub, { name: 'Bãi đỗ xe Trung tâm', kind: 'parking_operator' });
    other = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('issues a fee bill and reads it back with exact integer amounts', async () => {
    const created = await post(other, { ...fee(), expires_at: EXPIRES_AT });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.id, /^bill_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(Math.abs((created.body.created as number) - Date.now() / 1000) < 60);
    // The payer's signed checkout link (docs/pages.md).
    assert.match(String(created.body.checkout_url), /\/pay\/bill_[0-9A-HJKMNP-TV-Z]{26}\?sig=[\w-]{22}$/);
    assert.deepEqual(
      { ...created.body, id: undefined, created: undefined, checkout_url: undefined },
      {
        id: undefined,
        checkout_url: undefined,
        object: 'bill',
        biller: other.id,
        kind: 'fee',
        reference: 'HS-000.00.12.H12-0001',
        payer: { name: 'Nguyễn Văn An', id_number: '079123456789', phone: '+84901234567' },
        lines: [
          {
            name: 'Lệ phí cấp giấy phép xây dựng',
            amount: 75_000,
            legal_basis: 'Nghị quyết 12/2021/NQ-HĐND',
          },
          { name: 'Phí thẩm định', amount: 150_000, legal_basis: 'Thông tư 85/2019/TT-BTC' },
        ],
        amount: 225_000,
        currency: 'VND',
        status: 'open',
        expires_at: EXPIRES_AT_S,
        created: undefined,
        procedure_code: '1.001234.000.00.00.H12',
      },
    );
    // The wire carries integers, not strings, and the database the exact bigint.
    assert.match(created.text, /"amount":225000[,}]/);
    const read = await get(other, `/v1/bills/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
    const stored = await db.pool.query<{ amount: bigint }>('SELECT amount FROM bills WHERE id = $1', [
      created.body.id,
    ]);
    assert.equal(stored.rows[0]!.amount, 225_000n);
  });

  it('keeps the largest allowed amount exact', async () => {
    const body = {
      ...fee('HS-MAX'),
      lines: [{ name: 'Phí', amount: 500_000_000, legal_basis: 'Luật Phí và lệ phí 2015' }],
    };
    const created = await post(other, body);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.amount, 500_000_000);
  });

  it('sets a parking tariff, prices a stay with it, and takes an operator’s own lines as given', async () => {
    assert.deepEqual(errorOf(await post(operator, parking('no-tariff'))), {
      status: 400,
      code: 'parking_tariff_missing',
      param: 'lines',
    });
    assert.deepEqual(
      errorOf(
        await call(hub, 'GET', `/v1/billers/${operator.id}/parking_tariff`, { token: operator.api_key }),
      ),
      { status: 404, code: 'parking_tariff_not_found', param: 'id' },
    );
    const put = await call(hub, 'PUT', `/v1/billers/${operator.id}/parking_tariff`, {
      token: operator.api_key,
      body: TARIFF,
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(
      { ...put.body, updated: undefined },
      {
        object: 'parking_tariff',
        biller: operator.id,
        ...TARIFF,
        night: null,
        cap_per_day: null,
        updated: undefined,
      },
    );
    const read = await call(hub, 'GET', `/v1/billers/${operator.id}/parking_tariff`, {
      token: operator.api_key,
    });
    assert.deepEqual(read.body, put.body);

    const priced = await post(operator, parking('session-1'));
    assert.equal(priced.status, 201, priced.text);
    assert.equal(priced.body.amount, 15_000);
    assert.equal(priced.body.amount_source, 'tariff');
    assert.equal(priced.body.plate, '51F-123.45');
    assert.deepEqual(priced.body.lines, [{ name: 'Phí trông giữ xe 51F-123.45', amount: 15_000 }]);
    assert.equal((priced.body.exited_at as number) - (priced.body.entered_at as number), 2.5 * 3600);

    const own = await post(operator, parking('session-2', [{ name: 'Vé tháng, phụ thu', amount: 3_000 }]));
    assert.equal(own.status, 201, own.text);
    assert.equal(own.body.amount, 3_000);
    assert.equal(own.body.amount_source, 'lines');
  });

  it('lets the admin set a tariff, refuses a bad one naming the field, and hides other billers’', async () => {
    const path = `/v1/billers/${other.id}/parking_tariff`;
    const bad = await call(hub, 'PUT', path, { body: { ...TARIFF, first_block_minutes: 0 } });
    assert.deepEqual(errorOf(bad), {
      status: 400,
      code: 'parking_tariff_invalid',
      param: 'first_block_minutes',
    });
    const badNight = await call(hub, 'PUT', path, {
      body: { ...TARIFF, night: { start_minute: 60, end_minute: 60, price_per_hour: 1 } },
    });
    assert.deepEqual(errorOf(badNight), {
      status: 400,
      code: 'parking_tariff_invalid',
      param: 'night.end_minute',
    });
    const unknown = await call(hub, 'PUT', path, { body: { ...TARIFF, price_per_minute: 1 } });
    assert.deepEqual(errorOf(unknown), { status: 400, code: 'parameter_unknown', param: 'price_per_minute' });
    assert.equal(
      (await db.pool.query('SELECT 1 FROM parking_tariffs WHERE biller_id = $1', [other.id])).rowCount,
      0,
    );

    const byAdmin = await call(hub, 'PUT', path, { body: { ...TARIFF, cap_per_day: 60_000 } });
    assert.equal(byAdmin.status, 200, byAdmin.text);
    assert.equal(byAdmin.body.cap_per_day, 60_000);
    const foreign = await call(hub, 'PUT', path, { token: operator.api_key, body: TARIFF });
    assert.deepEqual(errorOf(foreign), { status: 404, code: 'biller_not_found', param: 'id' });
    const missing = await call(hub, 'GET', '/v1/billers/blr_00000000000000000000000000/parking_tariff');
    assert.deepEqual(errorOf(missing), { status: 404, code: 'biller_not_found', param: 'id' });
  });

  it('deducts a paid deposit from one final hospital bill only', async () => {
    const tu1 = await post(hospital, deposit('TU-1', 300_000));
    assert.equal(tu1.status, 201, tu1.text);
    assert.deepEqual(
      [tu1.body.stage, tu1.body.amount, tu1.body.invoice_number, tu1.body.lines],
      ['deposit', 300_000, 'HD-2025-0042', [{ name: 'Tạm ứng viện phí', amount: 300_000 }]],
    );
    // Not paid yet: only money received can be deducted.
    assert.deepEqual(errorOf(await post(hospital, final('HD-F1', ['TU-1']))), {
      status: 400,
      code: 'deposit_not_paid',
      param: 'deposit_references[0]',
    });
    await markPaid(tu1.body.id);

    const first = await post(hospital, final('HD-F1', ['TU-1']));
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(
      {
        stage: first.body.stage,
        amount: first.body.amount,
        amount_total: first.body.amount_total,
        insurance_covered: first.body.insurance_covered,
        deposit_references: first.body.deposit_references,
        deposit_applied: first.body.deposit_applied,
        deposit_refund: first.body.deposit_refund,
        amount_due: first.body.amount_due,
        lines: first.body.lines,
        patient: first.body.patient,
      },
      {
        stage: 'final',
        amount: 550_000,
        amount_total: 1_350_000,
        insurance_covered: 800_000,
        deposit_references: ['TU-1'],
        deposit_applied: 300_000,
        deposit_refund: 0,
        amount_due: 250_000,
        lines: [
          { name: 'Ngày giường', amount: 1_000_000, insurance_covered: 800_000, patient_pays: 200_000 },
          { name: 'Thuốc ngoài danh mục', amount: 350_000, insurance_covered: 0, patient_pays: 350_000 },
        ],
        patient: { name: 'Trần Văn Cường', id_number: null, insurance_number: 'DN4010123456789' },
      },
    );

    const before_count = await billCount();
    assert.deepEqual(errorOf(await post(hospital, final('HD-F2', ['TU-1']))), {
      status: 409,
      code: 'deposit_already_applied',
      param: 'deposit_references[0]',
    });
    assert.equal(await billCount(), before_count);

    // Cancelling the first final bill gives its deposit back for a corrected one.
    assert.equal((await cancel(hospital, first.body.id)).status, 200);
    const corrected = await post(hospital, final('HD-F2', ['TU-1']));
    assert.equal(corrected.status, 201, corrected.text);
    assert.equal(corrected.body.amount_due, 250_000);
    const deductions = await db.pool.query<{ final_bill_id: string; amount: bigint }>(
      'SELECT final_bill_id, amount FROM hospital_deposit_deductions WHERE deposit_bill_id = $1',
      [tu1.body.id],
    );
    assert.deepEqual(deductions.rows, [{ final_bill_id: corrected.body.id, amount: 300_000n }]);
  });

  it('refunds a deposit beyond the share and refuses deposits that are unknown or of another invoice', async () => {
    const big = await post(hospital, deposit('TU-BIG', 2_000_000, 'HD-2025-0042'));
    const foreign = await post(hospital, deposit('TU-OTHER', 100_000, 'HD-2025-0099'));
    await markPaid(big.body.id);
    await markPaid(foreign.body.id);
    assert.deepEqual(errorOf(await post(hospital, final('HD-F3', ['TU-BIG', 'TU-NONE']))), {
      status: 400,
      code: 'deposit_not_found',
      param: 'deposit_references[1]',
    });
    assert.deepEqual(errorOf(await post(hospital, final('HD-F3', ['TU-OTHER']))), {
      status: 400,
      code: 'deposit_invoice_mismatch',
      param: 'deposit_references[0]',
    });
    // Another biller's deposit is unknown to this one.
    assert.deepEqual(errorOf(await post(other, final('HD-F3', ['TU-BIG']))), {
      status: 400,
      code: 'deposit_not_found',
      param: 'deposit_references[0]',
    });
    const settled = await post(hospital, final('HD-F3', ['TU-BIG']));
    assert.equal(settled.status, 201, settled.text);
    assert.deepEqual(
      [
        settled.body.amount,
        settled.body.deposit_applied,
        settled.body.deposit_refund,
        settled.body.amount_due,
      ],
      [550_000, 550_000, 1_450_000, 0],
    );
  });

  describe('refuses every invalid body with its code and param, and stores nothing', () => {
    const cases: [string, () => unknown, string, string | null][] = [
      ['a body that is an array', () => [fee()], 'body_invalid', null],
      ['a missing kind', () => ({ ...fee(), kind: undefined }), 'parameter_missing', 'kind'],
      ['an unknown field', () => ({ ...fee(), expire_at: EXPIRES_AT }), 'parameter_unknown', 'expire_at'],
      [
        'a reference with a space',
        () => ({ ...fee(), reference: ' HS-1' }),
        'parameter_invalid',
        'reference',
      ],
      [
        'a missing amount',
        () => firstLine(fee(), { amount: undefined }),
        'parameter_missing',
        'lines[0].amount',
      ],
      ['a float amount', () => firstLine(fee(), { amount: 1.5 }), 'amount_not_integer', 'lines[0].amount'],
      ['a string amount', () => firstLine(fee(), { amount: '1000' }), 'parameter_invalid', 'lines[0].amount'],
      ['a negative amount', () => firstLine(fee(), { amount: -5 }), 'amount_not_positive', 'lines[0].amount'],
      [
        'a negative insurance part',
        () => firstLine(final('HD-X'), { amount: undefined, insurance_covered: -1 }),
        'amount_negative',
        'lines[0].insurance_covered',
      ],
      [
        'an amount too large',
        () => firstLine(fee(), { amount: 500_000_001 }),
        'amount_too_large',
        'lines[0].amount',
      ],
      ['a wrong checksum', () => ({ ...fee(), amount: 225_001 }), 'amount_mismatch', 'amount'],
      [
        'a hospital line that does not add up',
        () => firstLine(final('HD-X'), { amount: 999_999 }),
        'line_total_mismatch',
        'lines[0].amount',
      ],
      [
        'a currency other than VND',
        () => ({ ...fee(), currency: 'USD' }),
        'currency_unsupported',
        'currency',
      ],
      [
        'an expiry in the past',
        () => ({ ...fee(), expires_at: '2020-01-01T00:00:00Z' }),
        'expires_at_in_past',
        'expires_at',
      ],
      [
        'an exit before entry',
        () => ({ ...parking(), exited_at: '2020-01-01T00:00:00Z' }),
        'parking_exit_before_entry',
        'exited_at',
      ],
      [
        'an exit in the future',
        () => ({ ...parking(), exited_at: new Date(Date.now() + HOUR_MS).toISOString() }),
        'parking_exit_in_future',
        'exited_at',
      ],
      [
        'a stay of 31 days',
        () => ({ ...parking(), entered_at: new Date(Date.now() - 31 * 24 * HOUR_MS).toISOString() }),
        'parking_stay_too_long',
        'exited_at',
      ],
    ];
    for (const [name, body, code, param] of cases) {
      it(`${name}: 400 ${code} (${param})`, async () => {
        const before_count = await billCount();
        assert.deepEqual(errorOf(await post(operator, body())), { status: 400, code, param });
        assert.equal(await billCount(), before_count);
      });
    }
  });

  it('answers 404 for another biller’s bill and 401 without a valid key', async () => {
    const mine = await post(other, fee('HS-SCOPE'));
    assert.equal(mine.status, 201);
    assert.deepEqual(errorOf(await get(operator, `/v1/bills/${mine.body.id}`)), {
      status: 404,
      code: 'bill_not_found',
      param: 'id',
    });
    assert.deepEqual(errorOf(await cancel(operator, mine.body.id)), {
      status: 404,
      code: 'bill_not_found',
      param: 'id',
    });
    assert.equal((await get(other, `/v1/bills/${mine.body.id}`)).body.status, 'open');
    assert.deepEqual(errorOf(await get(other, '/v1/bills/bill_nonsense')), {
      status: 404,
      code: 'bill_not_found',
      param: 'id',
    });
    const listed = await get<List>(operator, '/v1/bills?limit=100');
    assert.ok(!listed.body.data.some((bill) => bill.id === mine.body.id));

    assert.deepEqual(errorOf(await call(hub, 'POST', '/v1/bills', { token: null, body: fee() })), {
      status: 401,
      code: 'api_key_missing',
      param: null,
    });
    assert.deepEqual(errorOf(await call(hub, 'GET', '/v1/bills', { token: null })), {
      status: 401,
      code: 'api_key_missing',
      param: null,
    });
    const fake = 'phk_' + 'A'.repeat(43);
    assert.deepEqual(errorOf(await call(hub, 'GET', `/v1/bills/${mine.body.id}`, { token: fake })), {
      status: 401,
      code: 'api_key_invalid',
      param: null,
    });
  });

  it('replays a keyed POST with the same answer and one bill; refuses a live reference again', async () => {
    const key = randomUUID();
    const first = await post(other, fee('HS-IDEM'), key);
    const again = await post(other, fee('HS-IDEM'), key);
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const listed = await get<List>(other, '/v1/bills?reference=HS-IDEM');
    assert.deepEqual(
      listed.body.data.map((bill) => bill.id),
      [first.body.id],
    );
    // Without the key it is a new request, and an open bill already has that reference.
    assert.deepEqual(errorOf(await post(other, fee('HS-IDEM'))), {
      status: 409,
      code: 'bill_reference_exists',
      param: 'reference',
    });
    // The same reference under another kind, or for another biller, is another bill.
    assert.equal(
      (await post(operator, parking('HS-IDEM', [{ name: 'Vé lượt', amount: 5_000 }]))).status,
      201,
    );
    assert.equal((await post(hospital, fee('HS-IDEM'))).status, 201);
  });

  it('cancels only an open bill, frees its reference, and reads a bill past expiry as expired', async () => {
    const open = await post(other, fee('HS-CANCEL'));
    const cancelled = await cancel(other, open.body.id);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.deepEqual(errorOf(await cancel(other, open.body.id)), {
      status: 409,
      code: 'bill_not_open',
      param: 'id',
    });
    const reissued = await post(other, fee('HS-CANCEL'));
    assert.equal(reissued.status, 201);

    await markPaid(reissued.body.id);
    assert.deepEqual(errorOf(await cancel(other, reissued.body.id)), {
      status: 409,
      code: 'bill_not_open',
      param: 'id',
    });
    assert.equal((await get(other, `/v1/bills/${reissued.body.id}`)).body.status, 'paid');

    const expiring = await post(other, { ...fee('HS-EXPIRE'), expires_at: EXPIRES_AT });
    assert.equal(expiring.status, 201, expiring.text);
    await db.pool.query(
      `UPDATE bills SET created_at = clock_timestamp() - interval '2 days',
                        expires_at = clock_timestamp() - interval '1 day' WHERE id = $1`,
      [expiring.body.id],
    );
    assert.equal((await get(other, `/v1/bills/${expiring.body.id}`)).body.status, 'expired');
    assert.deepEqual(errorOf(await cancel(other, expiring.body.id)), {
      status: 409,
      code: 'bill_not_open',
      param: 'id',
    });
    const expired = await get<List>(other, '/v1/bills?status=expired');
    assert.deepEqual(
      expired.body.data.map((bill) => bill.id),
      [expiring.body.id],
    );
    // An expired bill frees its reference too.
    assert.equal((await post(other, fee('HS-EXPIRE'))).status, 201);
  });

  it('pages newest first with limit and starting_after, and refuses bad query parameters', async () => {
    const pager = await createBiller(hub, { name: 'UBND Phường 1', kind: 'agency' });
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push((await post(pager, fee(`HS-PAGE-${n}`))).body.id);
    const newest = [...ids].reverse();
    const page1 = await get<List>(pager, '/v1/bills?limit=2');
    assert.deepEqual(
      [page1.body.object, page1.body.data.map((bill) => bill.id), page1.body.has_more],
      ['list', newest.slice(0, 2), true],
    );
    const page2 = await get<List>(pager, `/v1/bills?limit=2&starting_after=${newest[1]}`);
    assert.deepEqual(
      [page2.body.data.map((bill) => bill.id), page2.body.has_more],
      [newest.slice(2, 4), true],
    );
    const page3 = await get<List>(pager, `/v1/bills?limit=2&starting_after=${newest[3]}`);
    assert.deepEqual([page3.body.data.map((bill) => bill.id), page3.body.has_more], [newest.slice(4), false]);
    await cancel(pager, ids[2]!);
    const open = await get<List>(pager, '/v1/bills?status=open&limit=10');
    assert.deepEqual(
      open.body.data.map((bill) => bill.id),
      newest.filter((id) => id !== ids[2]),
    );
    const byReference = await get<List>(pager, '/v1/bills?reference=HS-PAGE-4');
    assert.deepEqual(
      byReference.body.data.map((bill) => bill.id),
      [ids[3]],
    );

    for (const [query, code, param] of [
      ['limit=0', 'parameter_invalid', 'limit'],
      ['limit=101', 'parameter_invalid', 'limit'],
      ['starting_after=blr_00000000000000000000000000', 'parameter_invalid', 'starting_after'],
      ['status=unpaid', 'parameter_invalid', 'status'],
      ['state=open', 'parameter_unknown', 'state'],
    ] as const) {
      assert.deepEqual(errorOf(await get(pager, `/v1/bills?${query}`)), { status: 400, code, param });
    }
  });
});
