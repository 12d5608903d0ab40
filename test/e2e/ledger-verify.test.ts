import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgLedger } from '../../ledger';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ADMIN_TOKEN, adminHeaders, bootHub } from './support/hub';

interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

describe('GET /v1/ledger/verify', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const verify = (headers: Record<string, string> = {}) => fetch(`${hub.url}/v1/ledger/verify`, { headers });

  before(async () => {
    db = await createTestDatabase();
    const ledger = new PgLedger(db.pool);
    const accounts = await ledger.createAccounts([
      { id: 'e2e:cash', code: 1100, currency: 'VND' },
      { id: 'e2e:payable', code: 2100, currency: 'VND' },
    ]);
    assert.deepEqual(
      accounts.map((result) => result.result),
      ['created', 'created'],
    );
    const transfers = await ledger.createTransfers([
      {
        id: 'e2e:t1',
        debit_account_id: 'e2e:cash',
        credit_account_id: 'e2e:payable',
        amount: 100n,
        currency: 'VND',
        code: 1,
      },
      {
        id: 'e2e:t2',
        debit_account_id: 'e2e:cash',
        credit_account_id: 'e2e:payable',
        amount: 250n,
        currency: 'VND',
        code: 1,
      },
    ]);
    assert.deepEqual(
      transfers.map((result) => result.result),
      ['created', 'created'],
    );
    hub = await bootHub(db);
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('answers 401 admin_token_missing without an Authorization header', async () => {
    const response = await verify();
    assert.equal(response.status, 401);
    const body = (await response.json()) as ErrorBody;
    assert.deepEqual(
      { type: body.error.type, code: body.error.code, param: body.error.param },
      {
        type: 'authentication_error',
        code: 'admin_token_missing',
        param: null,
      },
    );
  });

  it('answers 401 admin_token_invalid with a wrong token, of any length', async () => {
    const sameLength = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith('0') ? '1' : '0');
    for (const token of [sameLength, 'short', ADMIN_TOKEN + 'x']) {
      const response = await verify(adminHeaders(token));
      assert.equal(response.status, 401, token);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(body.error.code, 'admin_token_invalid');
      assert.ok(!JSON.stringify(body).includes(ADMIN_TOKEN), 'the expected token is never echoed');
    }
  });

  it('answers 401 admin_token_invalid when the right token comes with another scheme', async () => {
    const response = await verify({ authorization: `Basic ${ADMIN_TOKEN}` });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as ErrorBody).error.code, 'admin_token_invalid');
  });

  it('answers 200 with ok: true and totals as decimal strings with the admin token', async () => {
    const response = await verify(adminHeaders());
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      ok: true,
      accounts_checked: 2,
      transfers_checked: 2,
      totals: [
        {
          currency: 'VND',
          debits_posted: '350',
          credits_posted: '350',
          debits_pending: '0',
          credits_pending: '0',
        },
      ],
      faults: [],
    });
  });

  it('answers 200 with ok: false and a balance_mismatch fault once a balance is corrupted', async () => {
    await db.pool.query(
      "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = 'e2e:payable'",
    );
    try {
      const response = await verify(adminHeaders());
      assert.equal(response.status, 200);
      const report = (await response.json()) as {
        ok: boolean;
        faults: { kind: string; account_id?: string }[];
      };
      assert.equal(report.ok, false);
      assert.ok(
        report.faults.some(
          (fault) => fault.kind === 'balance_mismatch' && fault.account_id === 'e2e:payable',
        ),
        JSON.stringify(report.faults),
      );
    } finally {
      await db.pool.query(
        "UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE id = 'e2e:payable'",
      );
    }
  });
});
