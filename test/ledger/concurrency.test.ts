// The Postgres ledger under concurrency: many callers and several hub processes (each its own pool and
// its own PgLedger) posting to one database must lose no update, let no deadlock reach a caller,
// never overdraw a limited account, and create each transfer id exactly once.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Pool, PoolClient } from 'pg';
import {
  PgLedger,
  TRANSFER_FLAG,
  type Account,
  type AccountInput,
  type Balances,
  type TransferInput,
  type TransferResult,
} from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
/** Hub process A: the production defaults. */
let hubA: PgLedger;
/**
 * Hub process B: its own pool, and small batches with more of them in flight, each split into lanes
 * where it can be, so that it runs many short transactions that interleave with A's few large ones.
 */
let hubB: PgLedger;
let poolB: Pool;
let hubs: [PgLedger, PgLedger];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const random = (below: number) => Math.floor(Math.random() * below);
/** A few milliseconds of random delay, so callers reach the ledgers in varied interleavings. */
const jitter = () => pause(random(5));

function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string } | null;
  return `${e?.code ?? 'no code'}: ${e?.message ?? String(error)}`;
}

/** Starts every task at once and fails, naming each one, if any exception reached a caller. */
async function all<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [describeError(s.reason)] : []));
  assert.deepEqual(errors, [], 'no exception may reach a caller');
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function tally(codes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** One caller posting one transfer, after a little jitter. */
async function post(hub: PgLedger, input: TransferInput): Promise<TransferResult> {
  await jitter();
  const results = await hub.createTransfers([input]);
  assert.equal(results.length, 1);
  const result = results[0]!;
  // Group commit answers many callers from one transaction: each must get its own answer.
  assert.equal(result.id, input.id, 'a caller gets the result of its own transfer');
  if (result.transfer) assert.equal(result.transfer.id, input.id);
  return result;
}

async function createAccounts(...inputs: AccountInput[]): Promise<void> {
  const results = await hubA.createAccounts(inputs);
  assert.deepEqual(
    results.map((r) => r.result),
    inputs.map(() => 'created'),
  );
}

async function account(id: string): Promise<Account> {
  const [found] = await hubA.lookupAccounts([id]);
  assert.ok(found, `account ${id} exists`);
  return found;
}

function balancesOf(a: Balances): Balances {
  return {
    debits_pending: a.debits_pending,
    debits_posted: a.debits_posted,
    credits_pending: a.credits_pending,
    credits_posted: a.credits_posted,
  };
}

const ZERO: Balances = { debits_pending: 0n, debits_posted: 0n, credits_pending: 0n, credits_posted: 0n };

/**
 * Replays an account's transfers in the order they were applied (seq) and checks the balances each
 * one recorded for it. A lost update, or two transactions that both wrote the account from the same
 * stale read, shows up as the first transfer whose record disagrees with the replay.
 */
async function assertSerialHistory(accountId: string): Promise<number> {
  const { rows } = await db.pool.query(
    `SELECT id, debit_account_id, amount, flags, pending_id,
            dr_debits_pending, dr_debits_posted, dr_credits_pending, dr_credits_posted,
            cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted
       FROM ledger_transfers WHERE debit_account_id = $1 OR credit_account_id = $1 ORDER BY seq`,
    [accountId],
  );
  const amounts = new Map<string, bigint>();
  const b = { ...ZERO };
  for (const row of rows) {
    const debit = row.debit_account_id === accountId;
    const amount = row.amount as bigint;
    const flags = row.flags as number;
    amounts.set(row.id, amount);
    const reserved = row.pending_id === null ? 0n : amounts.get(row.pending_id);
    assert.notEqual(reserved, undefined, `${row.id} resolves a pending transfer seen earlier`);
    const pendingKey = debit ? 'debits_pending' : 'credits_pending';
    const postedKey = debit ? 'debits_posted' : 'credits_posted';
    if (flags & TRANSFER_FLAG.pending) b[pendingKey] += amount;
    else if (flags & TRANSFER_FLAG.post_pending_transfer) {
      b[pendingKey] -= reserved!;
      b[postedKey] += amount;
    } else if (flags & TRANSFER_FLAG.void_pending_transfer) b[pendingKey] -= reserved!;
    else b[postedKey] += amount;
    const p = debit ? 'dr_' : 'cr_';
    assert.deepEqual(
      {
        debits_pending: row[`${p}debits_pending`],
        debits_posted: row[`${p}debits_posted`],
        credits_pending: row[`${p}credits_pending`],
        credits_posted: row[`${p}credits_posted`],
      },
      b,
      `balances recorded for ${accountId} by transfer ${row.id}`,
    );
  }
  assert.deepEqual(balancesOf(await account(accountId)), b, `stored balances of ${accountId}`);
  return rows.length;
}

/**
 * Waits (2 s at most) until a backend of the test database waits for a lock: the backend with `pid`,
 * or any when none is given (a test's only contender). Answers whether one did.
 */
async function waitUntilBlocked(pid?: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND ($1::int IS NULL OR pid = $1)`,
      [pid ?? null],
    );
    if (rows[0].waiting > 0) return true;
    await pause(10);
  }
  return false;
}

/** A caller's answer, or what it threw, so that an exception shows up in the assertion's message. */
async function outcome<T>(promise: Promise<T>): Promise<T | string> {
  try {
    return await promise;
  } catch (error) {
    return `threw ${describeError(error)}`;
  }
}

before(async () => {
  db = await createTestDatabase({ pool_max: 20 });
  poolB = db.newPool(20);
  hubA = new PgLedger(db.pool);
  hubB = new PgLedger(poolB, {
    batch_transfers_max: 8,
    batches_in_flight_max: 4,
    lanes_max: 3,
    lane_transfers_min: 1,
  });
  hubs = [hubA, hubB];
});
after(async () => {
  await Promise.all(hubs.map((hub) => hub.drain()));
  await db.drop();
});

describe('ledger under concurrency', { timeout: 60_000 }, () => {
  afterEach(async () => {
    const report = await hubA.verify();
    assert.equal(report.ok, true, JSON.stringify(report.faults));
  });

  it('answers created once and exists 49 times to 50 concurrent posts of one id', async () => {
    await createAccounts(
      { id: 'dup1-from', code: 1100, currency: 'VND' },
      { id: 'dup1-to', code: 2100, currency: 'VND' },
    );
    const input: TransferInput = {
      id: 'dup1',
      debit_account_id: 'dup1-from',
      credit_account_id: 'dup1-to',
      amount: 5_000n,
      currency: 'VND',
      code: 1,
    };
    const results = await all(Array.from({ length: 50 }, () => () => post(hubA, input)));
    assert.deepEqual(tally(results.map((r) => r.result)), { created: 1, exists: 49 });
    const [stored] = await hubA.lookupTransfers(['dup1']);
    assert.deepEqual(
      [...new Set(results.map((r) => r.transfer?.seq))],
      [stored!.seq],
      'every answer carries the one stored transfer',
    );
    assert.equal((await account('dup1-from')).debits_posted, 5_000n);
    assert.equal((await account('dup1-to')).credits_posted, 5_000n);
  });

  it('creates one id once when 50 concurrent posts of it are spread over two hub processes', async () => {
    await createAccounts(
      { id: 'dup2-from', code: 1100, currency: 'VND' },
      { id: 'dup2-to', code: 2100, currency: 'VND' },
    );
    for (let round = 0; round < 5; round++) {
      const input: TransferInput = {
        id: `dup2-${round}`,
        debit_account_id: 'dup2-from',
        credit_account_id: 'dup2-to',
        amount: 1_000n,
        currency: 'VND',
        code: 1,
      };
      const results = await all(Array.from({ length: 50 }, (_, i) => () => post(hubs[i % 2]!, input)));
      assert.deepEqual(tally(results.map((r) => r.result)), { created: 1, exists: 49 }, `round ${round}`);
    }
    assert.equal((await account('dup2-from')).debits_posted, 5_000n, 'each of 5 ids moved money once');
    assert.equal((await account('dup2-to')).credits_posted, 5_000n);
    assert.equal(await assertSerialHistory('dup2-to'), 5);
  });

  it('creates one id once when 50 concurrent posts of it come from eight hub processes', async () => {
    await createAccounts(
      { id: 'dup3-from', code: 1100, currency: 'VND' },
      { id: 'dup3-to', code: 2100, currency: 'VND' },
    );
    const processes = Array.from({ length: 8 }, () => new PgLedger(db.newPool(3)));
    const input: TransferInput = {
      id: 'dup3',
      debit_account_id: 'dup3-from',
      credit_account_id: 'dup3-to',
      amount: 777n,
      currency: 'VND',
      code: 1,
    };
    const results = await all(Array.from({ length: 50 }, (_, i) => () => post(processes[i % 8]!, input)));
    assert.deepEqual(tally(results.map((r) => r.result)), { created: 1, exists: 49 });
    assert.equal((await account('dup3-to')).credits_posted, 777n);
    await Promise.all(processes.map((hub) => hub.drain()));
  });

  it('creates one of two concurrent posts of one id with different fields and names the difference to the other', async () => {
    await createAccounts(
      { id: 'diff-a1', code: 1100, currency: 'VND' },
      { id: 'diff-c1', code: 2100, currency: 'VND' },
      { id: 'diff-a2', code: 1100, currency: 'VND' },
      { id: 'diff-c2', code: 2100, currency: 'VND' },
    );
    const base = { debit_account_id: 'diff-a1', credit_account_id: 'diff-c1', currency: 'VND', code: 1 };
    // The second pair shares no account with the first: the two transactions then take disjoint
    // row locks and only the transfer id's unique key stands between them.
    const variants: Array<[string, Partial<TransferInput>, Partial<TransferInput>, string]> = [
      ['amount', { amount: 100n }, { amount: 200n }, 'exists_with_different_amount'],
      ['code', { amount: 50n }, { amount: 50n, code: 2 }, 'exists_with_different_code'],
      [
        'accounts',
        { amount: 30n },
        { amount: 30n, debit_account_id: 'diff-a2', credit_account_id: 'diff-c2' },
        'exists_with_different_debit_account_id',
      ],
      ['flags', { amount: 70n }, { amount: 70n, flags: { pending: true } }, 'exists_with_different_flags'],
    ];
    const expected = new Map<string, Balances>(
      ['diff-a1', 'diff-c1', 'diff-a2', 'diff-c2'].map((id) => [id, { ...ZERO }]),
    );
    for (const [name, x, y, loserCode] of variants) {
      for (let round = 0; round < 8; round++) {
        const id = `diff-${name}-${round}`;
        const inputs: TransferInput[] = [
          { id, ...base, ...x },
          { id, ...base, ...y },
        ];
        const results = await all([() => post(hubA, inputs[0]!), () => post(hubB, inputs[1]!)]);
        assert.deepEqual(
          results.map((r) => r.result).sort(),
          ['created', loserCode].sort(),
          `${name} round ${round}`,
        );
        const winner = inputs[results.findIndex((r) => r.result === 'created')]!;
        const stored = await hubA.lookupTransfers([id]);
        assert.equal(stored.length, 1);
        assert.equal(stored[0]!.amount, winner.amount);
        assert.equal(stored[0]!.code, winner.code);
        assert.equal(stored[0]!.debit_account_id, winner.debit_account_id);
        assert.equal(stored[0]!.flags, winner.flags?.pending ? TRANSFER_FLAG.pending : 0);
        const pending = winner.flags?.pending === true;
        expected.get(winner.debit_account_id!)![pending ? 'debits_pending' : 'debits_posted'] +=
          winner.amount!;
        expected.get(winner.credit_account_id!)![pending ? 'credits_pending' : 'credits_posted'] +=
          winner.amount!;
      }
    }
    for (const [id, balances] of expected) {
      assert.deepEqual(balancesOf(await account(id)), balances, `nothing posted twice to ${id}`);
    }
  });

  it('loses no update on a hot account credited by 64 concurrent posters in two hub processes', async () => {
    const POSTERS = 64;
    const EACH = 20;
    const SOURCES = 16;
    await createAccounts(
      { id: 'hot', code: 2100, currency: 'VND' },
      ...Array.from({ length: SOURCES }, (_, i) => ({ id: `hot-src-${i}`, code: 1100, currency: 'VND' })),
    );
    const sent = new Map<string, bigint>();
    let total = 0n;
    const codes = await all(
      Array.from({ length: POSTERS }, (_, poster) => async () => {
        const seen: string[] = [];
        for (let k = 0; k < EACH; k++) {
          const source = `hot-src-${random(SOURCES)}`;
          const amount = BigInt(1 + random(100_000));
          sent.set(source, (sent.get(source) ?? 0n) + amount);
          total += amount;
          const result = await post(hubs[poster % 2]!, {
            id: `hot-${poster}-${k}`,
            debit_account_id: source,
            credit_account_id: 'hot',
            amount,
            currency: 'VND',
            code: 1,
          });
          seen.push(result.result);
        }
        return seen;
      }),
    );
    assert.deepEqual(tally(codes.flat()), { created: POSTERS * EACH });
    const hot = await account('hot');
    assert.equal(hot.credits_posted, total);
    assert.equal(hot.debits_posted, 0n);
    for (let i = 0; i < SOURCES; i++) {
      assert.equal((await account(`hot-src-${i}`)).debits_posted, sent.get(`hot-src-${i}`) ?? 0n);
    }
    assert.equal(await assertSerialHistory('hot'), POSTERS * EACH);
    await assertSerialHistory('hot-src-0');
  });

  it('lets exactly as many equal debits through as the funds allow and answers exceeds_credits to the rest', async () => {
    await createAccounts(
      { id: 'lim-bank', code: 1100, currency: 'VND' },
      { id: 'lim-wallet', code: 2200, currency: 'VND', flags: { debits_must_not_exceed_credits: true } },
      { id: 'lim-payee', code: 2100, currency: 'VND' },
    );
    const funding = await all(
      Array.from(
        { length: 10 },
        (_, i) => () =>
          post(hubs[i % 2]!, {
            id: `lim-fund-${i}`,
            debit_account_id: 'lim-bank',
            credit_account_id: 'lim-wallet',
            amount: 100n,
            currency: 'VND',
            code: 1,
          }),
      ),
    );
    assert.deepEqual(tally(funding.map((r) => r.result)), { created: 10 });
    const spends = await all(
      Array.from(
        { length: 40 },
        (_, i) => () =>
          post(hubs[i % 2]!, {
            id: `lim-spend-${i}`,
            debit_account_id: 'lim-wallet',
            credit_account_id: 'lim-payee',
            amount: 100n,
            currency: 'VND',
            code: 1,
          }),
      ),
    );
    assert.deepEqual(tally(spends.map((r) => r.result)), { created: 10, exceeds_credits: 30 });
    const wallet = await account('lim-wallet');
    assert.equal(wallet.credits_posted, 1_000n);
    assert.equal(wallet.debits_posted, 1_000n);
    assert.equal(wallet.debits_pending, 0n);
    assert.equal((await account('lim-payee')).credits_posted, 1_000n);
    await assertSerialHistory('lim-wallet');
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS overdrawn FROM ledger_transfers
        WHERE debit_account_id = 'lim-wallet' AND dr_debits_posted + dr_debits_pending > dr_credits_posted`,
    );
    assert.equal(rows[0].overdrawn, 0, 'the wallet was never overdrawn, not even for one transfer');
  });

  it('never overdraws under racing debits and reservations of different sizes', async () => {
    const FUNDS = 10_000n;
    await createAccounts(
      { id: 'lim2-bank', code: 1100, currency: 'VND' },
      { id: 'lim2-wallet', code: 2200, currency: 'VND', flags: { debits_must_not_exceed_credits: true } },
      { id: 'lim2-payee', code: 2100, currency: 'VND' },
    );
    assert.equal(
      (
        await post(hubA, {
          id: 'lim2-fund',
          debit_account_id: 'lim2-bank',
          credit_account_id: 'lim2-wallet',
          amount: FUNDS,
          currency: 'VND',
          code: 1,
        })
      ).result,
      'created',
    );
    const inputs: TransferInput[] = Array.from({ length: 60 }, (_, i) => ({
      id: `lim2-spend-${i}`,
      debit_account_id: 'lim2-wallet',
      credit_account_id: 'lim2-payee',
      // 60 debits of at least 200 ask for more than the funds: some must be refused.
      amount: BigInt(200 + random(700)),
      currency: 'VND',
      code: 1,
      flags: i % 3 === 0 ? { pending: true } : undefined,
    }));
    const results = await all(inputs.map((input, i) => () => post(hubs[i % 2]!, input)));
    const codes = tally(results.map((r) => r.result));
    assert.deepEqual(Object.keys(codes).sort(), ['created', 'exceeds_credits'], JSON.stringify(codes));
    let posted = 0n;
    let reserved = 0n;
    results.forEach((r, i) => {
      if (r.result !== 'created') return;
      if (inputs[i]!.flags?.pending) reserved += inputs[i]!.amount!;
      else posted += inputs[i]!.amount!;
    });
    assert.ok(posted + reserved <= FUNDS, `${posted} posted + ${reserved} reserved <= ${FUNDS}`);
    const wallet = await account('lim2-wallet');
    assert.equal(wallet.debits_posted, posted);
    assert.equal(wallet.debits_pending, reserved);
    // The room only shrank during the race, so every refused debit was bigger than what is left now.
    const left = FUNDS - posted - reserved;
    results.forEach((r, i) => {
      if (r.result === 'exceeds_credits')
        assert.ok(
          inputs[i]!.amount! > left,
          `${inputs[i]!.id} of ${inputs[i]!.amount} refused with ${left} left`,
        );
    });
    // Releasing the reservations from both processes gives their room back.
    const voids = await all(
      results.flatMap((r, i) =>
        r.result === 'created' && inputs[i]!.flags?.pending
          ? [
              () =>
                post(hubs[i % 2]!, {
                  id: `lim2-void-${i}`,
                  pending_id: r.id,
                  flags: { void_pending_transfer: true },
                }),
            ]
          : [],
      ),
    );
    assert.ok(voids.every((r) => r.result === 'created'));
    const released = await account('lim2-wallet');
    assert.equal(released.debits_pending, 0n);
    assert.equal(released.credits_posted - released.debits_posted, FUNDS - posted);
    await assertSerialHistory('lim2-wallet');
  });

  it('resolves a pending transfer once when 20 posts and voids race from two hub processes', async () => {
    await createAccounts(
      { id: 'tp-a', code: 1100, currency: 'VND' },
      { id: 'tp-b', code: 2100, currency: 'VND' },
    );
    let postedTotal = 0n;
    const winners: string[] = [];
    for (let round = 0; round < 8; round++) {
      const pendingId = `tp-pending-${round}`;
      assert.equal(
        (
          await post(hubA, {
            id: pendingId,
            debit_account_id: 'tp-a',
            credit_account_id: 'tp-b',
            amount: 500n,
            currency: 'VND',
            code: 1,
            flags: { pending: true },
          })
        ).result,
        'created',
      );
      // Half post (some only part of the reservation), half void; each kind comes from both processes.
      const attempts: TransferInput[] = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? {
              id: `tp-${round}-post-${i}`,
              pending_id: pendingId,
              amount: i % 4 === 0 ? 300n : undefined,
              flags: { post_pending_transfer: true },
            }
          : { id: `tp-${round}-void-${i}`, pending_id: pendingId, flags: { void_pending_transfer: true } },
      );
      const results = await all(attempts.map((input, i) => () => post(hubs[(i >> 1) % 2]!, input)));
      const winner = results.find((r) => r.result === 'created');
      assert.ok(winner, `round ${round}: one attempt resolves the pending transfer`);
      const posting = winner.transfer!.flags === TRANSFER_FLAG.post_pending_transfer;
      winners.push(posting ? 'post' : 'void');
      assert.deepEqual(
        tally(results.map((r) => r.result)),
        posting
          ? { created: 1, pending_transfer_already_posted: 19 }
          : { created: 1, pending_transfer_already_voided: 19 },
        `round ${round}`,
      );
      if (posting) {
        const index = results.indexOf(winner);
        const expectedAmount = attempts[index]!.amount ?? 500n;
        assert.equal(winner.transfer!.amount, expectedAmount);
        postedTotal += expectedAmount;
      }
      const { rows } = await db.pool.query(
        'SELECT count(*)::int AS resolutions FROM ledger_transfers WHERE pending_id = $1',
        [pendingId],
      );
      assert.equal(rows[0].resolutions, 1);
    }
    const a = await account('tp-a');
    const b = await account('tp-b');
    assert.deepEqual(balancesOf(a), { ...ZERO, debits_posted: postedTotal }, `winners ${winners.join(',')}`);
    assert.deepEqual(balancesOf(b), { ...ZERO, credits_posted: postedTotal });
    await assertSerialHistory('tp-a');
  });

  // Found by this suite at d4620b6: the account locks are taken in a snapshot that cannot see the
  // pending transfer yet, the transfers are read in a later one that can, and the engine then throws
  // "accounts of pending transfer ... not loaded" at the caller instead of answering.
  it('posts a pending transfer whose creation in another process it had to wait for', async () => {
    await createAccounts(
      { id: 'race-a', code: 1100, currency: 'VND' },
      { id: 'race-b', code: 2100, currency: 'VND' },
    );
    const creator = await db.pool.connect();
    try {
      // Process A creates the pending transfer in its caller's transaction and has not committed yet.
      await creator.query('BEGIN');
      assert.deepEqual(
        (
          await hubA.createTransfersIn(creator, [
            {
              id: 'race-p',
              debit_account_id: 'race-a',
              credit_account_id: 'race-b',
              amount: 5_000n,
              currency: 'VND',
              code: 1,
              flags: { pending: true },
            },
          ])
        ).map((r) => r.result),
        ['created'],
      );
      // Process B posts it, naming its debit account (allowed: it must match), and so waits for A's lock.
      const posting = outcome(
        hubB.createTransfers([
          {
            id: 'race-post',
            pending_id: 'race-p',
            debit_account_id: 'race-a',
            flags: { post_pending_transfer: true },
          },
        ]),
      );
      assert.ok(await waitUntilBlocked(), 'the post waits for the creating transaction');
      await creator.query('COMMIT');
      const answer = await posting;
      assert.deepEqual(
        typeof answer === 'string' ? answer : answer.map((r) => r.result),
        ['created'],
        'once the pending transfer exists the post resolves it',
      );
    } finally {
      creator.release();
    }
    assert.deepEqual(balancesOf(await account('race-b')), { ...ZERO, credits_posted: 5_000n });
  });

  it('answers not found, then posts once, when posts race the creation of the pending transfer', async () => {
    await createAccounts(
      { id: 'race2-a', code: 1100, currency: 'VND' },
      { id: 'race2-b', code: 2100, currency: 'VND' },
    );
    const ROUNDS = 200;
    const errors: string[] = [];
    const codes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const pendingId = `race2-p-${round}`;
      // Process B posts by pending id alone, again and again, until the transfer exists.
      const spin = async () => {
        for (let attempt = 0; attempt < 10_000; attempt++) {
          const answer = await outcome(
            hubB.createTransfers([
              { id: `race2-post-${round}`, pending_id: pendingId, flags: { post_pending_transfer: true } },
            ]),
          );
          if (typeof answer === 'string') return errors.push(`${pendingId}: ${answer}`);
          if (answer[0]!.result !== 'pending_transfer_not_found') return codes.push(answer[0]!.result);
        }
        return codes.push('gave up');
      };
      const spinner = spin();
      await pause(random(3));
      const created = await post(hubA, {
        id: pendingId,
        debit_account_id: 'race2-a',
        credit_account_id: 'race2-b',
        amount: 10n,
        currency: 'VND',
        code: 1,
        flags: { pending: true },
      });
      assert.equal(created.result, 'created');
      await spinner;
    }
    assert.deepEqual(errors, [], 'no exception may reach a caller');
    assert.deepEqual(tally(codes), { created: ROUNDS });
    assert.deepEqual(balancesOf(await account('race2-b')), { ...ZERO, credits_posted: 10n * BigInt(ROUNDS) });
  });

  it('completes transfers and linked chains that touch the same accounts in opposite orders', async () => {
    const ids = ['x-a', 'x-b', 'x-c', 'x-d'];
    await createAccounts(...ids.map((id) => ({ id, code: 1100, currency: 'VND' })));
    const debited = new Map<string, bigint>(ids.map((id) => [id, 0n]));
    const credited = new Map<string, bigint>(ids.map((id) => [id, 0n]));
    let n = 0;
    const transfer = (from: string, to: string, linked = false): TransferInput => {
      const amount = BigInt(1 + random(1000));
      debited.set(from, debited.get(from)! + amount);
      credited.set(to, credited.get(to)! + amount);
      return {
        id: `x-${++n}`,
        debit_account_id: from,
        credit_account_id: to,
        amount,
        currency: 'VND',
        code: 1,
        flags: linked ? { linked: true } : undefined,
      };
    };
    const [a, b, c, d] = ids as [string, string, string, string];
    const chains: Array<Array<[string, string]>> = [
      [
        [a, b],
        [c, d],
        [d, a],
      ],
      [
        [d, c],
        [b, a],
        [a, d],
      ],
      [
        [c, a],
        [d, b],
        [b, c],
      ],
      [
        [b, d],
        [a, c],
        [c, b],
      ],
    ];
    const calls: TransferInput[][] = [];
    for (let i = 0; i < 120; i++) calls.push([i % 2 === 0 ? transfer(a, b) : transfer(b, a)]);
    for (let i = 0; i < 60; i++) {
      const chain = chains[i % chains.length]!;
      calls.push(chain.map(([from, to], k) => transfer(from, to, k < chain.length - 1)));
    }
    // Several unlinked transfers in one call, in descending account order.
    for (let i = 0; i < 30; i++) calls.push([transfer(d, c), transfer(c, b), transfer(b, a), transfer(a, d)]);
    const results = await all(
      calls.map((inputs, i) => async () => {
        await jitter();
        return hubs[i % 2]!.createTransfers(inputs);
      }),
    );
    results.forEach((answer, i) =>
      assert.deepEqual(
        answer.map((r) => r.id),
        calls[i]!.map((input) => input.id),
      ),
    );
    assert.deepEqual(tally(results.flat().map((r) => r.result)), { created: n });
    for (const id of ids) {
      const found = await account(id);
      assert.equal(found.debits_posted, debited.get(id), `debits of ${id}`);
      assert.equal(found.credits_posted, credited.get(id), `credits of ${id}`);
      await assertSerialHistory(id);
    }
  });

  it('keeps a transfer made in a caller transaction that commits and leaves nothing after a rollback', async () => {
    await createAccounts(
      { id: 'tx-a', code: 1100, currency: 'VND' },
      { id: 'tx-b', code: 2100, currency: 'VND' },
    );
    const input = (id: string, amount: bigint, linked = false): TransferInput => ({
      id,
      debit_account_id: 'tx-a',
      credit_account_id: 'tx-b',
      amount,
      currency: 'VND',
      code: 1,
      flags: linked ? { linked: true } : undefined,
    });
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const kept = await hubA.createTransfersIn(client, [input('tx-kept', 400n)]);
      assert.deepEqual(
        kept.map((r) => r.result),
        ['created'],
      );
      await client.query('COMMIT');

      await client.query('BEGIN');
      const dropped = await hubA.createTransfersIn(client, [
        input('tx-dropped-1', 50n, true),
        input('tx-dropped-2', 60n),
        { id: 'tx-dropped-3', pending_id: 'tx-kept', flags: { void_pending_transfer: true } },
      ]);
      assert.deepEqual(
        dropped.map((r) => r.result),
        ['created', 'created', 'pending_transfer_not_pending'],
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.deepEqual(
      (await hubA.lookupTransfers(['tx-kept', 'tx-dropped-1', 'tx-dropped-2'])).map((t) => t.id),
      ['tx-kept'],
    );
    assert.deepEqual(balancesOf(await account('tx-b')), { ...ZERO, credits_posted: 400n });
    assert.deepEqual(balancesOf(await account('tx-a')), { ...ZERO, debits_posted: 400n });
    const report = await hubA.verify();
    assert.equal(report.ok, true, JSON.stringify(report.faults));
    // The rolled-back ids are free again.
    assert.equal((await post(hubB, input('tx-dropped-1', 50n))).result, 'created');
  });

  it('creates one transfer when two caller transactions in two processes post the same id', async () => {
    await createAccounts(
      { id: 'tx2-a', code: 1100, currency: 'VND' },
      { id: 'tx2-b', code: 2100, currency: 'VND' },
    );
    const ROUNDS = 6;
    for (let round = 0; round < ROUNDS; round++) {
      const input: TransferInput = {
        id: `tx2-${round}`,
        debit_account_id: 'tx2-a',
        credit_account_id: 'tx2-b',
        amount: 250n,
        currency: 'VND',
        code: 1,
      };
      const inCallerTransaction = async (hub: PgLedger, pool: Pool) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await jitter();
          const [result] = await hub.createTransfersIn(client, [input]);
          await client.query('COMMIT');
          return result!.result;
        } finally {
          client.release();
        }
      };
      const codes = await all([
        () => inCallerTransaction(hubA, db.pool),
        () => inCallerTransaction(hubB, poolB),
      ]);
      assert.deepEqual(codes.sort(), ['created', 'exists'], `round ${round}`);
    }
    assert.equal((await account('tx2-b')).credits_posted, 250n * BigInt(ROUNDS));
    await assertSerialHistory('tx2-b');
  });

  it('creates the transfer of a waiting caller transaction when the one ahead of it rolls back', async () => {
    await createAccounts(
      { id: 'tx3-a', code: 1100, currency: 'VND' },
      { id: 'tx3-b', code: 2100, currency: 'VND' },
    );
    const input: TransferInput = {
      id: 'tx3',
      debit_account_id: 'tx3-a',
      credit_account_id: 'tx3-b',
      amount: 900n,
      currency: 'VND',
      code: 1,
    };
    const first: PoolClient = await db.pool.connect();
    const second: PoolClient = await poolB.connect();
    try {
      const { rows } = await second.query('SELECT pg_backend_pid() AS pid');
      await first.query('BEGIN');
      await second.query('BEGIN');
      assert.deepEqual(
        (await hubA.createTransfersIn(first, [input])).map((r) => r.result),
        ['created'],
      );
      const waiting = hubB.createTransfersIn(second, [input]);
      // Roll the first back only once the second is really blocked behind it.
      assert.ok(await waitUntilBlocked(rows[0].pid), 'the second caller waits for the first');
      await first.query('ROLLBACK');
      assert.deepEqual(
        (await waiting).map((r) => r.result),
        ['created'],
      );
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    assert.equal((await hubA.lookupTransfers(['tx3'])).length, 1);
    assert.deepEqual(balancesOf(await account('tx3-b')), { ...ZERO, credits_posted: 900n });
  });

  it('expires each pending transfer exactly once when two hub processes sweep at the same time', async () => {
    const K = 40;
    await createAccounts(
      { id: 'exp-a', code: 1100, currency: 'VND' },
      { id: 'exp-b', code: 2100, currency: 'VND' },
    );
    const created = await all(
      Array.from(
        { length: K },
        (_, i) => () =>
          post(hubs[i % 2]!, {
            id: `exp-${i}`,
            debit_account_id: 'exp-a',
            credit_account_id: 'exp-b',
            amount: BigInt(10 + i),
            currency: 'VND',
            code: 1,
            flags: { pending: true },
            timeout_seconds: 1,
          }),
      ),
    );
    assert.deepEqual(tally(created.map((r) => r.result)), { created: K });
    const reserved = (await account('exp-b')).credits_pending;
    assert.equal(reserved, BigInt(K * 10 + (K * (K - 1)) / 2));
    // Wait until the database's clock has passed every expiry.
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS due FROM ledger_transfers WHERE id LIKE 'exp-%' AND expires_at <= clock_timestamp()`,
      );
      if (rows[0].due === K) break;
      await pause(50);
    }
    // Each process sweeps in a loop, in small pages, while callers try to post the expired transfers.
    const sweep = async (hub: PgLedger) => {
      let expired = 0;
      for (let i = 0; i < 100; i++) {
        const n = await hub.expirePendingTransfers(7);
        if (n === 0) break;
        expired += n;
      }
      return expired;
    };
    const [counts, posts] = await Promise.all([
      all([() => sweep(hubA), () => sweep(hubB), () => sweep(hubA), () => sweep(hubB)]),
      all(
        Array.from(
          { length: 10 },
          (_, i) => () =>
            post(hubs[i % 2]!, {
              id: `exp-post-${i}`,
              pending_id: `exp-${i * 3}`,
              flags: { post_pending_transfer: true },
            }),
        ),
      ),
    ]);
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      K,
      `expired per sweep ${counts.join(',')}`,
    );
    assert.deepEqual(tally(posts.map((r) => r.result)), { pending_transfer_expired: 10 });
    assert.deepEqual(
      await all([() => hubA.expirePendingTransfers(), () => hubB.expirePendingTransfers()]),
      [0, 0],
    );
    const { rows } = await db.pool.query(
      `SELECT pending_id, count(*)::int AS resolutions, bool_and(flags = $1) AS expired
         FROM ledger_transfers WHERE pending_id LIKE 'exp-%' GROUP BY pending_id ORDER BY pending_id`,
      [TRANSFER_FLAG.void_pending_transfer | TRANSFER_FLAG.expired],
    );
    assert.equal(rows.length, K);
    assert.ok(
      rows.every((row) => row.resolutions === 1 && row.expired === true),
      JSON.stringify(rows.filter((row) => row.resolutions !== 1 || row.expired !== true)),
    );
    assert.deepEqual(balancesOf(await account('exp-a')), ZERO);
    assert.deepEqual(balancesOf(await account('exp-b')), ZERO);
    await assertSerialHistory('exp-b');
  });
});
