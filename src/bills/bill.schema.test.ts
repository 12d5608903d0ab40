// POST /v1/bills bodies: each kind parses to bigints summing to its amount, and every refusal carries
// its code and the path of the field at fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseBillInput, type ParseBillOptions } from './bill.schema';
import { BILL_ERRORS, BillError } from './bills.errors';
import { parseParkingTariff, type ParkingTariff } from './parking-tariff';

const NOW = new Date('2025-03-01T03:00:00Z'); // 10:00 in Vietnam
// The operator's tariff as it would be stored: 2 h for 10,000, then 5,000 an hour (8,000 at night).
const stored = parseParkingTariff({
  first_block_minutes: 120,
  first_block_price: '10000',
  price_per_hour: '5000',
  night: { start_minute: 1080, end_minute: 360, price_per_hour: '8000' },
  cap_per_day: '60000',
});
if (!stored.ok) throw new Error('the example tariff must parse');
const TARIFF: ParkingTariff = stored.value;
const OPTIONS: ParseBillOptions = { now: NOW, parking_tariff: TARIFF };

function fee(): Record<string, unknown> {
  return {
    kind: 'fee',
    reference: 'HS-000.00.12.H12-250301-0001',
    payer: { name: '  Nguyễn Văn An ', id_number: '079123456789', phone: '+84901234567' },
    procedure_code: '1.001234.000.00.00.H12',
    lines: [
      { name: 'Lệ phí cấp giấy phép xây dựng', amount: 75_000, legal_basis: 'Nghị quyết 12/2021/NQ-HĐND' },
      { name: 'Phí thẩm định', amount: 150_000, legal_basis: 'Thông tư 85/2019/TT-BTC' },
    ],
    expires_at: '2025-03-08T17:00:00+07:00',
  };
}

function parking(): Record<string, unknown> {
  return {
    kind: 'parking',
    reference: 'session-8812',
    payer: { name: 'Khách vãng lai' },
    lot: 'LOT-BENTHANH',
    plate: '51f-123.45',
    entered_at: '2025-03-01T06:00:00+07:00',
    exited_at: '2025-03-01T01:30:00Z',
  };
}

function hospital(): Record<string, unknown> {
  return {
    kind: 'hospital',
    reference: 'HD-2025-0042-F',
    payer: { name: 'Trần Thị Bình' },
    invoice_number: 'HD-2025-0042',
    patient: { name: 'Trần Văn Cường', insurance_number: 'DN4010123456789' },
    stage: 'final',
    lines: [
      { name: 'Ngày giường', amount: 1_000_000, insurance_covered: 800_000, patient_pays: 200_000 },
      { name: 'Thuốc ngoài danh mục', insurance_covered: 0, patient_pays: 350_000 },
    ],
    deposit_references: ['TU-1'],
  };
}

function refusal(body: unknown, options: ParseBillOptions = OPTIONS): [string, string | null] | 'ok' {
  const result = parseBillInput(body, options);
  return result.ok ? 'ok' : [result.error.code, result.error.param];
}

function withLine(body: Record<string, unknown>, index: number, patch: Record<string, unknown>) {
  const lines = (body.lines as Record<string, unknown>[]).map((line, i) =>
    i === index ? { ...line, ...patch } : line,
  );
  return { ...body, lines };
}

describe('parseBillInput: valid bills', () => {
  it('normalizes a fee bill: trimmed text, bigint amounts, the sum as amount, a Date expiry', () => {
    const result = parseBillInput(fee(), OPTIONS);
    assert.ok(result.ok);
    const bill = result.bill;
    assert.equal(bill.kind, 'fee');
    assert.equal(bill.amount, 225_000n);
    assert.equal(bill.currency, 'VND');
    assert.deepEqual(bill.payer, { name: 'Nguyễn Văn An', id_number: '079123456789', phone: '+84901234567' });
    assert.deepEqual(bill.expires_at, new Date('2025-03-08T10:00:00Z'));
    assert.equal(bill.kind === 'fee' && bill.lines[0]!.amount, 75_000n);
  });

  it('prices a parking bill without lines from the tariff, and upper-cases the plate', () => {
    const result = parseBillInput(parking(), OPTIONS);
    assert.ok(result.ok && result.bill.kind === 'parking');
    // 06:00-08:30 Vietnam time: the 2 h block 10,000 and one started day hour 5,000.
    assert.equal(result.bill.amount, 15_000n);
    assert.equal(result.bill.amount_source, 'tariff');
    assert.equal(result.bill.plate, '51F-123.45');
    assert.deepEqual(result.bill.lines, [{ name: 'Phí trông giữ xe 51F-123.45', amount: 15_000n }]);
  });

  it('uses a parking operator’s own lines as given, even without a tariff', () => {
    const body = { ...parking(), lines: [{ name: 'Vé lượt, giảm giá thẻ tháng', amount: 3_000 }] };
    const result = parseBillInput(body, { now: NOW });
    assert.ok(result.ok && result.bill.kind === 'parking');
    assert.equal(result.bill.amount, 3_000n);
    assert.equal(result.bill.amount_source, 'lines');
  });

  it('makes the patient’s share the amount of a final hospital bill', () => {
    const result = parseBillInput(hospital(), OPTIONS);
    assert.ok(result.ok && result.bill.kind === 'hospital' && result.bill.stage === 'final');
    assert.equal(result.bill.amount, 550_000n);
    assert.equal(result.bill.amount_total, 1_350_000n);
    assert.equal(result.bill.insurance_covered, 800_000n);
    assert.equal(result.bill.lines[1]!.amount, 350_000n);
    assert.deepEqual(result.bill.deposit_references, ['TU-1']);
    assert.equal(parseBillInput({ ...hospital(), amount: 550_000 }, OPTIONS).ok, true);
  });

  it('takes a hospital deposit as plain lines', () => {
    const body = {
      ...hospital(),
      stage: 'deposit',
      deposit_references: undefined,
      lines: [{ name: 'Tạm ứng', amount: 2_000_000 }],
    };
    const result = parseBillInput(body, OPTIONS);
    assert.ok(result.ok && result.bill.kind === 'hospital' && result.bill.stage === 'deposit');
    assert.equal(result.bill.amount, 2_000_000n);
  });

  it('treats null as absent for optional fields and accepts currency VND', () => {
    const body = { ...fee(), expires_at: null, currency: 'VND', payer: { name: 'A', phone: null } };
    const result = parseBillInput(body, OPTIONS);
    assert.ok(result.ok);
    assert.equal(result.bill.expires_at, null);
    assert.equal(result.bill.payer.phone, null);
  });

  it('applies configured limits instead of the defaults', () => {
    const options = {
      ...OPTIONS,
      limits: { line_amount_max: 100_000n, bill_amount_max: 200_000n, lines_max: 2 },
    };
    assert.deepEqual(refusal(fee(), options), ['amount_too_large', 'lines[1].amount']);
    assert.throws(
      () => parseBillInput(fee(), { ...OPTIONS, limits: { bill_amount_max: 2n ** 60n } }),
      RangeError,
    );
  });
});

describe('parseBillInput: refusals', () => {
  const long = 'x'.repeat(201);
  const cases: [string, unknown, [string, string | null], ParseBillOptions?][] = [
    ['a body that is not an object', [fee()], ['body_invalid', null]],
    ['a missing kind', { ...fee(), kind: undefined }, ['parameter_missing', 'kind']],
    ['an unknown kind', { ...fee(), kind: 'tax' }, ['parameter_invalid', 'kind']],
    [
      'an unknown top-level field',
      { ...fee(), expire_at: '2025-03-08T17:00:00+07:00' },
      ['parameter_unknown', 'expire_at'],
    ],
    ['a field of another kind', { ...fee(), plate: '51F-12345' }, ['parameter_unknown', 'plate']],
    [
      'an inherited name used as a field',
      JSON.parse('{"kind":"fee","__proto__":{}}'),
      ['parameter_unknown', '__proto__'],
    ],
    ['a missing reference', { ...fee(), reference: undefined }, ['parameter_missing', 'reference']],
    ['a reference with a space', { ...fee(), reference: ' HS-1' }, ['parameter_invalid', 'reference']],
    [
      'a reference of 65 characters',
      { ...fee(), reference: 'a'.repeat(65) },
      ['parameter_invalid', 'reference'],
    ],
    ['a missing payer', { ...fee(), payer: null }, ['parameter_missing', 'payer']],
    ['a payer that is a string', { ...fee(), payer: 'An' }, ['parameter_invalid', 'payer']],
    [
      'a missing payer name',
      { ...fee(), payer: { phone: '0901234567' } },
      ['parameter_missing', 'payer.name'],
    ],
    ['a blank payer name', { ...fee(), payer: { name: '   ' } }, ['parameter_invalid', 'payer.name']],
    ['a payer name too long', { ...fee(), payer: { name: long } }, ['parameter_invalid', 'payer.name']],
    ['a control character', { ...fee(), payer: { name: 'An\u0000' } }, ['parameter_invalid', 'payer.name']],
    ['a bidi override', { ...fee(), payer: { name: 'An\u202E' } }, ['parameter_invalid', 'payer.name']],
    ['a lone surrogate', { ...fee(), payer: { name: 'An\uD800' } }, ['parameter_invalid', 'payer.name']],
    ['a payer name that is a number', { ...fee(), payer: { name: 42 } }, ['parameter_invalid', 'payer.name']],
    [
      'a bad phone',
      { ...fee(), payer: { name: 'An', phone: '090 123 4567' } },
      ['parameter_invalid', 'payer.phone'],
    ],
    [
      'a bad id number',
      { ...fee(), payer: { name: 'An', id_number: '12-3' } },
      ['parameter_invalid', 'payer.id_number'],
    ],
    [
      'an unknown payer field',
      { ...fee(), payer: { name: 'An', email: 'a@b' } },
      ['parameter_unknown', 'payer.email'],
    ],
    ['a currency that is not VND', { ...fee(), currency: 'USD' }, ['currency_unsupported', 'currency']],
    ['a currency that is not a string', { ...fee(), currency: 704 }, ['parameter_invalid', 'currency']],
    [
      'a missing procedure code',
      { ...fee(), procedure_code: undefined },
      ['parameter_missing', 'procedure_code'],
    ],
    ['missing lines', { ...fee(), lines: undefined }, ['parameter_missing', 'lines']],
    ['no lines', { ...fee(), lines: [] }, ['parameter_invalid', 'lines']],
    ['lines that are an object', { ...fee(), lines: {} }, ['parameter_invalid', 'lines']],
    [
      'too many lines',
      { ...fee(), lines: Array(101).fill((fee().lines as unknown[])[0]) },
      ['parameter_invalid', 'lines'],
    ],
    ['a line that is a number', { ...fee(), lines: [5] }, ['parameter_invalid', 'lines[0]']],
    ['an unknown line field', withLine(fee(), 1, { vat: 0 }), ['parameter_unknown', 'lines[1].vat']],
    ['a missing line name', withLine(fee(), 1, { name: undefined }), ['parameter_missing', 'lines[1].name']],
    [
      'a missing legal basis',
      withLine(fee(), 1, { legal_basis: undefined }),
      ['parameter_missing', 'lines[1].legal_basis'],
    ],
    ['a missing amount', withLine(fee(), 1, { amount: undefined }), ['parameter_missing', 'lines[1].amount']],
    ['a float amount', withLine(fee(), 1, { amount: 1.5 }), ['amount_not_integer', 'lines[1].amount']],
    ['a string amount', withLine(fee(), 1, { amount: '1000' }), ['parameter_invalid', 'lines[1].amount']],
    ['a boolean amount', withLine(fee(), 0, { amount: true }), ['parameter_invalid', 'lines[0].amount']],
    ['a NaN amount', withLine(fee(), 0, { amount: Number.NaN }), ['amount_not_integer', 'lines[0].amount']],
    [
      'an infinite amount',
      withLine(fee(), 0, { amount: Infinity }),
      ['amount_not_integer', 'lines[0].amount'],
    ],
    ['a zero amount', withLine(fee(), 1, { amount: 0 }), ['amount_not_positive', 'lines[1].amount']],
    ['a negative amount', withLine(fee(), 1, { amount: -5 }), ['amount_not_positive', 'lines[1].amount']],
    ['minus zero', withLine(fee(), 1, { amount: -0 }), ['amount_not_positive', 'lines[1].amount']],
    [
      'an amount over the line maximum',
      withLine(fee(), 1, { amount: 500_000_001 }),
      ['amount_too_large', 'lines[1].amount'],
    ],
    [
      '1e21, which JSON.parse cannot hold exactly',
      JSON.parse(
        '{"kind":"fee","reference":"R","payer":{"name":"A"},"procedure_code":"P","lines":[{"name":"x","legal_basis":"y","amount":1e21}]}',
      ),
      ['amount_too_large', 'lines[0].amount'],
    ],
    [
      '12345678901234567890',
      JSON.parse(
        '{"kind":"fee","reference":"R","payer":{"name":"A"},"procedure_code":"P","lines":[{"name":"x","legal_basis":"y","amount":12345678901234567890}]}',
      ),
      ['amount_too_large', 'lines[0].amount'],
    ],
    [
      'a bill over the maximum',
      { ...fee(), lines: [1, 2].map(() => ({ name: 'x', legal_basis: 'y', amount: 300_000_000 })) },
      ['amount_too_large', 'lines'],
    ],
    ['an amount that is not the sum', { ...fee(), amount: 225_001 }, ['amount_mismatch', 'amount']],
    ['an amount that is a float', { ...fee(), amount: 225_000.5 }, ['amount_not_integer', 'amount']],
    [
      'an expiry without offset',
      { ...fee(), expires_at: '2025-03-08T17:00:00' },
      ['parameter_invalid', 'expires_at'],
    ],
    ['an expiry as a number', { ...fee(), expires_at: 1741000000 }, ['parameter_invalid', 'expires_at']],
    [
      'an expiry on 30 February',
      { ...fee(), expires_at: '2025-02-30T17:00:00+07:00' },
      ['parameter_invalid', 'expires_at'],
    ],
    [
      'an expiry at 24:00',
      { ...fee(), expires_at: '2025-03-08T24:00:00Z' },
      ['parameter_invalid', 'expires_at'],
    ],
    [
      'an expiry with offset +15:00',
      { ...fee(), expires_at: '2025-03-08T17:00:00+15:00' },
      ['parameter_invalid', 'expires_at'],
    ],
    [
      'an expiry now',
      { ...fee(), expires_at: '2025-03-01T10:00:00+07:00' },
      ['expires_at_in_past', 'expires_at'],
    ],
    [
      'an expiry in the past',
      { ...fee(), expires_at: '2025-02-28T23:59:59Z' },
      ['expires_at_in_past', 'expires_at'],
    ],
    [
      'an expiry beyond a year',
      { ...fee(), expires_at: '2026-03-03T00:00:00Z' },
      ['parameter_invalid', 'expires_at'],
    ],
    ['a missing lot', { ...parking(), lot: undefined }, ['parameter_missing', 'lot']],
    ['a bad plate', { ...parking(), plate: '51F_123' }, ['parameter_invalid', 'plate']],
    ['a missing entry time', { ...parking(), entered_at: undefined }, ['parameter_missing', 'entered_at']],
    [
      'an exit before entry',
      { ...parking(), exited_at: '2025-03-01T05:59:00+07:00' },
      ['parking_exit_before_entry', 'exited_at'],
    ],
    [
      'an exit at entry',
      { ...parking(), exited_at: '2025-03-01T06:00:00+07:00' },
      ['parking_exit_before_entry', 'exited_at'],
    ],
    [
      'a stay over 30 days',
      { ...parking(), entered_at: '2025-01-01T08:00:00+07:00' },
      ['parking_stay_too_long', 'exited_at'],
    ],
    [
      'an exit in the future',
      { ...parking(), exited_at: '2025-03-01T10:06:00+07:00' },
      ['parking_exit_in_future', 'exited_at'],
    ],
    ['no lines and no tariff', parking(), ['parking_tariff_missing', 'lines'], { now: NOW }],
    [
      'a free stay by the tariff',
      parking(),
      ['amount_not_positive', 'lines'],
      { now: NOW, parking_tariff: { ...TARIFF, first_block_price: 0n, first_block_minutes: 180 } },
    ],
    [
      'a tariff charge over the line maximum',
      parking(),
      ['amount_too_large', 'lines'],
      { now: NOW, parking_tariff: TARIFF, limits: { line_amount_max: 10_000n } },
    ],
    [
      'a parking line with a string amount',
      { ...parking(), lines: [{ name: 'x', amount: '5000' }] },
      ['parameter_invalid', 'lines[0].amount'],
    ],
    [
      'a parking line with a legal basis',
      { ...parking(), lines: [{ name: 'x', amount: 5, legal_basis: 'y' }] },
      ['parameter_unknown', 'lines[0].legal_basis'],
    ],
    ['a missing stage', { ...hospital(), stage: undefined }, ['parameter_missing', 'stage']],
    ['an unknown stage', { ...hospital(), stage: 'interim' }, ['parameter_invalid', 'stage']],
    ['a missing patient', { ...hospital(), patient: undefined }, ['parameter_missing', 'patient']],
    [
      'a patient phone',
      { ...hospital(), patient: { name: 'C', phone: '0901234567' } },
      ['parameter_unknown', 'patient.phone'],
    ],
    [
      'a bad insurance number',
      { ...hospital(), patient: { name: 'C', insurance_number: 'dn4010123456789' } },
      ['parameter_invalid', 'patient.insurance_number'],
    ],
    [
      'a missing invoice number',
      { ...hospital(), invoice_number: undefined },
      ['parameter_missing', 'invoice_number'],
    ],
    [
      'a missing patient part',
      withLine(hospital(), 1, { patient_pays: undefined }),
      ['parameter_missing', 'lines[1].patient_pays'],
    ],
    [
      'a negative insurance part',
      withLine(hospital(), 1, { insurance_covered: -1 }),
      ['amount_negative', 'lines[1].insurance_covered'],
    ],
    [
      'a float patient part',
      withLine(hospital(), 0, { patient_pays: 200_000.5 }),
      ['amount_not_integer', 'lines[0].patient_pays'],
    ],
    [
      'a line with both parts 0',
      withLine(hospital(), 1, { patient_pays: 0 }),
      ['amount_not_positive', 'lines[1]'],
    ],
    [
      'a line whose parts exceed the maximum',
      withLine(hospital(), 1, { insurance_covered: 400_000_000, patient_pays: 200_000_000 }),
      ['amount_too_large', 'lines[1]'],
    ],
    [
      'a line total that does not add up',
      withLine(hospital(), 0, { amount: 1_000_001 }),
      ['line_total_mismatch', 'lines[0].amount'],
    ],
    ['a line total of 0', withLine(hospital(), 0, { amount: 0 }), ['amount_not_positive', 'lines[0].amount']],
    [
      'a final bill the insurer pays in full',
      { ...hospital(), lines: [{ name: 'x', insurance_covered: 5, patient_pays: 0 }] },
      ['amount_not_positive', 'lines'],
    ],
    [
      'a deposit named twice',
      { ...hospital(), deposit_references: ['TU-1', 'TU-2', 'TU-1'] },
      ['parameter_invalid', 'deposit_references[2]'],
    ],
    [
      'a bad deposit reference',
      { ...hospital(), deposit_references: ['TU 1'] },
      ['parameter_invalid', 'deposit_references[0]'],
    ],
    [
      'deposit references on a deposit',
      { ...hospital(), stage: 'deposit' },
      ['parameter_invalid', 'deposit_references'],
    ],
    [
      'a deposit with split lines',
      { ...hospital(), stage: 'deposit', deposit_references: null },
      ['parameter_unknown', 'lines[0].insurance_covered'],
    ],
  ];

  for (const [what, body, expected, options] of cases) {
    it(`refuses ${what} with ${expected[0]} on ${expected[1]}`, () => {
      assert.deepEqual(refusal(body, options), expected);
    });
  }

  it('has a case for every code it can answer (tariff and deposit codes: their own files)', () => {
    const covered = new Set([
      ...cases.map(([, , [code]]) => code),
      'parking_tariff_invalid',
      'deposit_not_found',
      'deposit_not_paid',
      'deposit_invoice_mismatch',
    ]);
    for (const code of Object.keys(BILL_ERRORS)) assert.ok(covered.has(code), code);
  });

  it('gives a refusal the HubError shape the exception filter maps', () => {
    const result = parseBillInput(withLine(fee(), 1, { amount: 1.5 }), OPTIONS);
    assert.ok(!result.ok);
    const error = BillError.from(result.error);
    assert.equal(error.code, 'amount_not_integer');
    assert.equal(error.param, 'lines[1].amount');
  });
});

const textArb = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((s) => /^[\p{L}\p{N} ]*\p{L}[\p{L}\p{N} ]*$/u.test(s));
const lineArb = fc.record({
  name: textArb,
  amount: fc.integer({ min: 1, max: 5_000_000 }),
  legal_basis: textArb,
});
const feeArb = fc.array(lineArb, { minLength: 1, maxLength: 100 }).map((lines) => ({ ...fee(), lines }));
const badAmountArb = fc.oneof(
  fc
    .double({ noInteger: true, noDefaultInfinity: true, noNaN: true })
    .map((v) => ({ value: v as unknown, codes: ['amount_not_integer', 'amount_not_positive'] })),
  fc
    .integer({ min: 1, max: 1_000_000 })
    .map((v) => ({ value: String(v) as unknown, codes: ['parameter_invalid'] })),
  fc
    .integer({ min: -1_000_000_000, max: 0 })
    .map((v) => ({ value: v as unknown, codes: ['amount_not_positive'] })),
  fc.constantFrom(null, undefined).map((v) => ({ value: v as unknown, codes: ['parameter_missing'] })),
);

describe('parseBillInput properties', () => {
  it('parses any valid fee bill, its amount the exact sum of its lines', () => {
    fc.assert(
      fc.property(feeArb, (body) => {
        const result = parseBillInput(body, OPTIONS);
        const sum = body.lines.reduce((total, line) => total + BigInt(line.amount), 0n);
        return (
          result.ok &&
          result.bill.amount === sum &&
          result.bill.lines.every((line, i) => line.amount === BigInt(body.lines[i]!.amount))
        );
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any line amount replaced by a float, a string, a non-positive or nothing, naming that line', () => {
    fc.assert(
      fc.property(feeArb, fc.nat(), badAmountArb, (body, pick, bad) => {
        const index = pick % body.lines.length;
        const result = parseBillInput(withLine(body, index, { amount: bad.value }), OPTIONS);
        return (
          !result.ok &&
          result.error.param === `lines[${index}].amount` &&
          bad.codes.includes(result.error.code)
        );
      }),
      { numRuns: 300 },
    );
  });
});
