// The postings of a refund: a pending reservation payable → clearing (the payment's reverse), resolved
// by a post or a void of it, every id derived from the refund so that a retry can only answer `exists`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentTransfers } from '../payments/payment-postings';
import {
  lateRefundTransfer,
  postTransfer,
  REFUND_RESERVATION_TIMEOUT_SECONDS,
  REFUND_TRANSFER_CODE,
  reservationTransfer,
  voidTransfer,
} from './refund-postings';

const INPUT = {
  refund_id: 're_1',
  gateway: 'momo' as const,
  biller_id: 'blr_1',
  payment_intent_id: 'pi_1',
  amount: 50_000n,
};

describe('refund postings', () => {
  it('reserves the reverse of the payment as a pending transfer with a long timeout', () => {
    const reservation = reservationTransfer(INPUT);
    const [payment] = paymentTransfers({
      gateway: 'momo',
      biller_id: 'blr_1',
      bill_id: 'bill_1',
      payment_intent_id: 'pi_1',
      gateway_txn_id: '1',
      amount: 150_000n,
      fee: 0n,
      fee_bearer: 'hub',
    });
    assert.equal(reservation.id, 'refund:re_1');
    assert.equal(reservation.debit_account_id, payment!.credit_account_id);
    assert.equal(reservation.credit_account_id, payment!.debit_account_id);
    assert.equal(reservation.amount, 50_000n);
    assert.deepEqual(reservation.flags, { pending: true });
    assert.equal(reservation.code, REFUND_TRANSFER_CODE);
    assert.ok(REFUND_RESERVATION_TIMEOUT_SECONDS >= 24 * 60 * 60);
    assert.equal(reservation.timeout_seconds, REFUND_RESERVATION_TIMEOUT_SECONDS);
  });

  it('posts or voids that reservation, under ids of their own that never collide', () => {
    const post = postTransfer(INPUT);
    const voided = voidTransfer(INPUT);
    assert.deepEqual([post.pending_id, voided.pending_id], ['refund:re_1', 'refund:re_1']);
    assert.deepEqual(post.flags, { post_pending_transfer: true });
    assert.deepEqual(voided.flags, { void_pending_transfer: true });
    // A post takes the whole reservation: no amount, so a retry is the very same transfer.
    assert.equal(post.amount, undefined);
    const ids = [reservationTransfer(INPUT).id, post.id, voided.id, lateRefundTransfer(INPUT).id];
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(reservationTransfer(INPUT), reservationTransfer({ ...INPUT }));
  });

  it('books a refund confirmed after its reservation expired as a plain transfer', () => {
    const late = lateRefundTransfer(INPUT);
    assert.equal(late.flags, undefined);
    assert.equal(late.debit_account_id, 'payable:blr_1');
    assert.equal(late.credit_account_id, 'clearing:momo');
    assert.equal(late.amount, 50_000n);
  });
});
