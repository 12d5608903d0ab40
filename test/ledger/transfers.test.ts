// The ledger's transfer rules on real Postgres: every result code, linked chains, two-phase transfers,
// immutability, reads, and verify catching tampering.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgLedger, type StatementPage, type TransferInput, type TransferResultCode } from '../../ledger';
import { verifyLedger } from '../../ledger/verify';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let ledger: PgLedger;
let n = 0;
/** A fresh transfer id per call, so tests do not depend on one another. */
const tid = (label = 't') => `${label}-${++n}`;

async function one(input: TransferInput): Promise<TransferResultCode> {
  const [result] = await ledger.createTransfers([input]);
  return result!.result;
}

const base = (over: Partial<TransferInput> = {}): TransferInput => ({
  id: tid(),
  debit_account_id: 'clearing',
  credit_account_id: 'payable',
  amount: 1000n,
  currency: 'VND',
  code: 1,
  ...over,
});

before(async () => {
  db = await createTestDatabase();
  ledger = new PgLedger(db.pool);
  const results = await ledger.createAccounts([
    { id: 'clearing', code: 1100, currency: 'VND' },
    { id: 'payable', code: 2100, currency: 'VND', owner_ref: 'agency:1' },
    { id: 'wallet', code: 2200, currency: 'VND', flags: { debits_must_not_exceed_credits: true } },
    { id: 'bank', code: 1200, currency: 'VND', flags: { credits_must_not_exceed_debits: true } },
    { id: 'usd', code: 1100, currency: 'USD' },
  ]);
  assert.deepEqual(
    results.map((r) => r.result),
    ['created', 'created', 'created', 'created', 'created'],
  );
});
after(async () => {
  await ledger.drain();
  await db.drop();
});

describe('ledger accounts', () => {
  it('answers exists for the same account and names the differing field otherwise', async () => {
    const results = await ledger.createAccounts([
      { id: 'payable', code: 2100, currency: 'VND', owner_ref: 'agency:1' },
      { id: 'payable', code: 2101, currency: 'VND', owner_ref: 'agency:1' },
      { id: 'payable', code: 2100, currency: 'USD', owner_ref: 'agency:1' },
      { id: 'payable', code: 2100, currency: 'VND', owner_ref: 'agency:2' },
      {
        id: 'payable',
        code: 2100,
        currency: 'VND',
        owner_ref: 'agency:1',
        flags: { debits_must_not_exceed_credits: true },
      },
      { id: 'bad id!', code: 2100, currency: 'VND' },
      { id: 'x', code: 0, currency: 'VND' },
      { id: 'x', code: 2100, currency: 'vnd' },
      {
        id: 'x',
        code: 2100,
        currency: 'VND',
        flags: { debits_must_not_exceed_credits: true, credits_must_not_exceed_debits: true },
      },
    ]);
    assert.deepEqual(
      results.map((r) => r.result),
      [
        'exists',
        'exists_with_different_code',
        'exists_with_different_currency',
        'exists_with_different_owner_ref',
        'exists_with_different_flags',
        'id_invalid',
        'code_invalid',
        'currency_invalid',
        'flags_are_mutually_exclusive',
      ],
    );
  });
});

describe('ledger transfers', () => {
  it('posts a transfer, moving both balances, and answers exists when it is sent again', async () => {
    const before = (await ledger.balance('payable'))!;
    const input = base({ amount: 12_345n, metadata: { intent: 'pi_1', b: 2 } });
    assert.equal(await one(input), 'created');
    assert.equal(await one({ ...input, metadata: { b: 2, intent: 'pi_1' } }), 'exists');
    const afterwards = (await ledger.balance('payable'))!;
    assert.equal(afterwards.credits_posted - before.credits_posted, 12_345n);
    assert.equal(afterwards.posted - before.posted, 12_345n);
    const [stored] = await ledger.lookupTransfers([input.id]);
    assert.equal(stored!.amount, 12_345n);
    assert.ok(stored!.timestamp instanceof Date);
  });

  it('stores metadata and ids exactly, whatever characters they hold', async () => {
    const metadata = {
      note: 'quote " backslash \\ brace {x} comma, NULL',
      vi: 'Phí cấp đổi giấy phép lái xe — 135.000₫',
      nested: { list: [1, 'two', null, { 'k"ey': 'v\\al' }] },
      empty: '',
    };
    const results = await ledger.createTransfers([
      base({ id: 'NULL', metadata }),
      base({ id: 'null', metadata: { 'a,b': '{"json":"inside"}' } }),
    ]);
    assert.deepEqual(
      results.map((r) => r.result),
      ['created', 'created'],
    );
    const stored = await ledger.lookupTransfers(['NULL', 'null']);
    assert.deepEqual(stored.find((t) => t.id === 'NULL')!.metadata, metadata);
    assert.deepEqual(stored.find((t) => t.id === 'null')!.metadata, { 'a,b': '{"json":"inside"}' });
    assert.equal(await one(base({ id: 'NULL', metadata })), 'exists');
  });

  it('names the field that differs when an id is reused', async () => {
    const input = base();
    assert.equal(await one(input), 'created');
    assert.equal(await one({ ...input, amount: 999n }), 'exists_with_different_amount');
    assert.equal(await one({ ...input, code: 2 }), 'exists_with_different_code');
    assert.equal(await one({ ...input, debit_account_id: 'bank' }), 'exists_with_different_debit_account_id');
    assert.equal(
      await one({ ...input, credit_account_id: 'wallet' }),
      'exists_with_different_credit_account_id',
    );
    assert.equal(await one({ ...input, metadata: { x: 1 } }), 'exists_with_different_metadata');
    assert.equal(await one({ ...input, flags: { pending: true } }), 'exists_with_different_flags');
    assert.equal(
      await one({ ...input, flags: { pending: true }, timeout_seconds: 5 }),
      'exists_with_different_flags',
    );
  });

  it('rejects invalid transfers with a result and changes nothing', async () => {
    const before = await ledger.verify();
    const cases: Array<[Partial<TransferInput>, TransferResultCode]> = [
      [{ id: '' }, 'id_invalid'],
      [{ id: 'has space' }, 'id_invalid'],
      [{ id: '~expire:x' }, 'id_invalid'],
      [{ flags: { pending: true, post_pending_transfer: true } }, 'flags_are_mutually_exclusive'],
      [{ pending_id: 'p' }, 'pending_id_must_be_empty'],
      [{ timeout_seconds: 10 }, 'timeout_reserved_for_pending_transfer'],
      [{ flags: { pending: true }, timeout_seconds: -1 }, 'timeout_invalid'],
      [{ amount: 0n }, 'amount_must_be_positive'],
      [{ amount: -5n }, 'amount_must_be_positive'],
      [{ amount: 2n ** 63n }, 'amount_exceeds_maximum'],
      [{ amount: 10 as unknown as bigint }, 'amount_must_be_positive'],
      [{ debit_account_id: '' }, 'debit_account_id_invalid'],
      [{ credit_account_id: undefined }, 'credit_account_id_invalid'],
      [{ credit_account_id: 'clearing' }, 'accounts_must_be_different'],
      [{ currency: 'dong' }, 'currency_invalid'],
      [{ code: 0 }, 'code_invalid'],
      [{ code: 1.5 }, 'code_invalid'],
      [{ metadata: { big: 'x'.repeat(5000) } }, 'metadata_invalid'],
      [{ debit_account_id: 'nobody' }, 'account_not_found'],
      [{ credit_account_id: 'nobody' }, 'account_not_found'],
      [{ currency: 'USD' }, 'currency_mismatch'],
      [{ credit_account_id: 'usd', currency: 'USD' }, 'currency_mismatch'],
    ];
    for (const [over, expected] of cases) {
      assert.equal(
        await one(base(over)),
        expected,
        `case ${JSON.stringify(over, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
      );
    }
    const afterwards = await ledger.verify();
    assert.equal(afterwards.transfers_checked, before.transfers_checked);
  });

  it('never lets a limited account go past its limit', async () => {
    assert.equal(
      await one(base({ debit_account_id: 'clearing', credit_account_id: 'wallet', amount: 500n })),
      'created',
    );
    assert.equal(
      await one(base({ debit_account_id: 'wallet', credit_account_id: 'payable', amount: 501n })),
      'exceeds_credits',
    );
    assert.equal(
      await one(base({ debit_account_id: 'wallet', credit_account_id: 'payable', amount: 500n })),
      'created',
    );
    assert.equal(
      await one(base({ debit_account_id: 'wallet', credit_account_id: 'payable', amount: 1n })),
      'exceeds_credits',
    );
    assert.equal(
      await one(base({ debit_account_id: 'clearing', credit_account_id: 'bank', amount: 1n })),
      'exceeds_debits',
    );
    assert.equal(
      await one(
        base({
          debit_account_id: 'wallet',
          credit_account_id: 'payable',
          amount: 1n,
          flags: { pending: true },
        }),
      ),
      'exceeds_credits',
    );
    assert.equal((await ledger.balance('wallet'))!.available, 0n);
  });

  it('reports a balance that would overflow instead of failing', async () => {
    await ledger.createAccounts([
      { id: 'ovf-a', code: 1100, currency: 'VND' },
      { id: 'ovf-b', code: 2100, currency: 'VND' },
    ]);
    const huge = 2n ** 63n - 1n;
    assert.equal(
      await one(base({ debit_account_id: 'ovf-a', credit_account_id: 'ovf-b', amount: huge })),
      'created',
    );
    assert.equal(
      await one(base({ debit_account_id: 'ovf-a', credit_account_id: 'ovf-b', amount: 1n })),
      'overflows_balance',
    );
  });
});

describe('ledger linked chains', () => {
  it('applies a chain all-or-nothing and marks every event of a failed chain', async () => {
    await ledger.createAccounts([
      { id: 'chain-src', code: 2200, currency: 'VND', flags: { debits_must_not_exceed_credits: true } },
    ]);
    await one(base({ debit_account_id: 'clearing', credit_account_id: 'chain-src', amount: 100n }));
    const ok = [
      base({
        debit_account_id: 'chain-src',
        credit_account_id: 'payable',
        amount: 60n,
        flags: { linked: true },
      }),
      base({ debit_account_id: 'chain-src', credit_account_id: 'payable', amount: 40n }),
    ];
    const failing = [
      base({
        debit_account_id: 'clearing',
        credit_account_id: 'chain-src',
        amount: 10n,
        flags: { linked: true },
      }),
      base({
        debit_account_id: 'chain-src',
        credit_account_id: 'payable',
        amount: 11n,
        flags: { linked: true },
      }),
      base({ debit_account_id: 'clearing', credit_account_id: 'payable', amount: 1n }),
      base({ debit_account_id: 'clearing', credit_account_id: 'payable', amount: 1n }),
    ];
    const results = await ledger.createTransfers([...ok, ...failing]);
    assert.deepEqual(
      results.map((r) => r.result),
      ['created', 'created', 'linked_event_failed', 'exceeds_credits', 'linked_event_failed', 'created'],
    );
    assert.equal(
      (await ledger.lookupTransfers([failing[0]!.id])).length,
      0,
      'a failed chain leaves no transfer',
    );
    assert.equal((await ledger.balance('chain-src'))!.posted, 0n);
    // The whole chain sent again answers exists for each of its events.
    const again = await ledger.createTransfers(ok);
    assert.deepEqual(
      again.map((r) => r.result),
      ['exists', 'exists'],
    );
    const open = await ledger.createTransfers([base({ flags: { linked: true } })]);
    assert.equal(open[0]!.result, 'linked_event_chain_open');
    assert.equal((await ledger.verify()).ok, true);
  });
});

describe('ledger two-phase transfers', () => {
  it('reserves with a pending transfer and posts it in full, once', async () => {
    const b0 = (await ledger.balance('payable'))!;
    const pending = base({ amount: 700n, flags: { pending: true } });
    assert.equal(await one(pending), 'created');
    const b1 = (await ledger.balance('payable'))!;
    assert.equal(b1.credits_pending - b0.credits_pending, 700n);
    assert.equal(b1.posted, b0.posted);
    const post = { id: tid('post'), pending_id: pending.id, flags: { post_pending_transfer: true } };
    assert.equal(await one(post), 'created');
    assert.equal(await one(post), 'exists');
    assert.equal(await one({ ...post, id: tid('post') }), 'pending_transfer_already_posted');
    assert.equal(
      await one({ id: tid('void'), pending_id: pending.id, flags: { void_pending_transfer: true } }),
      'pending_transfer_already_posted',
    );
    const b2 = (await ledger.balance('payable'))!;
    assert.equal(b2.credits_pending, b0.credits_pending);
    assert.equal(b2.posted - b0.posted, 700n);
  });

  it('posts part of a reservation and releases the rest', async () => {
    const b0 = (await ledger.balance('payable'))!;
    const pending = base({ amount: 1000n, flags: { pending: true } });
    await one(pending);
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, amount: 1001n, flags: { post_pending_transfer: true } }),
      'exceeds_pending_transfer_amount',
    );
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, amount: 400n, flags: { post_pending_transfer: true } }),
      'created',
    );
    const b1 = (await ledger.balance('payable'))!;
    assert.equal(b1.posted - b0.posted, 400n);
    assert.equal(b1.credits_pending, b0.credits_pending);
  });

  it('voids a reservation and refuses a second resolution', async () => {
    const pending = base({ amount: 300n, flags: { pending: true } });
    await one(pending);
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, amount: 5n, flags: { void_pending_transfer: true } }),
      'pending_transfer_has_different_amount',
    );
    assert.equal(
      await one({
        id: tid(),
        pending_id: pending.id,
        debit_account_id: 'bank',
        flags: { void_pending_transfer: true },
      }),
      'pending_transfer_has_different_debit_account_id',
    );
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, flags: { void_pending_transfer: true } }),
      'created',
    );
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, flags: { void_pending_transfer: true } }),
      'pending_transfer_already_voided',
    );
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, flags: { post_pending_transfer: true } }),
      'pending_transfer_already_voided',
    );
  });

  it('answers not found and not pending for bad references', async () => {
    const normal = base();
    await one(normal);
    assert.equal(
      await one({ id: tid(), pending_id: 'nope', flags: { post_pending_transfer: true } }),
      'pending_transfer_not_found',
    );
    assert.equal(
      await one({ id: tid(), pending_id: normal.id, flags: { post_pending_transfer: true } }),
      'pending_transfer_not_pending',
    );
    assert.equal(
      await one({ id: tid(), flags: { void_pending_transfer: true } }),
      'pending_id_must_not_be_empty',
    );
    const same = tid();
    assert.equal(
      await one({ id: same, pending_id: same, flags: { void_pending_transfer: true } }),
      'pending_id_must_be_different',
    );
  });

  it('expires a reservation past its timeout: released by the sweep, refused to post', async () => {
    const b0 = (await ledger.balance('payable'))!;
    const pending = base({ amount: 250n, flags: { pending: true }, timeout_seconds: 1 });
    assert.equal(await one(pending), 'created');
    const [stored] = await ledger.lookupTransfers([pending.id]);
    assert.ok(stored!.expires_at);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, flags: { post_pending_transfer: true } }),
      'pending_transfer_expired',
    );
    assert.ok((await ledger.expirePendingTransfers()) >= 1);
    assert.equal(await ledger.expirePendingTransfers(), 0, 'an expiry happens once');
    const b1 = (await ledger.balance('payable'))!;
    assert.equal(b1.credits_pending, b0.credits_pending);
    assert.equal(b1.posted, b0.posted);
    assert.equal(
      await one({ id: tid(), pending_id: pending.id, flags: { void_pending_transfer: true } }),
      'pending_transfer_expired',
    );
    assert.equal((await ledger.verify()).ok, true);
  });
});

describe('ledger lanes', () => {
  it('decides a split call as it would the whole: a post funds the spend after it', async () => {
    // Every call is split into lanes where it can be (ledger/lanes.ts).
    const split = new PgLedger(db.pool, { lanes_max: 3, lane_transfers_min: 1 });
    await split.createAccounts([
      { id: 'lane-src', code: 1100, currency: 'VND' },
      { id: 'lane-other', code: 1100, currency: 'VND' },
      { id: 'lane-wallet', code: 2200, currency: 'VND', flags: { debits_must_not_exceed_credits: true } },
    ]);
    for (let round = 0; round < 5; round++) {
      const pending = tid('lane-pending');
      const [reserved] = await split.createTransfers([
        base({
          id: pending,
          debit_account_id: 'lane-src',
          credit_account_id: 'lane-wallet',
          flags: { pending: true },
        }),
      ]);
      assert.equal(reserved!.result, 'created');
      // The post credits lane-wallet, which the next transfer spends: the two must not run apart, or
      // the spend's lane (the larger, started first) would find the wallet still empty.
      const results = await split.createTransfers([
        { id: tid('lane-post'), pending_id: pending, flags: { post_pending_transfer: true } },
        base({ debit_account_id: 'lane-wallet', credit_account_id: 'lane-src' }),
        base({ debit_account_id: 'lane-src', credit_account_id: 'lane-other' }),
        base({ debit_account_id: 'lane-src', credit_account_id: 'lane-other' }),
        base(),
      ]);
      assert.deepEqual(
        results.map((r) => r.result),
        ['created', 'created', 'created', 'created', 'created'],
      );
    }
    await split.drain();
  });
});

describe("ledger inside the caller's transaction", () => {
  const balancesOf = async (ids: string[]) =>
    (await ledger.lookupAccounts(ids)).map((a) => [a.id, a.debits_posted, a.credits_posted]);

  it('without a savepoint: posts with the caller, goes with its rollback, and throws rather than retry', async () => {
    const before = await balancesOf(['clearing', 'payable']);
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const kept = tid('caller');
      const [created] = await ledger.createTransfersIn(client, [base({ id: kept })], { savepoint: false });
      assert.equal(created!.result, 'created');
      await client.query('ROLLBACK');
      assert.deepEqual(await ledger.lookupTransfers([kept]), []);
      assert.deepEqual(await balancesOf(['clearing', 'payable']), before);

      await client.query('BEGIN');
      const [again] = await ledger.createTransfersIn(client, [base({ id: kept })], { savepoint: false });
      assert.equal(again!.result, 'created');
      await client.query('COMMIT');
      assert.equal((await ledger.lookupTransfers([kept])).length, 1);
    } finally {
      client.release();
    }
  });

  it('decides in one round trip with the caller’s statements and leaves the write to send with its COMMIT', async () => {
    const metadata = { note: "it's a \\ backslash, “quotes”, Nguyễn", nested: { list: [1, 'two', null] } };
    const first = tid('decided');
    const second = tid('decided');
    const before = await balancesOf(['clearing', 'payable']);
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const decided = await ledger.decideTransfersIn(
        client,
        [base({ id: first, amount: 700n, metadata }), base({ id: second, amount: 300n })],
        ["SELECT 'alongside' AS said", 'SELECT 2 AS n'],
      );
      assert.deepEqual(
        decided.results.map((r) => r.result),
        ['created', 'created'],
      );
      assert.deepEqual(
        decided.alongside.map((result) => result.rows[0]),
        [{ said: 'alongside' }, { n: 2 }],
      );
      assert.equal(decided.write?.rows, 2);
      // Nothing is written until the caller sends the write.
      assert.deepEqual(await ledger.lookupTransfers([first]), []);
      const [written] = (await client.query(`${decided.write!.text}; COMMIT`)) as unknown as Array<{
        rows: unknown[];
      }>;
      assert.equal(written!.rows.length, 2);
    } finally {
      client.release();
    }
    const [stored] = await ledger.lookupTransfers([first]);
    assert.deepEqual(stored!.metadata, metadata);
    const after = await balancesOf(['clearing', 'payable']);
    assert.equal(after[0]![1], (before[0]![1] as bigint) + 1000n);
    assert.equal(after[1]![2], (before[1]![2] as bigint) + 1000n);
    assert.deepEqual((await verifyLedger(db.pool)).ok, true);
  });

  it('answers refusals without a write, and the same transfer again as exists', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const refused = await ledger.decideTransfersIn(client, [
        base({ amount: 0n }),
        base({ currency: 'USD' }),
      ]);
      assert.deepEqual(
        refused.results.map((r) => r.result),
        ['amount_must_be_positive', 'currency_mismatch'],
      );
      assert.equal(refused.write, null);
      const id = tid('decided');
      const decided = await ledger.decideTransfersIn(client, [base({ id })]);
      await client.query(decided.write!.text);
      const again = await ledger.decideTransfersIn(client, [base({ id })]);
      assert.deepEqual(
        again.results.map((r) => r.result),
        ['exists'],
      );
      assert.equal(again.write, null);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});

describe('ledger immutability', () => {
  it('refuses to update or delete a transfer, in the database itself', async () => {
    const input = base();
    await one(input);
    await assert.rejects(
      db.pool.query('UPDATE ledger_transfers SET amount = 1 WHERE id = $1', [input.id]),
      /immutable/,
    );
    await assert.rejects(
      db.pool.query('DELETE FROM ledger_transfers WHERE id = $1', [input.id]),
      /immutable/,
    );
    await assert.rejects(db.pool.query('TRUNCATE ledger_transfers CASCADE'), /immutable/);
    await assert.rejects(
      db.pool.query("DELETE FROM ledger_accounts WHERE id = 'payable'"),
      /cannot be removed/,
    );
    await assert.rejects(
      db.pool.query("UPDATE ledger_accounts SET currency = 'USD' WHERE id = 'payable'"),
      /immutable/,
    );
    const [stored] = await ledger.lookupTransfers([input.id]);
    assert.equal(stored!.amount, input.amount);
  });

  it('corrects by a reversal transfer', async () => {
    const input = base({ amount: 800n });
    await one(input);
    const b0 = (await ledger.balance('payable'))!;
    const reversal = await ledger.reverse(input.id, {
      id: tid('rev'),
      amount: 300n,
      metadata: { reason: 'partial refund' },
    });
    assert.equal(reversal.result, 'created');
    assert.equal(reversal.transfer!.debit_account_id, 'payable');
    assert.deepEqual(reversal.transfer!.metadata, { reason: 'partial refund', reversal_of: input.id });
    assert.equal((await ledger.balance('payable'))!.posted, b0.posted - 300n);
  });
});

describe('ledger reads', () => {
  it('pages through a statement with running balances and answers balances as of a moment', async () => {
    await ledger.createAccounts([
      { id: 'st-payable', code: 2100, currency: 'VND' },
      { id: 'st-clearing', code: 1100, currency: 'VND' },
    ]);
    const amounts = [100n, 250n, 75n, 1000n, 5n];
    const stamps: Date[] = [];
    for (const amount of amounts) {
      await one(base({ debit_account_id: 'st-clearing', credit_account_id: 'st-payable', amount }));
      const [t] = await ledger.lookupTransfers([`t-${n}`]);
      stamps.push(t!.timestamp);
    }
    await one(base({ debit_account_id: 'st-payable', credit_account_id: 'st-clearing', amount: 30n }));
    const seen: bigint[] = [];
    const sides: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: StatementPage = (await ledger.statement('st-payable', { after: cursor, limit: 2 }))!;
      seen.push(...page.entries.map((e) => e.running_balance));
      sides.push(...page.entries.map((e) => e.side));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [100n, 350n, 425n, 1425n, 1430n, 1400n]);
    assert.deepEqual(sides, ['credit', 'credit', 'credit', 'credit', 'credit', 'debit']);
    const clearing = (await ledger.statement('st-clearing'))!;
    assert.deepEqual(
      clearing.entries.map((e) => e.running_balance),
      [100n, 350n, 425n, 1425n, 1430n, 1400n],
    );
    assert.equal(clearing.next_cursor, null);

    const asOf = (await ledger.balanceAt('st-payable', stamps[2]!))!;
    assert.equal(asOf.posted, 425n);
    assert.equal((await ledger.balanceAt('st-payable', new Date(stamps[0]!.getTime() - 60_000)))!.posted, 0n);
    assert.equal(await ledger.balance('nobody'), null);
    assert.equal(await ledger.statement('nobody'), null);
  });
});

describe('ledger verify', () => {
  it('passes on a healthy ledger and names the account whose balance was tampered with', async () => {
    const healthy = await ledger.verify();
    assert.equal(healthy.ok, true, JSON.stringify(healthy.faults));
    const vnd = healthy.totals.find((t) => t.currency === 'VND')!;
    assert.equal(vnd.debits_posted, vnd.credits_posted);
    await db.pool.query(
      "UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = 'payable'",
    );
    const broken = await ledger.verify();
    assert.equal(broken.ok, false);
    const kinds = new Set(broken.faults.map((f) => f.kind));
    assert.ok(kinds.has('balance_mismatch'));
    assert.ok(kinds.has('history_mismatch'));
    assert.ok(kinds.has('currency_unbalanced'));
    assert.ok(broken.faults.some((f) => f.account_id === 'payable'));
    await db.pool.query(
      "UPDATE ledger_accounts SET credits_posted = credits_posted - 7 WHERE id = 'payable'",
    );
    assert.equal((await ledger.verify()).ok, true);
  });

  // Last test of the file: the rows it forges can never be removed again.
  it('reports forged transfers: a missing account, a bad resolution, a foreign currency', async () => {
    const forge = (
      id: string,
      debit: string,
      credit: string,
      currency: string,
      flags = 0,
      pendingId: string | null = null,
    ) =>
      db.pool.query(
        `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, flags, pending_id,
           timestamp, dr_debits_pending, dr_debits_posted, dr_credits_pending, dr_credits_posted,
           cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted)
         VALUES ($1, $2, $3, 5, $4, 1, $5, $6, now(), 0, 0, 0, 0, 0, 0, 0, 0)`,
        [id, debit, credit, currency, flags, pendingId],
      );
    const normal = base();
    await one(normal);
    await forge('forged-ghost', 'ghost', 'payable', 'VND');
    await forge('forged-void', 'clearing', 'payable', 'VND', 8, normal.id);
    await forge('forged-usd', 'clearing', 'payable', 'USD');
    const report = await ledger.verify();
    assert.equal(report.ok, false);
    const has = (kind: string, id: string) =>
      report.faults.some((f) => f.kind === kind && f.transfer_id === id);
    assert.ok(has('dangling_reference', 'forged-ghost'), JSON.stringify(report.faults));
    assert.ok(has('bad_resolution', 'forged-void'), JSON.stringify(report.faults));
    assert.ok(has('currency_mismatch', 'forged-usd'), JSON.stringify(report.faults));
  });
});
