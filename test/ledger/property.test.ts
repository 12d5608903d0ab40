// Property tests for the ledger on real Postgres: random sequences of transfers must get, result by
// result and balance by balance, what the independent model in model.ts computes, and keep every
// invariant verify() checks. Each run uses its own account and transfer ids, so runs never interfere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PgLedger, type AccountInput, type TransferInput, type TransferResultCode } from '../../ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { LedgerModel, type Limit } from './model';

let db: TestDatabase;
let ledger: PgLedger;
let runs = 0;

// Node's test reporter does not print an error's cause: put the failed assertion in fast-check's report.
fc.configureGlobal({ includeErrorInReport: true });

before(async () => {
  db = await createTestDatabase();
  // Every call that can be split is split into lanes (ledger/lanes.ts): the split must not change a
  // single result or balance.
  ledger = new PgLedger(db.pool, { lanes_max: 3, lane_transfers_min: 1 });
});
after(async () => {
  await ledger.drain();
  await db.drop();
});

// ---- generators: abstract operations, made concrete against the ids generated before them ----------

/** Index into the run's VND accounts; -1 and -2: accounts that do not exist; -3: the USD account. */
const accountRef = fc.oneof(
  { weight: 30, arbitrary: fc.nat(5) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -2) },
  { weight: 1, arbitrary: fc.constant(-3) },
);
const amountArb = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 100n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 101n, max: 1000n }) },
);
/** Long enough that no reservation made here expires during the test. */
const TIMEOUT_LONG_SECONDS = 3600;

const transferOp = fc.record({
  kind: fc.constant('transfer' as const),
  dr: accountRef,
  cr: accountRef,
  /** Otherwise a credit account that falls on the debit account is moved to the next one. */
  same_account: fc.nat(29).map((n) => n === 0),
  amount: amountArb,
  pending: fc.boolean(),
  timeout_seconds: fc.constantFrom(0, TIMEOUT_LONG_SECONDS),
  other_currency: fc.nat(9).map((n) => n === 0),
});
/**
 * Which transfer a post or void names: a reservation open in the model, any pending transfer sent
 * (created or not, resolved or not), any transfer sent, or an id never sent.
 */
const targetArb = fc.constantFrom('live', 'live', 'live', 'pending', 'any', 'unknown');
/** Whether a post or void also names the target's accounts and currency, as they are or swapped. */
const restateArb = fc.constantFrom('none', 'none', 'none', 'none', 'same', 'swapped');
const postOp = fc.record({
  kind: fc.constant('post' as const),
  ref: fc.nat(),
  target: targetArb,
  amount: fc.constantFrom('full', 'partial', 'exact', 'over'),
  restate: restateArb,
});
const voidOp = fc.record({
  kind: fc.constant('void' as const),
  ref: fc.nat(),
  target: targetArb,
  amount: fc.constantFrom('none', 'none', 'same', 'other'),
  restate: restateArb,
});
/** An earlier transfer sent again: as it was, or with one field changed. */
const resendOp = fc.record({
  kind: fc.constant('resend' as const),
  ref: fc.nat(),
  change: fc.constantFrom('same', 'same', 'amount', 'code', 'linked', 'timeout'),
});
const opArb = fc.oneof(
  { weight: 7, arbitrary: transferOp },
  { weight: 3, arbitrary: postOp },
  { weight: 2, arbitrary: voidOp },
  { weight: 2, arbitrary: resendOp },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * One createTransfers call: its operations and a percentile per position, which gives an event the
 * linked flag below 30 (below 8 for the call's last event, which leaves the chain open).
 */
const callArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 5 }),
  links: fc.array(fc.nat(99), { minLength: 5, maxLength: 5 }),
});
type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;
const historyArb = fc.array(callArb, { minLength: 1, maxLength: 10 });

const limitArb = fc.constantFrom<Limit>('none', 'none', 'none', 'debits', 'credits');
/** The VND accounts: the first has no limit, so that it can fund the limited ones. */
const limitsArb = fc
  .array(limitArb, { minLength: 2, maxLength: 4 })
  .map((rest): Limit[] => ['none', ...rest]);
const worldArb = fc.record({
  limits: limitsArb,
  /** Whether there is also an account in USD. */
  foreign: fc.nat(2).map((n) => n === 0),
  /** What the first account moves to (or takes from) each limited account before anything else. */
  funding: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 200n })),
});
type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  prefix: string;
  model: LedgerModel;
  accounts: AccountInput[];
  account_ids: string[];
  /** Every call sent by play(), in order, with the results it got. */
  calls: Array<{ inputs: TransferInput[]; results: TransferResultCode[] }>;
}

const ACCOUNT_CODE: Record<Limit, number> = { none: 1100, debits: 2200, credits: 1200 };

/** Creates the run's accounts, with ids of its own, in the ledger and in the model. */
async function prepare(world: World): Promise<Run> {
  // Ids use the punctuation the id pattern allows, which the store must quote correctly.
  const prefix = `r${++runs}:`;
  const model = new LedgerModel();
  const limits: Limit[] = world.foreign ? [...world.limits, 'none'] : world.limits;
  const accounts: AccountInput[] = limits.map((limit, i) => ({
    id: `${prefix}acct/${i}`,
    code: ACCOUNT_CODE[limit],
    currency: i < world.limits.length ? 'VND' : 'USD',
    flags: {
      debits_must_not_exceed_credits: limit === 'debits',
      credits_must_not_exceed_debits: limit === 'credits',
    },
  }));
  const created = await ledger.createAccounts(accounts);
  assert.ok(created.every((r) => r.result === 'created'));
  accounts.forEach((a, i) => model.addAccount(a.id, a.currency, limits[i]!));
  const run: Run = { prefix, model, accounts, account_ids: accounts.map((a) => a.id), calls: [] };
  const funding = accounts.flatMap((a, i): TransferInput[] =>
    world.funding === 0n || limits[i] === 'none'
      ? []
      : [
          {
            id: `${prefix}fund${i}`,
            debit_account_id: limits[i] === 'debits' ? accounts[0]!.id : a.id,
            credit_account_id: limits[i] === 'debits' ? a.id : accounts[0]!.id,
            amount: world.funding,
            currency: 'VND',
            code: 1,
          },
        ],
  );
  if (funding.length > 0) assert.ok((await send(model, funding)).every((r) => r === 'created'));
  return run;
}

/**
 * Turns each abstract call into transfers and sends it to the ledger and the model. A post or void
 * of a `live` target names a reservation the model holds open at that moment, so that most of them
 * resolve something; the other targets are chosen from what was sent, whatever became of it.
 */
async function play(run: Run, history: readonly Call[], afterCall?: () => Promise<void>): Promise<void> {
  const { prefix, model, accounts } = run;
  const sent: TransferInput[] = [];
  const pendings: TransferInput[] = [];
  let next = 0;
  const vnd = accounts.filter((a) => a.currency === 'VND');
  const usd = accounts.find((a) => a.currency === 'USD');
  const account = (ref: number) =>
    ref >= 0 ? vnd[ref % vnd.length]!.id : ref === -3 && usd ? usd.id : `${prefix}ghost@${-ref}`;
  const currencyOf = (id: string) => accounts.find((a) => a.id === id)?.currency ?? 'VND';
  const pick = (target: string, ref: number): TransferInput | undefined => {
    // With no reservation open, a `live` target falls back to any pending transfer sent.
    const open = target === 'live' ? model.openPendings() : [];
    const from =
      open.length > 0
        ? open
        : target === 'live' || target === 'pending'
          ? pendings
          : target === 'any'
            ? sent
            : [];
    return from.length === 0 ? undefined : from[ref % from.length];
  };

  const concrete = (op: Op, linked: boolean): TransferInput | null => {
    const flags = linked ? { linked: true } : {};
    if (op.kind === 'resend') {
      if (sent.length === 0) return null;
      const earlier = sent[op.ref % sent.length]!;
      const copy: TransferInput = { ...earlier, flags: { ...earlier.flags } };
      if (op.change === 'amount') copy.amount = (earlier.amount ?? 0n) + 1n;
      if (op.change === 'code') copy.code = (earlier.code ?? 1) + 1;
      if (op.change === 'linked') copy.flags!.linked = !earlier.flags?.linked;
      if (op.change === 'timeout' && earlier.flags?.pending)
        copy.timeout_seconds = earlier.timeout_seconds === 0 ? TIMEOUT_LONG_SECONDS : 0;
      return copy;
    }
    const id = `${prefix}t${next++}`;
    if (op.kind === 'transfer') {
      const debit_account_id = account(op.dr);
      let credit_account_id = account(op.cr);
      if (credit_account_id === debit_account_id && !op.same_account)
        credit_account_id = account(op.cr < 0 ? -3 - op.cr : op.cr + 1);
      const own = currencyOf(debit_account_id);
      const input: TransferInput = {
        id,
        debit_account_id,
        credit_account_id,
        amount: op.amount,
        currency: op.other_currency ? (own === 'VND' ? 'USD' : 'VND') : own,
        code: 1,
        flags: { ...flags, pending: op.pending || undefined },
      };
      if (op.pending) {
        input.timeout_seconds = op.timeout_seconds;
        pendings.push(input);
      }
      return input;
    }
    const target = pick(op.target, op.ref);
    const base = target?.amount ?? 10n;
    const amount =
      op.amount === 'partial'
        ? base > 1n
          ? base / 2n
          : 1n
        : op.amount === 'exact' || op.amount === 'same'
          ? base
          : op.amount === 'over' || op.amount === 'other'
            ? base + 1n
            : undefined;
    const restated =
      op.restate === 'none' || target?.debit_account_id === undefined
        ? {}
        : op.restate === 'same'
          ? {
              debit_account_id: target.debit_account_id,
              credit_account_id: target.credit_account_id,
              currency: target.currency,
            }
          : { debit_account_id: target.credit_account_id, credit_account_id: target.debit_account_id };
    return {
      id,
      pending_id: target?.id ?? `${prefix}nope`,
      ...(amount === undefined ? {} : { amount }),
      ...restated,
      flags:
        op.kind === 'post'
          ? { ...flags, post_pending_transfer: true }
          : { ...flags, void_pending_transfer: true },
    };
  };

  for (const call of history) {
    const inputs: TransferInput[] = [];
    call.ops.forEach((op, i) => {
      const input = concrete(op, call.links[i]! < (i === call.ops.length - 1 ? 8 : 30));
      if (!input) return;
      if (op.kind !== 'resend') sent.push(input);
      inputs.push(input);
    });
    if (inputs.length === 0) continue;
    run.calls.push({ inputs, results: await send(model, inputs) });
    await afterCall?.();
  }
}

// ---- checks -----------------------------------------------------------------------------------------

const show = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v));

/** Sends one call to the ledger and the model; their result codes must be the same. */
async function send(model: LedgerModel, inputs: readonly TransferInput[]): Promise<TransferResultCode[]> {
  const expected = model.createTransfers(inputs);
  const actual = (await ledger.createTransfers(inputs)).map((r) => r.result);
  assert.deepEqual(actual, expected, `results differ from the model's for ${show(inputs)}`);
  return actual;
}

async function balancesOf(ids: readonly string[]) {
  const accounts = await ledger.lookupAccounts(ids);
  assert.equal(accounts.length, ids.length);
  return accounts.map((a) => ({
    id: a.id,
    currency: a.currency,
    debits_pending: a.debits_pending,
    debits_posted: a.debits_posted,
    credits_pending: a.credits_pending,
    credits_posted: a.credits_posted,
  }));
}

/** Every balance equals the model's, each currency balances, and verify() finds nothing wrong. */
async function assertLedgerMatches(run: Run): Promise<void> {
  const accounts = await balancesOf(run.account_ids);
  for (const a of accounts) {
    const m = run.model.account(a.id)!;
    assert.deepEqual(
      [a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted],
      [m.debits_pending, m.debits_posted, m.credits_pending, m.credits_posted],
      `balances of ${a.id} (debits pending/posted, credits pending/posted) differ from the model's` +
        ` after the calls ${show(run.calls.map((c) => c.inputs))}`,
    );
  }
  for (const currency of new Set(accounts.map((a) => a.currency))) {
    const sum = (field: 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted') =>
      accounts.filter((a) => a.currency === currency).reduce((total, a) => total + a[field], 0n);
    assert.equal(sum('debits_posted'), sum('credits_posted'), `${currency} posted debits = credits`);
    assert.equal(sum('debits_pending'), sum('credits_pending'), `${currency} pending debits = credits`);
  }
  const report = await ledger.verify();
  assert.equal(report.ok, true, show(report.faults));
}

async function assertWithinLimits(run: Run): Promise<void> {
  for (const a of await ledger.lookupAccounts(run.account_ids)) {
    if (a.flags.debits_must_not_exceed_credits)
      assert.ok(a.debits_pending + a.debits_posted <= a.credits_posted, `${a.id} debits past its credits`);
    if (a.flags.credits_must_not_exceed_debits)
      assert.ok(a.credits_pending + a.credits_posted <= a.debits_posted, `${a.id} credits past its debits`);
  }
}

// ---- properties -------------------------------------------------------------------------------------

describe('ledger properties', () => {
  it('agrees with the model on every result and balance for random sequences of calls', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, historyArb, async (world, history) => {
        const run = await prepare(world);
        await play(run, history);
        await assertLedgerMatches(run);
      }),
      { numRuns: 150 },
    );
  });

  it('answers exists for every created transfer sent again, and moves no balance', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, historyArb, async (world, history) => {
        const run = await prepare(world);
        await play(run, history);
        const sentBefore = [...run.calls];
        const before = await balancesOf(run.account_ids);
        // A chain that succeeded did so whole, each event created or already there, so keeping only
        // those events of a call keeps every successful chain intact and closed.
        for (const { inputs, results } of sentBefore) {
          const done = inputs.filter((_input, i) => results[i] === 'created' || results[i] === 'exists');
          if (done.length === 0) continue;
          assert.deepEqual(
            await send(run.model, done),
            done.map(() => 'exists'),
          );
        }
        assert.deepEqual(await balancesOf(run.account_ids), before);
        // The whole history again: what was created answers exists; what failed is decided afresh
        // (it may succeed now, so balances may move), and still exactly as the model decides.
        for (const { inputs, results } of sentBefore) {
          const again = await send(run.model, inputs);
          inputs.forEach((input, i) => {
            if (results[i] === 'created') assert.equal(again[i], 'exists', input.id);
          });
        }
        await assertLedgerMatches(run);
      }),
      { numRuns: 50 },
    );
  });

  it('never takes a limited account past its limit, whatever the sequence', async () => {
    const limitedWorld = fc.record({
      limits: fc
        .array(limitArb, { minLength: 0, maxLength: 1 })
        .map((rest): Limit[] => ['none', 'debits', 'credits', ...rest]),
      foreign: fc.constant(false),
      funding: fc.bigInt({ min: 20n, max: 200n }),
    });
    await fc.assert(
      fc.asyncProperty(limitedWorld, historyArb, async (world, history) => {
        const run = await prepare(world);
        await play(run, history, () => assertWithinLimits(run));
        await assertLedgerMatches(run);
      }),
      { numRuns: 50 },
    );
  });

  it('expires reservations past their timeout: refuses to resolve them, and the sweep releases each once', async () => {
    // Timeouts are whole seconds, so expiry is made deterministic by creating every reservation in one
    // call (one clock reading), waiting past the short timeout, and then advancing the model by it.
    // The first reservation always has the short timeout; accounts have no limits, so most are made.
    const TIMEOUT_SHORT_SECONDS = 1;
    const resolutionArb = fc.constantFrom('none', 'post', 'post-partial', 'void');
    const reservationArb = fc.record({
      dr: fc.nat(5),
      shift: fc.nat(4),
      amount: amountArb,
      timeout_seconds: fc.constantFrom(TIMEOUT_SHORT_SECONDS, 0, TIMEOUT_LONG_SECONDS),
      /** Resolved in the call that makes it, before the sweep, and after the sweep. */
      at_once: fc.constantFrom('none', 'none', 'post', 'void'),
      before: resolutionArb,
      after: resolutionArb,
    });
    const unlimited = fc.record({
      limits: fc.array(fc.constant<Limit>('none'), { minLength: 3, maxLength: 5 }),
      foreign: fc.constant(false),
      funding: fc.constant(0n),
    });
    await fc.assert(
      fc.asyncProperty(
        unlimited,
        fc.array(reservationArb, { minLength: 1, maxLength: 6 }),
        async (world, reservations) => {
          const run = await prepare(world);
          const ids = run.account_ids;
          const pendings = reservations.map((r, k): TransferInput => {
            const debit_account_id = ids[r.dr % ids.length]!;
            return {
              id: `${run.prefix}p${k}`,
              debit_account_id,
              credit_account_id: ids[(r.dr + 1 + (r.shift % (ids.length - 1))) % ids.length]!,
              amount: r.amount,
              currency: 'VND',
              code: 1,
              timeout_seconds: k === 0 ? TIMEOUT_SHORT_SECONDS : r.timeout_seconds,
              flags: { pending: true },
            };
          });
          const resolutions = (round: 'at_once' | 'before' | 'after') =>
            reservations.flatMap((r, k): TransferInput[] =>
              r[round] === 'none'
                ? []
                : [
                    {
                      id: `${run.prefix}${round}${k}`,
                      pending_id: pendings[k]!.id,
                      ...(r[round] === 'post-partial' ? { amount: 1n } : {}),
                      flags:
                        r[round] === 'void'
                          ? { void_pending_transfer: true }
                          : { post_pending_transfer: true },
                    },
                  ],
            );
          await send(run.model, [...pendings, ...resolutions('at_once')]);

          await new Promise((resolve) => setTimeout(resolve, TIMEOUT_SHORT_SECONDS * 1000 + 100));
          run.model.advance(TIMEOUT_SHORT_SECONDS);
          // Before the sweep an expired reservation still holds its amount but can no longer be resolved.
          for (const input of resolutions('before')) await send(run.model, [input]);
          await assertLedgerMatches(run);
          assert.equal(await ledger.expirePendingTransfers(), run.model.expire());
          assert.equal(await ledger.expirePendingTransfers(), 0, 'an expiry happens once');
          for (const input of resolutions('after')) await send(run.model, [input]);
          await assertLedgerMatches(run);
        },
      ),
      { numRuns: 4 },
    );
  });
});
