// Fees: one rounding rule, bounds respected, never a float.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Decimal from 'decimal.js';
import { FEE_ROUNDING, FeeError, computeFee, feeFor, parseFeeTable, type FeeRule } from './fees';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FeeError ? error.code : 'not a FeeError';
  }
  return undefined;
}

const percentArb = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 999 }))
  .map(([whole, frac]) => (whole === 100 ? '100' : `${whole}.${String(frac).padStart(3, '0')}`));
const wholeDong = fc.bigInt({ min: 0n, max: 10_000_000n });
const ruleArb: fc.Arbitrary<FeeRule> = fc
  .record({ percent: percentArb, fixed: wholeDong, min: wholeDong, max: wholeDong }, { requiredKeys: [] })
  .map((rule) =>
    rule.min !== undefined && rule.max !== undefined && rule.min > rule.max
      ? { ...rule, min: rule.max, max: rule.min }
      : rule,
  );
const amountArb = fc.bigInt({ min: 0n, max: 100_000_000_000n });

describe('computeFee', () => {
  it('names half-up as the one rounding rule', () => {
    assert.equal(FEE_ROUNDING, Decimal.ROUND_HALF_UP);
  });

  it('rounds half a dong up, once, at the end', () => {
    // 1.1 % of 150,050 = 1,650.55 -> 1,651; with 0.5 % of 100 = 0.5 -> 1.
    assert.equal(computeFee(150_050n, { percent: '1.1' }), 1_651n);
    assert.equal(computeFee(100n, { percent: '0.5' }), 1n);
    assert.equal(computeFee(100n, { percent: '0.4' }), 0n);
    // 1.1 % of 150,045 = 1,650.495: rounded once it is 1,650; rounding to cents first would give 1,651.
    assert.equal(computeFee(150_045n, { percent: '1.1' }), 1_650n);
    assert.equal(computeFee(150_000n, { percent: '1.1', fixed: 1_650n }), 3_300n);
  });

  it('clamps to min and max', () => {
    assert.equal(computeFee(10_000n, { percent: '1', min: 1_000n }), 1_000n);
    assert.equal(computeFee(100_000_000n, { percent: '1', max: 50_000n }), 50_000n);
    assert.equal(computeFee(0n, {}), 0n);
  });

  it('stays exact on amounts far beyond a float', () => {
    assert.equal(computeFee(123_456_789_012_345_678n, { percent: '0.001' }), 1_234_567_890_123n);
  });

  it('refuses garbage rules and amounts with a code', () => {
    assert.equal(
      code(() => computeFee(1n, { percent: '-1' })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(1n, { percent: '1e2' })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(1n, { percent: '100.5' })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(1n, { percent: 1.1 as unknown as string })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(1n, { fixed: -1n })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(1n, { min: 5n, max: 4n })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => computeFee(-1n, {})),
      'fee_amount_invalid',
    );
    assert.equal(
      code(() => computeFee(1 as unknown as bigint, {})),
      'fee_amount_invalid',
    );
  });

  it('keeps the fee within [min, max] and returns a bigint', () => {
    fc.assert(
      fc.property(amountArb, ruleArb, (amount, rule) => {
        const fee = computeFee(amount, rule);
        assert.equal(typeof fee, 'bigint');
        if (rule.min !== undefined) assert.ok(fee >= rule.min);
        if (rule.max !== undefined) assert.ok(fee <= rule.max);
        assert.ok(fee >= 0n);
      }),
    );
  });

  it('never charges less on a larger amount', () => {
    fc.assert(
      fc.property(amountArb, amountArb, ruleArb, (a, b, rule) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        assert.ok(computeFee(low, rule) <= computeFee(high, rule));
      }),
    );
  });

  it('agrees with exact integer arithmetic', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 0, max: 100_000 }), (amount, thousandths) => {
        // percent = thousandths / 1000 %, so fee = amount * thousandths / 100000, half up.
        const percent = new Decimal(thousandths).div(1000).toFixed(3);
        const scaled = amount * BigInt(thousandths);
        const expected = (scaled * 2n + 100_000n) / 200_000n;
        assert.equal(computeFee(amount, { percent }), expected);
      }),
    );
  });
});

describe('fee table', () => {
  const table = parseFeeTable({
    vnpay: {
      card_domestic: { percent: '1.1', fixed: '1650', min: 2000, max: '50000' },
      qr: { percent: '0.8' },
    },
  });

  it('computes the fee for a gateway and method from configuration', () => {
    assert.equal(feeFor(table, 'vnpay', 'card_domestic', 150_000n), 3_300n);
    assert.equal(feeFor(table, 'vnpay', 'card_domestic', 10_000n), 2_000n);
    assert.equal(feeFor(table, 'vnpay', 'qr', 150_000n), 1_200n);
  });

  it('reports a missing rule with a code', () => {
    assert.equal(
      code(() => feeFor(table, 'momo', 'wallet', 1n)),
      'fee_rule_missing',
    );
  });

  it('refuses unknown gateways, methods, fields and floats', () => {
    assert.equal(
      code(() => parseFeeTable({ paypal: {} })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable({ vnpay: { cash: {} } })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable({ vnpay: { qr: { percentage: '1' } } })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable({ vnpay: { qr: { percent: 1.1 } } })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable({ vnpay: { qr: { fixed: 1.5 } } })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable({ vnpay: { qr: { fixed: '-3' } } })),
      'fee_rule_invalid',
    );
    assert.equal(
      code(() => parseFeeTable([])),
      'fee_rule_invalid',
    );
  });

  it('names the offending setting', () => {
    try {
      parseFeeTable({ vnpay: { qr: { min: '9', max: '1' } } });
      assert.fail('expected a FeeError');
    } catch (error) {
      assert.ok(error instanceof FeeError);
      assert.equal(error.param, 'fees.vnpay.qr.min');
    }
  });
});
