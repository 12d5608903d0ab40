import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percent, periodDays, periodOf, StatementAccumulator, vietnamDayStart } from './statement';

describe('statement periods', () => {
  it('starts a Vietnam day at 17:00 UTC the day before', () => {
    assert.equal(vietnamDayStart('2026-12-07')?.toISOString(), '2026-12-06T17:00:00.000Z');
  });

  it('refuses dates that do not exist or are not YYYY-MM-DD', () => {
    for (const text of ['2026-02-29', '2026-13-01', '2026-1-01', '07-12-2026', '1999-12-31', ''])
      assert.equal(vietnamDayStart(text), null, text);
    assert.ok(vietnamDayStart('2028-02-29'));
  });

  it('covers both ends of a period, whole days', () => {
    const period = periodOf('2026-12-01', '2026-12-31')!;
    assert.equal(period.end.toISOString(), '2026-12-31T17:00:00.000Z');
    assert.equal(periodDays(period), 31);
    assert.equal(periodDays(periodOf('2026-12-07', '2026-12-07')!), 1);
  });
});

describe('statement totals', () => {
  it('adds up payments by fee and method, refunds, the fees the agency bears and payouts', () => {
    const at = new Date('2026-12-07T03:00:00Z');
    const payment = (amount: bigint, method: string, fee: bigint, lines: Array<[string, bigint]>) => ({
      type: 'payment' as const,
      receipt_id: 'rcp_x',
      number: 1n,
      template_symbol: 'T',
      series_symbol: 'S',
      status: 'issued' as const,
      payer_name: 'A',
      lines: lines.map(([fee_name, line]) => ({ fee_name, amount: line })),
      amount,
      method,
      gateway_transaction_id: null,
      payment_intent_id: null,
      paid_at: at,
      booked_at: at,
      fee,
    });
    const totals = new StatementAccumulator();
    totals.add(
      payment(70_000n, 'vnpay', 1_100n, [
        ['Lệ phí', 50_000n],
        ['Phí', 20_000n],
      ]),
    );
    totals.add(payment(30_000n, 'momo', 0n, [['Lệ phí', 30_000n]]));
    totals.add({
      type: 'refund',
      refund_id: 're_x',
      payment_intent_id: 'pi_x',
      amount: 20_000n,
      method: 'vnpay',
      gateway_refund_id: null,
      receipt_id: null,
      receipt_number: null,
      template_symbol: null,
      series_symbol: null,
      payer_name: null,
      receipt_action: null,
      refund_receipt_id: null,
      refund_receipt_number: null,
      refund_receipt_template: null,
      refund_receipt_series: null,
      booked_at: at,
    });
    totals.add({ type: 'payout', payout_id: 'po_x', item_id: 'poi_x', amount: 50_000n, booked_at: at });
    const result = totals.totals();
    assert.deepEqual(result.payments, { count: 2, amount: 100_000n });
    assert.deepEqual(result.fees, { count: 1, amount: 1_100n });
    assert.equal(result.net, 100_000n - 20_000n - 1_100n);
    assert.equal(result.payable_movement, result.net - 50_000n);
    assert.deepEqual(result.by_fee, [
      { fee_name: 'Lệ phí', count: 2, amount: 80_000n },
      { fee_name: 'Phí', count: 1, amount: 20_000n },
    ]);
    assert.deepEqual(
      result.by_method.map((method) => [
        method.method,
        method.net,
        method.percent_of_count,
        method.percent_of_amount,
      ]),
      [
        ['momo', 30_000n, '50.00', '30.00'],
        ['vnpay', 50_000n, '50.00', '70.00'],
      ],
    );
  });

  it('rounds percentages half up to 2 decimals, and has none of nothing', () => {
    assert.equal(percent(2, 3), '66.67');
    assert.equal(percent(1, 8), '12.50');
    assert.equal(percent(1n, 200_000n), '0.00');
    assert.equal(percent(1n, 80_000n), '0.00');
    assert.equal(percent(1n, 800n), '0.13');
    assert.equal(percent(0, 0), null);
  });
});
