// Two hubs on one database, as two replicas behind a load balancer: one in this process, one a process of
// its own started as `npm start` starts it. The gateway's retries and duplicates of one callback reach
// both at once. The database (row locks, unique keys, the ledger's idempotent transfer ids) must make the
// payment happen exactly once, whichever hub wins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bankNotificationBody, signBankNotification } from '../../adapters/vietqr/vietqr.notification';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../../src/database/embedded-postgres';
import { call, createBiller, type CreatedBiller, type HubAddress } from './support/api';
import {
  assertLedgerOk,
  balance,
  countEvents,
  countRows,
  createBill,
  createIntent,
  feeBody,
  sendVnpayIpn,
  signedVnpayIpn,
} from './support/gateway-payments';
import { ADMIN_TOKEN, bootHub, DATA_DIR, spawnHub, type SpawnedHub } from './support/hub';

/** Copies of the same callback sent to each hub, all in flight together. */
const COPIES_PER_HUB = 25;

describe('two hubs on one database', () => {
  let db: TestDatabase;
  let hubs: [RunningHub, HubAddress];
  let spawned: SpawnedHub | null = null;
  let agency: CreatedBiller;

  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const ledgerOk = (hub: HubAddress) => assertLedgerOk(hub);
  /** Sends `send(hub)` COPIES_PER_HUB times to each hub, interleaved, all at once. */
  const toBoth = <T>(send: (hub: HubAddress) => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: COPIES_PER_HUB * 2 }, (_, i) => send(hubs[i % 2]!)));

  before(async () => {
    db = await createTestDatabase();
    // One after the other, as a rolling deployment starts them; both then serve the same database and
    // share the data directory (simulator keys, receipt key-encryption key), as replicas share secrets.
    const first = await bootHub(db);
    // A free port can be taken by another test process before the second hub listens: try another.
    let url = '';
    for (let attempt = 1; !url; attempt++) {
      const port = await freePort();
      spawned = spawnHub({
        DATABASE_URL: db.url,
        PORT: String(port),
        HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        HUB_DATA_DIR: DATA_DIR,
        HUB_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'info',
      });
      try {
        await spawned.waitForLog('payhub listening', 60_000);
        url = `http://127.0.0.1:${port}`;
      } catch (error) {
        if (attempt >= 5 || !String(error).includes('EADDRINUSE')) throw error;
      }
    }
    hubs = [first, { url }];
    agency = await createBiller(first, { name: 'UBND Phường Bến Nghé', kind: 'agency' });
  });
  after(async () => {
    if (spawned) {
      spawned.signal('SIGTERM');
      const exited = await spawned.exited;
      assert.equal(exited.code, 0, exited.stderr);
    }
    await hubs?.[0]?.close();
    await db?.drop();
  });

  it('applies one VNPay success once when both hubs receive it concurrently many times', async () => {
    const [a, b] = hubs;
    assert.notEqual(a.url, b.url);
    const bill_id = await createBill(
      b,
      agency,
      feeBody('BN-2026-1', 345_000, {
        payer: { name: 'Phạm Thị Dung' },
        line: 'Lệ phí chứng thực',
        legal_basis: 'Thông tư 226/2016/TT-BTC',
      }),
    );
    const intent = await createIntent(a, agency, bill_id, 'vnpay');

    // Both hubs verify with the same VNPay terminal's secret (one data directory, one key file): a
    // hub that did not would answer 97 to its copies.
    const vnpay = a.app.get(GatewaysService).simulators!.vnpay!;
    const query = signedVnpayIpn(vnpay, {
      ref: intent.reference,
      amount: 345_000n,
      txn: '14226112',
      order_info: 'Thanh toan BN-2026-1',
    });

    const answers = await toBoth(async (hub) => (await sendVnpayIpn(hub, query)).RspCode);
    assert.deepEqual(answers.sort(), ['00', ...Array<string>(COPIES_PER_HUB * 2 - 1).fill('02')]);

    const id = intent.id;
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
      assert.equal(await countEvents(db, type, id), 1, type);
    }
    assert.equal(await count('payment_reviews WHERE reference = $1', [intent.reference]), 0);
    assert.equal((await balance(db, `payable:${agency.id}`)).credits, 345_000n);
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
