// ZaloPay's codes: 1 paid, 2 failed unless the request itself was refused, 3 and unknown pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallbackOutcome } from '../contract';
import { callbackAnswer, queryStatus, refundStatus, zalopayState } from './zalopay.status';

describe('ZaloPay status mapping', () => {
  it('maps query return_code 1 paid, 2 failed, 3 pending', () => {
    assert.equal(queryStatus(1, undefined), 'succeeded');
    assert.equal(queryStatus(2, undefined), 'failed');
    assert.equal(queryStatus(2, -54), 'failed');
    assert.equal(queryStatus(3, undefined), 'pending');
  });

  it('leaves a refused query, unknown codes and missing codes pending', () => {
    for (const sub of [-401, -402, -429, -500, -999])
      assert.equal(queryStatus(2, sub), 'pending', String(sub));
    assert.equal(queryStatus(0, undefined), 'pending');
    assert.equal(queryStatus(-1, undefined), 'pending');
    assert.equal(queryStatus(4, undefined), 'pending');
    assert.equal(queryStatus(undefined, undefined), 'pending');
    assert.equal(zalopayState(42), 'unknown');
  });

  it('maps every documented return_code to a distinct state', () => {
    const states = [1, 2, 3].map(zalopayState);
    assert.ok(!states.includes('unknown'));
    assert.equal(new Set(states).size, 3);
  });

  it('maps refund answers: refused requests fail, outages stay pending', () => {
    assert.equal(refundStatus(1, undefined), 'succeeded');
    assert.equal(refundStatus(3, undefined), 'pending');
    assert.equal(refundStatus(2, undefined), 'failed');
    assert.equal(refundStatus(2, -401), 'failed');
    assert.equal(refundStatus(2, -402), 'failed');
    for (const sub of [-429, -500, -999]) assert.equal(refundStatus(2, sub), 'pending', String(sub));
    assert.equal(refundStatus(7, undefined), 'pending');
    assert.equal(refundStatus(undefined, undefined), 'pending');
  });

  it('answers callbacks with 1, -1 or 0 for every outcome', () => {
    const expected: [CallbackOutcome, number][] = [
      ['recorded', 1],
      ['already_confirmed', 1],
      ['bad_signature', -1],
      ['malformed', -1],
      ['wrong_merchant', -1],
      ['order_not_found', 0],
      ['amount_mismatch', 0],
      ['error', 0],
    ];
    for (const [outcome, code] of expected) assert.equal(callbackAnswer(outcome).return_code, code, outcome);
    assert.deepEqual(callbackAnswer('recorded'), { return_code: 1, return_message: 'success' });
  });
});
