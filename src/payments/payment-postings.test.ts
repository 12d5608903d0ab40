// The postings of a paid intent: one linked group, ids from the intent, the fee booked per its bearer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentTransfers, suspenseTransfers } from './payment-postings';

const INPUT = {
  gateway: 'vnpay' as const,
  biller_id: 'blr_1',
  bill_id: 'bill_1',
  payment_intent_id: 'pi_1',
  gateway_txn_id: '14226001',
  amount: 150_000n,
  fee_bearer: 'hub' as const,
};

describe('payment postings', () => {
  it('posts the amount to the payable alone when there is no fee', () => {
    const transfers = paymentTransfers({ ...INPUT, fee: 0n });
    assert.deepEqual(
      transfers.map((t) => [
        t.id,
        t.debit_account_id,
        t.credit_account_id,
        t.amount,
        t.flags?.linked ?? false,
      ]),
      [['pay:pi_1', 'clearing:vnpay', 'payable:blr_1', 150_000n, false]],
    );
  });

  it('books the fee from the fee expense against clearing, linked to the payment, capped at the amount', () => {
    const transfers = paymentTransfers({ ...INPUT, fee: 1_650n });
    assert.deepEqual(
      transfers.map((t) => [
        t.id,
        t.debit_account_id,
        t.credit_account_id,
        t.amount,
        t.flags?.linked ?? false,
      ]),
      [
        ['pay:pi_1', 'clearing:vnpay', 'payable:blr_1', 150_000n, true],
        ['pay:pi_1:fee', 'fees:vnpay', 'clearing:vnpay', 1_650n, false],
      ],
    );
    assert.equal(paymentTransfers({ ...INPUT, fee: 999_999n })[1]!.amount, 150_000n);
  });

  it("deducts the fee from the biller's payable when the biller bears it", () => {
    const transfers = paymentTransfers({ ...INPUT, fee: 1_650n, fee_bearer: 'biller' });
    assert.deepEqual(
      transfers.map((t) => [
        t.id,
        t.debit_account_id,
        t.credit_account_id,
        t.amount,
        t.flags?.linked ?? false,
      ]),
      [
        ['pay:pi_1', 'clearing:vnpay', 'payable:blr_1', 150_000n, true],
        ['pay:pi_1:fee', 'payable:blr_1', 'clearing:vnpay', 1_650n, false],
      ],
    );
    // Net: the agency is owed amount - fee, and clearing holds what the gateway will pay out.
    const net = (account: string) =>
      transfers.reduce(
        (sum, t) =>
          sum +
          (t.credit_account_id === account ? t.amount! : 0n) -
          (t.debit_account_id === account ? t.amount! : 0n),
        0n,
      );
    assert.equal(net('payable:blr_1'), 148_350n);
    assert.equal(-net('clearing:vnpay'), 148_350n);
  });

  it('holds a payment that cannot pay its bill in suspense, keyed by the gateway transaction', () => {
    const [transfer] = suspenseTransfers(INPUT);
    assert.deepEqual(
      [transfer!.id, transfer!.debit_account_id, transfer!.credit_account_id, transfer!.amount],
      ['suspense:pi_1:14226001', 'clearing:vnpay', 'suspense:vnpay', 150_000n],
    );
  });
});
