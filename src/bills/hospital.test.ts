// Hospital settlement: deposits pay the patient's share first, any excess is refunded, nothing is lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveDeposits, settleHospitalBill, type HospitalLine, type StoredDeposit } from './hospital';

function line(insurance_covered: bigint, patient_pays: bigint): HospitalLine {
  return { name: 'Giường bệnh', amount: insurance_covered + patient_pays, insurance_covered, patient_pays };
}

describe('settleHospitalBill', () => {
  const lines = [line(800_000n, 200_000n), line(0n, 300_000n)];

  it('asks for the whole share when there is no deposit', () => {
    assert.deepEqual(settleHospitalBill(lines, []), {
      patient_share: 500_000n,
      amount_due: 500_000n,
      deposit_applied: 0n,
      deposit_refund: 0n,
    });
  });

  it('deducts deposits below the share and asks for the rest', () => {
    assert.deepEqual(settleHospitalBill(lines, [100_000n, 150_000n]), {
      patient_share: 500_000n,
      amount_due: 250_000n,
      deposit_applied: 250_000n,
      deposit_refund: 0n,
    });
  });

  it('asks for nothing when the deposit equals the share', () => {
    assert.equal(settleHospitalBill(lines, [500_000n]).amount_due, 0n);
    assert.equal(settleHospitalBill(lines, [500_000n]).deposit_refund, 0n);
  });

  it('refunds the excess deposit and never asks for a negative amount', () => {
    assert.deepEqual(settleHospitalBill(lines, [2_000_000n]), {
      patient_share: 500_000n,
      amount_due: 0n,
      deposit_applied: 500_000n,
      deposit_refund: 1_500_000n,
    });
    // Fully covered by insurance: the whole deposit goes back.
    assert.equal(settleHospitalBill([line(1_000_000n, 0n)], [300_000n]).deposit_refund, 300_000n);
  });

  it('throws on inputs validation should have refused', () => {
    assert.throws(() => settleHospitalBill([line(-1n, 5n)], []), RangeError);
    assert.throws(() => settleHospitalBill([{ ...line(1n, 5n), amount: 7n }], []), RangeError);
    assert.throws(() => settleHospitalBill(lines, [0n]), RangeError);
  });

  it('balances for any lines and deposits', () => {
    const partArb = fc.bigInt({ min: 0n, max: 500_000_000n });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(partArb, partArb), { minLength: 1, maxLength: 20 }),
        fc.array(fc.bigInt({ min: 1n, max: 500_000_000n }), { maxLength: 5 }),
        (parts, deposits) => {
          const settled = settleHospitalBill(
            parts.map(([a, b]) => line(a, b)),
            deposits,
          );
          const share = parts.reduce((total, [, b]) => total + b, 0n);
          const paid = deposits.reduce((total, d) => total + d, 0n);
          return (
            settled.patient_share === share &&
            settled.amount_due >= 0n &&
            settled.deposit_refund >= 0n &&
            settled.amount_due + settled.deposit_applied === share &&
            settled.deposit_applied + settled.deposit_refund === paid &&
            (settled.amount_due === 0n || settled.deposit_refund === 0n)
          );
        },
      ),
    );
  });
});

describe('resolveDeposits', () => {
  const found = new Map<string, StoredDeposit>([
    ['TU-1', { invoice_number: 'HD-9', status: 'paid', amount: 1_000_000n }],
    ['TU-2', { invoice_number: 'HD-9', status: 'paid', amount: 500_000n }],
    ['TU-3', { invoice_number: 'HD-9', status: 'open', amount: 500_000n }],
    ['TU-4', { invoice_number: 'HD-8', status: 'paid', amount: 500_000n }],
  ]);

  it('gives the amounts of paid deposits of the same invoice, in the order named', () => {
    assert.deepEqual(resolveDeposits(['TU-2', 'TU-1'], 'HD-9', found), {
      ok: true,
      value: [500_000n, 1_000_000n],
    });
    assert.deepEqual(resolveDeposits([], 'HD-9', found), { ok: true, value: [] });
  });

  it('refuses an unknown, unpaid or foreign deposit, naming it', () => {
    const cases: [string, string][] = [
      ['TU-0', 'deposit_not_found'],
      ['TU-3', 'deposit_not_paid'],
      ['TU-4', 'deposit_invoice_mismatch'],
    ];
    for (const [reference, code] of cases) {
      const result = resolveDeposits(['TU-1', reference], 'HD-9', found);
      assert.deepEqual(result.ok ? null : [result.error.code, result.error.param], [
        code,
        'deposit_references[1]',
      ]);
    }
  });
});
