// MoMo resultCode to the hub's statuses: only explicit answers are final, unknown means pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallbackOutcome } from '../contract';
import {
  createDeclineRetryable,
  createStatus,
  ipnReply,
  momoResult,
  paymentStatus,
  refundStatus,
} from './momo.status';

describe('MoMo status mapping', () => {
  it('treats 0 and 9000 as paid', () => {
    assert.equal(paymentStatus(0), 'succeeded');
    assert.equal(paymentStatus(9000), 'succeeded');
  });

  it('treats the explicit payer declines as failed', () => {
    for (const code of [1001, 1002, 1003, 1004, 1005, 1006])
      assert.equal(paymentStatus(code), 'failed', String(code));
  });

  it('leaves in-flight, request-level and unknown codes pending', () => {
    for (const code of [
      1000,
      7000,
      7002,
      8000,
      10,
      11,
      12,
      13,
      20,
      22,
      40,
      41,
      42,
      99,
      1080,
      9999,
      -1,
      undefined,
    ]) {
      assert.equal(paymentStatus(code), 'pending', String(code));
    }
    assert.equal(momoResult(424242), 'unknown');
  });

  it('maps refund answers: 0 done, refused requests failed, duplicates and unknown pending', () => {
    assert.equal(refundStatus(0), 'succeeded');
    for (const code of [10, 11, 12, 13, 20, 22, 42, 1001, 1002, 1004, 1080, 1081])
      assert.equal(refundStatus(code), 'failed', String(code));
    for (const code of [40, 41, 7000, 1000, 9000, undefined])
      assert.equal(refundStatus(code), 'pending', String(code));
  });

  it('never calls a create answer succeeded', () => {
    assert.equal(createStatus(0), 'pending');
    assert.equal(createStatus(41), 'pending');
    assert.equal(createStatus(20), 'failed');
  });

  it('offers a retry of a refused create only when the refusal may pass next time', () => {
    for (const code of [10, 7000, 424242]) assert.equal(createDeclineRetryable(code), true, String(code));
    for (const code of [11, 13, 20, 22, 41]) assert.equal(createDeclineRetryable(code), false, String(code));
  });

  it('acknowledges settled IPN outcomes with 204 and nothing else', () => {
    const expected: Record<CallbackOutcome, number> = {
      recorded: 204,
      already_confirmed: 204,
      order_not_found: 204,
      amount_mismatch: 204,
      bad_signature: 400,
      malformed: 400,
      wrong_merchant: 400,
      error: 500,
    };
    for (const [outcome, status] of Object.entries(expected)) {
      const reply = ipnReply(outcome as CallbackOutcome);
      assert.equal(reply.status, status, outcome);
      assert.equal(reply.body, '');
    }
  });
});
