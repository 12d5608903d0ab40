// querydr and refund: signed request bodies, verified answers, typed rejections; the HTTP call goes to
// an injected fetch that plays VNPay (no simulator yet).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentQuery, RefundRequest } from '../contract';
import { VnpayClient } from './vnpay.client';
import {
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  signFields,
} from './vnpay.signature';

const SECRET = 'VNPAYTESTSECRETHUEPAYHUB0000000001';

const query: PaymentQuery = {
  request_id: 'req-20261122-0001',
  merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
  payment_created_at: new Date('2026-11-22T02:40:00Z'),
  requested_at: new Date('2026-11-22T03:00:00Z'),
  requester_ip: '127.0.0.1',
};

const refund: RefundRequest = {
  refund_ref: 're_01JD3K8Y5Z0000000000000001',
  merchant_ref: 'pi_01JD3K8Y5Z0000000000000001',
  gateway_txn_id: '14226112',
  amount: 50_000n,
  payment_amount: 150_000n,
  payment_created_at: new Date('2026-11-22T02:40:00Z'),
  reason: 'Hoàn phí (nộp trùng)',
  requested_by: 'nguyễn văn a',
  requested_at: new Date('2026-11-23T01:00:00Z'),
  requester_ip: '10.0.0.5',
};

const queryAnswer: Record<string, string> = {
  vnp_ResponseId: 'b7e5f3a1',
  vnp_Command: 'querydr',
  vnp_ResponseCode: '00',
  vnp_Message: 'QueryDR Success',
  vnp_TmnCode: 'HUEPAYA1',
  vnp_TxnRef: 'pi_01JD3K8Y5Z0000000000000001',
  vnp_Amount: '15000000',
  vnp_BankCode: 'NCB',
  vnp_PayDate: '20261122094512',
  vnp_TransactionNo: '14226112',
  vnp_TransactionType: '01',
  vnp_TransactionStatus: '00',
  vnp_OrderInfo: 'Thanh toan le phi ho so HS-2026-000123',
};

const refundAnswer: Record<string, string> = {
  vnp_ResponseId: 'c1d2e3f4',
  vnp_Command: 'refund',
  vnp_ResponseCode: '00',
  vnp_Message: 'Refund success',
  vnp_TmnCode: 'HUEPAYA1',
  vnp_TxnRef: 'pi_01JD3K8Y5Z0000000000000001',
  vnp_Amount: '5000000',
  vnp_BankCode: 'NCB',
  vnp_PayDate: '20261123080000',
  vnp_TransactionNo: '14226999',
  vnp_TransactionType: '03',
  vnp_TransactionStatus: '05',
  vnp_OrderInfo: 'Hoan phi nop trung',
};

function sign(answer: Record<string, string>, fields: readonly string[], secret = SECRET) {
  return { ...answer, vnp_SecureHash: signFields(answer, fields, secret) };
}

function fakeFetch(answer: unknown, seen: { url?: string; body?: Record<string, string> }): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.body = JSON.parse(init.body as string) as Record<string, string>;
    return new Response(typeof answer === 'string' ? answer : JSON.stringify(answer), { status: 200 });
  }) as unknown as typeof fetch;
}

function clientAnswering(answer: unknown, seen: { url?: string; body?: Record<string, string> } = {}) {
  return new VnpayClient({ tmn_code: 'HUEPAYA1', hash_secret: SECRET, fetch: fakeFetch(answer, seen) });
}

describe('VNPay querydr', () => {
  it('posts the signed body to the transaction endpoint and reads a paid answer', async () => {
    const seen: { url?: string; body?: Record<string, string> } = {};
    const answer = await clientAnswering(sign(queryAnswer, QUERYDR_RESPONSE_FIELDS), seen).transactions.query(
      query,
    );
    assert.equal(seen.url, 'https://sandbox.vnpayment.vn/merchant_webapi/api/transaction');
    assert.equal(seen.body?.vnp_Command, 'querydr');
    assert.equal(seen.body?.vnp_TransactionDate, '20261122094000');
    assert.equal(seen.body?.vnp_SecureHash, signFields(seen.body!, QUERYDR_REQUEST_FIELDS, SECRET));
    assert.ok(answer.ok);
    assert.equal(answer.value.status, 'succeeded');
    assert.equal(answer.value.amount, 150_000n);
    assert.equal(answer.value.gateway_txn_id, '14226112');
    assert.equal(answer.value.paid_at?.toISOString(), '2026-11-22T02:45:12.000Z');
  });

  it('maps the transaction status: 01 pending, 02 failed, 91 not found pending', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ vnp_TransactionStatus: '01' }, 'pending'],
      [{ vnp_TransactionStatus: '02' }, 'failed'],
      [{ vnp_TransactionStatus: '04' }, 'failed'],
      [{ vnp_TransactionStatus: '06' }, 'succeeded'],
      [{ vnp_TransactionStatus: '07' }, 'pending'],
      [{ vnp_ResponseCode: '91', vnp_TransactionStatus: '' }, 'pending'],
    ];
    for (const [change, status] of cases) {
      const answer = await clientAnswering(
        sign({ ...queryAnswer, ...change }, QUERYDR_RESPONSE_FIELDS),
      ).transactions.query(query);
      assert.ok(answer.ok);
      assert.equal(answer.value.status, status, JSON.stringify(change));
    }
  });

  it('rejects a tampered answer, a wrong key and a malformed body with the typed reason', async () => {
    const good = sign(queryAnswer, QUERYDR_RESPONSE_FIELDS);
    const cases: [unknown, string][] = [
      [{ ...good, vnp_TransactionStatus: '02' }, 'bad_signature'],
      [sign(queryAnswer, QUERYDR_RESPONSE_FIELDS, 'ANOTHERSECRET'), 'bad_signature'],
      ['<html>502</html>', 'malformed'],
      [[good], 'malformed'],
      [queryAnswer, 'malformed'],
      [sign({ ...queryAnswer, vnp_TmnCode: 'OTHER001' }, QUERYDR_RESPONSE_FIELDS), 'wrong_merchant'],
      [sign({ ...queryAnswer, vnp_TxnRef: 'pi_other' }, QUERYDR_RESPONSE_FIELDS), 'malformed'],
      [sign({ ...queryAnswer, vnp_Amount: '150' }, QUERYDR_RESPONSE_FIELDS), 'malformed'],
    ];
    for (const [body, reason] of cases) {
      const answer = await clientAnswering(body).transactions.query(query);
      assert.ok(!answer.ok);
      assert.equal('reason' in answer.rejection ? answer.rejection.reason : answer.rejection.code, reason);
      assert.ok(!JSON.stringify(answer).includes(SECRET));
    }
  });

  it('refuses a bad request field before any call', async () => {
    const seen: { url?: string } = {};
    const answer = await clientAnswering({}, seen).transactions.query({ ...query, request_id: 'req 1' });
    assert.ok(!answer.ok && 'code' in answer.rejection);
    assert.equal(answer.rejection.param, 'request_id');
    assert.equal(seen.url, undefined);
  });
});

describe('VNPay refund', () => {
  it('signs a partial refund as type 03 with the amount x 100 and safe text', async () => {
    const seen: { url?: string; body?: Record<string, string> } = {};
    const answer = await clientAnswering(sign(refundAnswer, REFUND_RESPONSE_FIELDS), seen).refunds.create(
      refund,
    );
    const body = seen.body!;
    assert.equal(body.vnp_Command, 'refund');
    assert.equal(body.vnp_TransactionType, '03');
    assert.equal(body.vnp_Amount, '5000000');
    assert.equal(body.vnp_OrderInfo, 'Hoan phi nop trung');
    assert.equal(body.vnp_CreateBy, 'nguyen van a');
    assert.equal(body.vnp_TransactionDate, '20261122094000');
    assert.equal(body.vnp_CreateDate, '20261123080000');
    assert.equal(body.vnp_SecureHash, signFields(body, REFUND_REQUEST_FIELDS, SECRET));
    assert.ok(answer.ok);
    assert.equal(answer.value.status, 'pending');
    assert.equal(answer.value.amount, 50_000n);
    assert.equal(answer.value.gateway_refund_id, '14226999');
  });

  it('signs a full refund as type 02', () => {
    const body = clientAnswering({}).refunds.build({ ...refund, amount: 150_000n });
    assert.equal(body.vnp_TransactionType, '02');
  });

  it('refuses a refund above the payment before any call', async () => {
    const seen: { url?: string } = {};
    const answer = await clientAnswering({}, seen).refunds.create({ ...refund, amount: 150_001n });
    assert.ok(!answer.ok && 'code' in answer.rejection);
    assert.equal(answer.rejection.param, 'amount');
    assert.equal(seen.url, undefined);
  });

  it('maps refund answers: 06 sent succeeded, 09 rejected failed, 95 failed, 94 pending', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ vnp_TransactionStatus: '06' }, 'succeeded'],
      [{ vnp_TransactionStatus: '09' }, 'failed'],
      [{ vnp_ResponseCode: '95' }, 'failed'],
      [{ vnp_ResponseCode: '94' }, 'pending'],
      [{ vnp_ResponseCode: '99' }, 'pending'],
    ];
    for (const [change, status] of cases) {
      const answer = await clientAnswering(
        sign({ ...refundAnswer, ...change }, REFUND_RESPONSE_FIELDS),
      ).refunds.create(refund);
      assert.ok(answer.ok);
      assert.equal(answer.value.status, status, JSON.stringify(change));
    }
  });

  it('rejects a refund answer signed with the querydr field list (promotion fields included)', async () => {
    const answer = await clientAnswering(
      sign({ ...refundAnswer, vnp_PromotionCode: 'X' }, QUERYDR_RESPONSE_FIELDS),
    ).refunds.create(refund);
    assert.ok(!answer.ok && 'reason' in answer.rejection);
    assert.equal(answer.rejection.reason, 'bad_signature');
  });
});
