// How a batch is split into lanes: transfers that share an account, an id, a pending transfer or a
// linked chain always travel together, in their original order; unrelated ones are spread out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { splitIntoLanes, type LanePart } from './lanes';
import type { TransferInput } from './types';

const t = (id: string, dr: string, cr: string, extra: Partial<TransferInput> = {}): TransferInput => ({
  id,
  debit_account_id: dr,
  credit_account_id: cr,
  amount: 1n,
  currency: 'VND',
  code: 1,
  ...extra,
});

/** Which lane each transfer id went to. */
function laneOfIds(requests: { inputs: TransferInput[] }[], lanes: LanePart[][]): Map<string, number[]> {
  const where = new Map<string, number[]>();
  lanes.forEach((lane, index) => {
    for (const part of lane) {
      for (const position of part.positions) {
        const id = requests[part.request]!.inputs[position]!.id;
        where.set(id, [...(where.get(id) ?? []), index]);
      }
    }
  });
  return where;
}

describe('ledger lanes', () => {
  it('splits transfers on unrelated accounts and keeps each account in one lane', () => {
    const requests = [
      { inputs: [t('t1', 'a', 'hot'), t('t2', 'b', 'c')] },
      { inputs: [t('t3', 'hot', 'd'), t('t4', 'e', 'f'), t('t5', 'c', 'g')] },
    ];
    const lanes = splitIntoLanes(requests, 2);
    assert.equal(lanes.length, 2);
    const where = laneOfIds(requests, lanes);
    assert.equal(where.get('t1')![0], where.get('t3')![0], 'both touch the hot account');
    assert.equal(where.get('t2')![0], where.get('t5')![0], 'both touch account c');
  });

  it('keeps a linked chain, a pending transfer and its post, and a repeated id together', () => {
    const requests = [
      {
        inputs: [
          t('chain1', 'a', 'b', { flags: { linked: true } }),
          t('chain2', 'c', 'd'),
          t('p', 'e', 'f', { flags: { pending: true } }),
          { id: 'post', pending_id: 'p', flags: { post_pending_transfer: true } },
        ],
      },
      { inputs: [t('chain1', 'g', 'h'), t('x', 'y', 'z')] },
    ];
    const where = laneOfIds(requests, splitIntoLanes(requests, 4));
    assert.equal(where.get('chain1')![0], where.get('chain2')![0]);
    assert.equal(where.get('chain1')![0], where.get('chain1')![1], 'the same id twice');
    assert.equal(where.get('p')![0], where.get('post')![0]);
  });

  it('puts a post of a stored pending transfer with the other transfers on its accounts', () => {
    const requests = [
      {
        inputs: [
          { id: 'post', pending_id: 'stored', flags: { post_pending_transfer: true } },
          t('spend', 'b', 'c'),
          t('other', 'x', 'y'),
        ],
      },
    ];
    const known = splitIntoLanes(requests, 3, 1, (id) => (id === 'stored' ? ['a', 'b'] : undefined));
    const where = laneOfIds(requests, known);
    assert.equal(known.length, 2);
    assert.equal(where.get('post')![0], where.get('spend')![0], 'the post credits b, which spend debits');
    assert.notEqual(where.get('post')![0], where.get('other')![0]);
    // A pending transfer whose accounts are unknown could touch anything: the batch stays whole.
    assert.equal(splitIntoLanes(requests, 3, 1).length, 1);
  });

  it('does not split a batch smaller than lanes of the minimum size', () => {
    const requests = [{ inputs: [t('t1', 'a', 'b'), t('t2', 'c', 'd'), t('t3', 'e', 'f')] }];
    assert.equal(splitIntoLanes(requests, 2, 2).length, 1);
    assert.equal(splitIntoLanes(requests, 2, 1).length, 2);
    assert.equal(splitIntoLanes(requests, 1).length, 1);
  });

  it('places every transfer exactly once, in its request order, and never splits an account', () => {
    const inputArb = fc.record({
      id: fc.constantFrom('t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'),
      dr: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
      cr: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
      linked: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(inputArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (raw, lanesMax) => {
          const requests = raw.map((inputs) => ({
            inputs: inputs.map((i) => t(i.id, i.dr, i.cr, { flags: { linked: i.linked } })),
          }));
          const lanes = splitIntoLanes(requests, lanesMax);
          assert.ok(lanes.length >= 1 && lanes.length <= lanesMax);
          const seen = requests.map((r) => new Array<number>(r.inputs.length).fill(0));
          const accountLane = new Map<string, number>();
          lanes.forEach((lane, index) => {
            let lastRequest = -1;
            for (const part of lane) {
              assert.ok(part.request > lastRequest, 'requests in order within a lane');
              lastRequest = part.request;
              assert.deepEqual(
                part.positions,
                [...part.positions].sort((a, b) => a - b),
              );
              for (const position of part.positions) {
                seen[part.request]![position]! += 1;
                const input = requests[part.request]!.inputs[position]!;
                for (const account of [input.debit_account_id!, input.credit_account_id!]) {
                  assert.equal(accountLane.get(account) ?? index, index, `account ${account} in two lanes`);
                  accountLane.set(account, index);
                }
              }
            }
          });
          assert.ok(seen.every((counts) => counts.every((count) => count === 1)));
        },
      ),
    );
  });
});
