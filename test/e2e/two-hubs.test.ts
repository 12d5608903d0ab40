// Two hubs on one database, as two replicas behind a load balancer: the gateway's retries and
// duplicates of one callback reach both at once. The database (row locks, unique keys, the ledger's
// idempotent transfer ids) must make the payment happen exactly once, whichever hub wins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bankNotificationBody, signBankNotification } from '../../adapters/vietqr/vietqr.notification';
import { toWireAmount } from '../../adapters/vnpay/vnpay.client';
import { canonicalQuery, signQuery } from '../../adapters/vnpay/vnpay.signature';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import { bootHub } from './support/hub';

/** Copies of the same callback sent to each hub, all in flight together. */
const COPIES_PER_HUB = 25;

describe('two hubs on one database', () => {
  let db: TestDatabase;
  let hubs: [RunningHub, RunningHub];
  let agency: CreatedBiller;

  const count = async (sql: string, values: unknown[] = []): Promise<number> =>
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
  const ledgerOk = async (hub: RunningHub) => {
    const verify = await call<{ ok: boolean; faults: unknown[] }>(hub, 'GET', '/v1/ledger/verify');
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body.faults));
  };
  /** Sends `send(hub)` COPIES_PER_HUB times to each hub, interleaved, all at once. */
  const toBoth = <T>(send: (hub: RunningHub) => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: COPIES_PER_HUB * 2 }, (_, i) => send(hubs[i % 2]!)));

  before(async () => {
    db = await createTestDatabase();
    // One after the other, as a rolling deployment starts them; both then serve the same database.
    const first = await bootHub(db);
    const second = await bootHub(db);
    hubs = [first, second];
    agency = await createBiller(first, { name: 'UBND Phường Bến Nghé', kind: 'agency' });
  });
  after(async () => {
    await Promise.all((hubs ?? []).map((hub) => hub?.close()));
    await db?.drop();
  });

  it('applies one VNPay success once when both hubs receive it concurrently many times', async () => {
    const [a, b] = hubs;
    assert.notEqual(a.url, b.url);
    const bill = await call<{ id: string }>(b, 'POST', '/v1/bills', {
      token: agency.api_key,
      body: {
        kind: 'fee',
        reference: 'BN-2026-1',
        payer: { name: 'Phạm Thị Dung' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [{ name: 'Lệ phí chứng thực', amount: 345_000, legal_basis: 'Thông tư 226/2016/TT-BTC' }],
      },
    });
    assert.equal(bill.status, 201, bill.text);
    const intent = await call<{ id: string; reference: string }>(a, 'POST', '/v1/payment_intents', {
      token: agency.api_key,
      body: { bill_id: bill.body.id, method: 'vnpay' },
    });
    assert.equal(intent.status, 201, intent.text);

    // Both hubs verify with the same VNPay terminal's secret (one data directory, one key file).
    const vnpay = a.app.get(GatewaysService).simulators!.vnpay!;
    assert.equal(b.app.get(GatewaysService).simulators!.vnpay!.tmn_code, vnpay.tmn_code);
    const params: Record<string, string> = {
      vnp_Amount: toWireAmount(345_000n),
      vnp_BankCode: 'NCB',
      vnp_OrderInfo: 'Thanh toan BN-2026-1',
      vnp_PayDate: '20260115103000',
      vnp_ResponseCode: '00',
      vnp_TmnCode: vnpay.tmn_code,
      vnp_TransactionNo: '14226112',
      vnp_TransactionStatus: '00',
      vnp_TxnRef: intent.body.reference,
    };
    const query = `${canonicalQuery(params)}&vnp_SecureHash=${signQuery(params, vnpay.clientConfig().hash_secret)}`;

    const answers = await toBoth(async (hub) => {
      const response = await fetch(`${hub.url}/v1/gateways/vnpay/ipn?${query}`);
      assert.equal(response.status, 200);
      return ((await response.json()) as { RspCode: string }).RspCode;
    });
    assert.deepEqual(answers.sort(), ['00', ...Array<string>(COPIES_PER_HUB * 2 - 1).fill('02')]);

    const id = intent.body.id;
    for (const hub of hubs) {
      const read = await call<{ status: string; receipt: string | null }>(
        hub,
        'GET',
        `/v1/payment_intents/${id}`,
        {
          token: agency.api_key,
        },
      );
      assert.equal(read.body.status, 'succeeded');
      assert.ok(read.body.receipt);
    }
    assert.equal(await count(`ledger_transfers WHERE id = 'pay:' || $1`, [id]), 1);
    // Nothing else for this intent: no suspense posting by a losing copy (the fee, if any, is in `pay:`).
    assert.equal(
      await count(
        `ledger_transfers WHERE metadata->>'payment_intent' = $1 AND id NOT LIKE 'pay:' || $1 || '%'`,
        [id],
      ),
      0,
    );
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [id]), 1);
    for (const type of ['payment_intent.succeeded', 'receipt.issued']) {
      assert.equal(
        await count(`events WHERE type = $1 AND data::text LIKE '%' || $2 || '%'`, [type, id]),
        1,
        type,
      );
    }
    assert.equal(await count('payment_reviews WHERE reference = $1', [intent.body.reference]), 0);
    assert.equal(
      (
        await db.pool.query<{ credits: string }>(
          'SELECT credits_posted::text AS credits FROM ledger_accounts WHERE id = $1',
          [`payable:${agency.id}`],
        )
      ).rows[0]?.credits,
      '345000',
    );
    await ledgerOk(a);
    await ledgerOk(b);
  });

  it('books one unknown bank transfer to suspense once when both hubs receive it concurrently', async () => {
    const bank = hubs[0].app.get(GatewaysService).simulators!.vietqr!;
    const config = bank.clientConfig();
    const body = bankNotificationBody({
      account_no: config.account,
      amount: 480_000n,
      description: 'CHUYEN TIEN PHI CONG CHUNG',
      bank_ref: 'FT26015000777',
      transferred_at: new Date('2026-01-15T03:30:00Z'),
    });
    const signature = signBankNotification(body, config.notify_secret!);
    const answers = await toBoth(async (hub) => {
      const response = await fetch(`${hub.url}/v1/gateways/bank-transfer/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        body,
      });
      return `${response.status} ${((await response.json()) as { outcome: string }).outcome}`;
    });
    assert.deepEqual(answers.sort(), [
      ...Array<string>(COPIES_PER_HUB * 2 - 1).fill('200 already_confirmed'),
      '200 recorded',
    ]);
    assert.equal(await count(`payment_reviews WHERE gateway_txn_id = 'FT26015000777'`), 1);
    assert.equal(await count(`ledger_transfers WHERE id = 'suspense:vietqr:FT26015000777'`), 1);
    await ledgerOk(hubs[1]);
  });
});
