// The transfer matcher: finding the payment reference in descriptions banks have mangled, classifying
// a transfer against the hub's bills (each of the four outcomes and their precedence), and properties
// over random references, noise, case and punctuation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AdapterError } from '../contract';
import {
  checkReferenceShape,
  classifyTransfer,
  CROCKFORD_ALPHABET,
  decideTransfer,
  findReferences,
  generateVietQrReference,
  isVietQrReference,
  normalizeDescription,
  notificationOutcome,
  REFERENCE_CANDIDATES_MAX,
  VIETQR_REFERENCE_SHAPE,
  type VietQrBill,
  type VietQrBillLookup,
  type VietQrReferenceShape,
} from './vietqr.matcher';

const SHORT: VietQrReferenceShape = { prefix: 'PH', body_length: 8 };

/** An in-memory hub: bills by reference, booked bank references. */
function lookupOf(bills: readonly VietQrBill[], seen: readonly string[] = []) {
  const asked: string[][] = [];
  const lookup: VietQrBillLookup = {
    findByReferences: async (references) => {
      asked.push([...references]);
      return bills.filter((bill) => references.includes(bill.reference));
    },
    seenBankRef: (bank_ref) => seen.includes(bank_ref),
  };
  return { lookup, asked };
}

function bill(reference: string, amount = 150_000n, already_paid = false): VietQrBill {
  return { reference, merchant_ref: reference, amount, already_paid };
}

describe('VietQR reference finding', () => {
  it('finds a reference whatever the bank did to case, punctuation and the text around it', () => {
    for (const description of [
      'CT DEN:123456 PH7K3M9Q2X thanh toan',
      'ph7k-3m9q 2x',
      'MBVCB.1234.PH7K3M9Q2X.CT tu 0123 NGUYEN VAN A',
      'Chuyển tiền ph7k.3m9q.2x lệ phí',
      'PH7K3M9Q2X',
    ]) {
      assert.deepEqual(findReferences(description, SHORT), ['PH7K3M9Q2X'], description);
    }
  });

  it('reads O, I and L in a reference body as 0, 1 and 1 (Crockford)', () => {
    assert.deepEqual(findReferences('pz7k3m9q2xoo1l pay', VIETQR_REFERENCE_SHAPE), ['PZ7K3M9Q2X0011']);
  });

  it('finds nothing in Vietnamese names and bank text under the recommended shape', () => {
    for (const description of [
      'PHAM VAN PHI chuyen tien phi ho so',
      'MBVCB.1234567.FT26326123456789.IBFT',
      'Nguyễn Thị Phương Thảo nộp phạt',
      '',
    ]) {
      assert.deepEqual(findReferences(description), [], description);
    }
  });

  it('lists distinct candidates in order, up to the limit', () => {
    const a = 'PZ0000000000AA';
    const b = 'PZ1111111111BB';
    assert.deepEqual(findReferences(`${b} ${a} ${b.toLowerCase()}`), [b, a]);
    const many = Array.from({ length: 40 }, (_, i) => `PZ${String(i).padStart(12, '0')}`).join(' ');
    assert.equal(findReferences(many).length, REFERENCE_CANDIDATES_MAX);
  });

  it('normalizes to upper-case letters and digits without diacritics', () => {
    assert.equal(normalizeDescription('Lệ phí: hs-2026/01 Đà'), 'LEPHIHS202601DA');
  });

  it('generates canonical references of the shape from random bytes', () => {
    const bytes = Uint8Array.from([0, 1, 31, 32, 255, 10, 11, 12, 13, 14, 15, 16]);
    const reference = generateVietQrReference(VIETQR_REFERENCE_SHAPE, () => bytes);
    assert.equal(reference, 'PZ01Z0ZABCDEFG');
    assert.ok(isVietQrReference(reference));
    assert.ok(isVietQrReference(generateVietQrReference()));
    assert.equal(isVietQrReference('PZ01Z0ZABCDEFO'), false);
    assert.equal(isVietQrReference('PZ01Z0ZABCDEF'), false);
    assert.equal(isVietQrReference('XZ01Z0ZABCDEFG'), false);
  });

  it('draws again a reference in which the prefix would start again (an overlapping second candidate)', () => {
    // 22 and 31 are P and Z: PZ + PZ0000000000, then PZ + 000000000P; the third draw is kept.
    const draws = [
      Uint8Array.from([22, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 22]),
      Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    ];
    let calls = 0;
    const reference = generateVietQrReference(VIETQR_REFERENCE_SHAPE, () => draws[calls++]!);
    assert.equal(reference, 'PZ123456789ABC');
    assert.equal(calls, 3);
    // What the first draw would have made: a second candidate when text follows it.
    assert.deepEqual(findReferences('PZPZ0000000000 CHUYEN KHOAN'), ['PZPZ0000000000', 'PZ0000000000CH']);
    assert.deepEqual(findReferences(`${reference} CHUYEN KHOAN`), [reference]);
    // A source that keeps giving the same bytes still gets a reference.
    assert.equal(
      generateVietQrReference(VIETQR_REFERENCE_SHAPE, () => draws[0]!),
      'PZPZ0000000000',
    );
  });

  it('refuses a shape that cannot work with vietqr_config_invalid on reference_shape', () => {
    for (const shape of [
      { prefix: '', body_length: 12 },
      { prefix: 'pz', body_length: 12 },
      { prefix: 'PZ-', body_length: 12 },
      { prefix: 'PZ', body_length: 5 },
      { prefix: 'PZ', body_length: 24 },
      { prefix: 'PZ', body_length: 12.5 },
    ]) {
      assert.throws(
        () => checkReferenceShape(shape),
        (error) => error instanceof AdapterError && error.param === 'reference_shape',
        JSON.stringify(shape),
      );
    }
    assert.equal(checkReferenceShape(SHORT), SHORT);
  });
});

describe('VietQR transfer classification', () => {
  const reference = 'PZ7K3M9Q2XABCD';
  const transfer = {
    amount: 150_000n,
    description: `MBVCB.99.${reference}.CT tu NGUYEN VAN A`,
    bank_ref: 'FT1',
  };

  it('matches a transfer with a known reference and the right amount, to be booked to the bill', async () => {
    const { lookup, asked } = lookupOf([bill(reference), bill('PZ0000000000AA')]);
    const result = await classifyTransfer(transfer, lookup);
    assert.deepEqual(result, { outcome: 'matched', booking: 'bill', bill: bill(reference) });
    assert.deepEqual(asked, [[reference]]);
    assert.equal(notificationOutcome(result), 'recorded');
  });

  it('reports under- and over-payment as amount_mismatch, to suspense', async () => {
    for (const [amount, difference] of [
      [149_999n, 'under'],
      [150_001n, 'over'],
    ] as const) {
      const { lookup } = lookupOf([bill(reference)]);
      const result = await classifyTransfer({ ...transfer, amount }, lookup);
      assert.deepEqual(result, {
        outcome: 'amount_mismatch',
        booking: 'suspense',
        bill: bill(reference),
        expected_amount: 150_000n,
        received_amount: amount,
        difference,
      });
      assert.equal(notificationOutcome(result), 'recorded');
    }
  });

  it('reports a description without a known reference as unknown_reference, to suspense', async () => {
    const { lookup, asked } = lookupOf([bill('PZ0000000000AA')]);
    const result = await classifyTransfer(transfer, lookup);
    assert.deepEqual(result, {
      outcome: 'unknown_reference',
      booking: 'suspense',
      references: [reference],
      ambiguous: [],
    });
    const none = await classifyTransfer({ ...transfer, description: 'chuyen tien' }, lookup);
    assert.deepEqual(none, {
      outcome: 'unknown_reference',
      booking: 'suspense',
      references: [],
      ambiguous: [],
    });
    assert.equal(asked.length, 1, 'no lookup when the description holds no candidate');
  });

  it('never matches a description with two known references: unknown_reference listing both', async () => {
    const other = 'PZ0000000000AA';
    const { lookup } = lookupOf([bill(reference), bill(other)]);
    const result = await classifyTransfer({ ...transfer, description: `${reference} ${other}` }, lookup);
    assert.equal(result.outcome, 'unknown_reference');
    assert.ok(result.outcome === 'unknown_reference');
    assert.deepEqual(result.ambiguous.map((b) => b.reference).sort(), [other, reference].sort());
    assert.equal(result.booking, 'suspense');
  });

  it('reports a bank_ref already booked as duplicate same_transfer, booking nothing, before any lookup', async () => {
    const { lookup, asked } = lookupOf([bill(reference)], ['FT1']);
    const result = await classifyTransfer(transfer, lookup);
    assert.deepEqual(result, { outcome: 'duplicate', cause: 'same_transfer', booking: 'none' });
    assert.deepEqual(asked, []);
    assert.equal(notificationOutcome(result), 'already_confirmed');
  });

  it('reports a second transfer for a paid bill as duplicate bill_already_paid, to suspense', async () => {
    const paid = bill(reference, 150_000n, true);
    const { lookup } = lookupOf([paid]);
    const result = await classifyTransfer({ ...transfer, bank_ref: 'FT2' }, lookup);
    assert.deepEqual(result, {
      outcome: 'duplicate',
      cause: 'bill_already_paid',
      booking: 'suspense',
      bill: paid,
    });
    assert.equal(notificationOutcome(result), 'recorded');
    // A paid bill wins over a wrong amount: the bill is settled either way.
    const wrong = await classifyTransfer({ ...transfer, amount: 1n, bank_ref: 'FT3' }, lookup);
    assert.equal(wrong.outcome, 'duplicate');
  });

  it('ignores bills the lookup returns for references that are not in the description', () => {
    const result = decideTransfer(transfer, {
      bank_ref_seen: false,
      references: [reference],
      bills: [bill('PZ0000000000AA'), bill(reference), bill(reference)],
    });
    assert.equal(result.outcome, 'matched');
  });
});

// Random references of the recommended shape and of a custom one.
const shapes = fc.constantFrom(VIETQR_REFERENCE_SHAPE, SHORT, { prefix: 'HUE1', body_length: 10 });
const referenceOf = (shape: VietQrReferenceShape) =>
  fc
    .uint8Array({ minLength: shape.body_length, maxLength: shape.body_length })
    .map((bytes) => generateVietQrReference(shape, () => bytes));
const separator = fc.constantFrom('', '', '', ' ', '-', '.', '_', '/', ':', ' - ', '  ');
/** A reference as a bank or a payer may write it: each character in either case, separators between. */
const mangled = (reference: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: reference.length, maxLength: reference.length }),
      fc.array(separator, { minLength: reference.length, maxLength: reference.length }),
    )
    .map(([lower, gaps]) =>
      [...reference].map((ch, i) => (lower[i] ? ch.toLowerCase() : ch) + (gaps[i] ?? '')).join(''),
    );
const noiseUnit = fc.oneof(
  fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-/_'),
  fc.constantFrom(...'ăâđêôơưáàảãạếềệốồộớờợúùủũụĐ'),
);
const noise = fc.string({ unit: noiseUnit, maxLength: 40 });

describe('VietQR matcher properties', () => {
  it('finds a random reference under random case, punctuation and surrounding text', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapes
          .chain((shape) => fc.tuple(fc.constant(shape), referenceOf(shape)))
          .chain(([shape, reference]) =>
            fc.tuple(fc.constant(shape), fc.constant(reference), mangled(reference), noise, noise),
          ),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        async ([shape, reference, written, before, after], amount) => {
          const description = `${before} ${written} ${after}`;
          const { lookup } = lookupOf([{ reference, merchant_ref: 'm', amount, already_paid: false }]);
          const result = await classifyTransfer({ amount, description, bank_ref: 'FT1' }, lookup, shape);
          assert.equal(result.outcome, 'matched', description);
          assert.ok(findReferences(description, shape).every((r) => isVietQrReference(r, shape)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives unknown_reference for random descriptions that hold no known reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(referenceOf(VIETQR_REFERENCE_SHAPE), { maxLength: 5 }),
        fc.oneof(
          noise,
          fc.string({ maxLength: 80 }),
          fc.constantFrom('PZ', 'pz ', 'PZ' + CROCKFORD_ALPHABET),
        ),
        async (references, description) => {
          const normalized = normalizeDescription(description);
          fc.pre(references.every((r) => !normalized.includes(r)));
          const { lookup } = lookupOf(references.map((r) => bill(r)));
          const result = await classifyTransfer({ amount: 150_000n, description, bank_ref: 'FT1' }, lookup);
          assert.equal(result.outcome, 'unknown_reference');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never matches a description carrying two known references', async () => {
    await fc.assert(
      fc.asyncProperty(
        referenceOf(VIETQR_REFERENCE_SHAPE),
        referenceOf(VIETQR_REFERENCE_SHAPE),
        noise,
        noise,
        async (a, b, before, after) => {
          fc.pre(a !== b);
          const { lookup } = lookupOf([bill(a), bill(b)]);
          const description = `${before} ${a.toLowerCase()} ${after} ${b}`;
          const result = await classifyTransfer({ amount: 150_000n, description, bank_ref: 'FT1' }, lookup);
          assert.equal(result.outcome, 'unknown_reference');
          assert.ok(result.outcome === 'unknown_reference');
          assert.equal(result.ambiguous.length, 2);
        },
      ),
      { numRuns: 200 },
    );
  });
});
