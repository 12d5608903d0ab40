// The matcher's pure parts, and its fee formula in SQL checked against adapters/fees.ts computeFee on
// real Postgres (the two must agree to the dong, or every row would be a fee_mismatch).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { computeFee, type FeeRule } from '../../adapters/fees';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import {
  feeParameters,
  feeSql,
  parseSettlementDate,
  settlementTransfer,
  vietnamDay,
} from './reconciliation.matcher';

describe('reconciliation matcher', () => {
  it('takes real calendar days only', () => {
    assert.equal(parseSettlementDate('2026-11-21'), '2026-11-21');
    assert.equal(parseSettlementDate('2028-02-29'), '2028-02-29');
    for (const bad of [
      '2026-11-31',
      '2026-02-29',
      '2026-13-01',
      '26-11-21',
      '2026-11-21T00:00',
      '',
      '1999-12-31',
    ])
      assert.equal(parseSettlementDate(bad), null, bad);
  });

  it('spans a Vietnam day: midnight UTC+7 to the next', () => {
    const day = vietnamDay('2026-11-21');
    assert.equal(day.start.toISOString(), '2026-11-20T17:00:00.000Z');
    assert.equal(day.end.toISOString(), '2026-11-21T17:00:00.000Z');
  });

  it('books the payout bank <- clearing, a negative one the other way, and nothing for zero', () => {
    const base = {
      run_id: 'rcn_01M97NC0D5B3GDR27YHAXYBSA4',
      gateway: 'vnpay' as const,
      settlement_date: '2026-11-21',
    };
    assert.deepEqual(settlementTransfer({ ...base, payout: 1_000n }), {
      id: 'settle:rcn_01M97NC0D5B3GDR27YHAXYBSA4',
      debit_account_id: 'bank:collection',
      credit_account_id: 'clearing:vnpay',
      amount: 1_000n,
      currency: 'VND',
      code: 5,
      metadata: { reconciliation_run: base.run_id, settlement_date: '2026-11-21' },
    });
    const back = settlementTransfer({ ...base, payout: -250n })!;
    assert.deepEqual(
      [back.debit_account_id, back.credit_account_id, back.amount],
      ['clearing:vnpay', 'bank:collection', 250n],
    );
    assert.equal(settlementTransfer({ ...base, payout: 0n }), null);
  });

  it('passes no rule as no fee', () => {
    assert.deepEqual(feeParameters(undefined), ['0', '0', null, null]);
    assert.deepEqual(feeParameters({ percent: '1.1', fixed: 1_650n, min: 2_000n, max: 50_000n }), [
      '1.1',
      '1650',
      '2000',
      '50000',
    ]);
  });

  describe('the fee in SQL', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase();
    });
    after(async () => db?.drop());

    it('equals computeFee (capped at the amount) for any rule and amount', async () => {
      const rule = fc.record(
        {
          percent: fc
            .tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 999_999 }))
            .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(6, '0')}`),
          fixed: fc.bigInt({ min: 0n, max: 20_000n }),
          min: fc.bigInt({ min: 0n, max: 5_000n }),
          max: fc.bigInt({ min: 5_000n, max: 100_000n }),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          rule,
          fc.array(fc.bigInt({ min: 1n, max: 5_000_000_000n }), { minLength: 1, maxLength: 20 }),
          async (r, amounts) => {
            const feeRule = r as FeeRule;
            const found = await db.pool.query<{ fee: string }>(
              `SELECT (${feeSql('a', 1)})::text AS fee FROM unnest($5::bigint[]) WITH ORDINALITY AS t(a, n) ORDER BY n`,
              [...feeParameters(feeRule), amounts.map(String)],
            );
            const expected = amounts.map((amount) => {
              const fee = computeFee(amount, feeRule);
              return String(fee > amount ? amount : fee);
            });
            assert.deepEqual(
              found.rows.map((row) => row.fee),
              expected,
            );
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
