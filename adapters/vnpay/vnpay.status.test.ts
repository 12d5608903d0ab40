// VNPay's codes: paid only on 00/00, explicit declines final, everything unknown pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentStatus, refundStatus, transactionState } from './vnpay.status';

describe('VNPay status mapping', () => {
  it('is paid if and only if both codes are 00', () => {
    assert.equal(paymentStatus('00', '00'), 'succeeded');
    assert.equal(paymentStatus('07', '00'), 'pending');
    assert.equal(paymentStatus('00', '01'), 'pending');
  });

  it('fails a payment on an explicit decline', () => {
    for (const code of ['09', '10', '11', '12', '13', '24', '51', '65', '75', '79']) {
      assert.equal(paymentStatus(code, '02'), 'failed', code);
      assert.equal(paymentStatus(code, '01'), 'failed', code);
    }
    assert.equal(paymentStatus('99', '02'), 'failed');
  });

  it('leaves suspected fraud, unknown codes and missing codes pending', () => {
    assert.equal(paymentStatus('07', '02'), 'pending');
    assert.equal(paymentStatus('00', '07'), 'pending');
    assert.equal(paymentStatus('42', '01'), 'pending');
    assert.equal(paymentStatus('99', '01'), 'pending');
    assert.equal(paymentStatus('00', '88'), 'pending');
    assert.equal(paymentStatus(undefined, undefined), 'pending');
    assert.equal(transactionState('88'), 'unknown');
  });

  it('maps every documented transaction status', () => {
    const states = ['00', '01', '02', '04', '05', '06', '07', '09'].map(transactionState);
    assert.ok(!states.includes('unknown'));
    assert.equal(new Set(states).size, 8);
  });

  it('maps refund answers', () => {
    assert.equal(refundStatus('00', '06'), 'succeeded');
    assert.equal(refundStatus('00', '05'), 'pending');
    assert.equal(refundStatus('00', '09'), 'failed');
    assert.equal(refundStatus('95', undefined), 'failed');
    assert.equal(refundStatus('94', undefined), 'pending');
    assert.equal(refundStatus('42', undefined), 'pending');
  });
});
