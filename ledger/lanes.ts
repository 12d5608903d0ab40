// Group commit puts every waiting caller's transfers into one batch; one transaction per batch would
// then use one Postgres core however many the server has. A batch is split here into lanes that share
// no account, no transfer id and no linked chain, so each lane can commit in its own transaction, in
// parallel, without waiting on another lane's row locks (docs/adr/0002).
import type { TransferInput } from './types';

/**
 * The accounts of a pending transfer already in the database (they never change), or undefined when
 * it is not known. A post or void moves the pending transfer's accounts, so it must travel with every
 * other transfer on them: one whose pending transfer is neither in the batch nor known stops the split.
 */
export type PendingAccounts = (pending_id: string) => readonly [string, string] | undefined;

/** The pending transfers a batch names that it does not itself create: look these up before splitting. */
export function pendingIdsOutside(
  requests: ReadonlyArray<{ readonly inputs: readonly TransferInput[] }>,
): Set<string> {
  const ids = new Set<string>();
  const named = new Set<string>();
  for (const request of requests) {
    for (const input of request.inputs) {
      ids.add(String(input.id));
      if (typeof input.pending_id === 'string') named.add(input.pending_id);
    }
  }
  for (const id of ids) named.delete(id);
  return named;
}

/** Relative cost of one inserted transfer and of one updated account row, for balancing lanes. */
const TRANSFER_WEIGHT = 3;
const ACCOUNT_WEIGHT = 2;

/** One request's share of a lane: positions (ascending) in that request's inputs. */
export interface LanePart {
  readonly request: number;
  readonly positions: number[];
}

function find(parent: Int32Array, unit: number): number {
  let root = unit;
  while (parent[root] !== root) root = parent[root]!;
  while (parent[unit] !== root) {
    const next = parent[unit]!;
    parent[unit] = root;
    unit = next;
  }
  return root;
}

/**
 * Splits requests into at most `lanes_max` lanes of about `lane_transfers_min` transfers or more. Two
 * transfers land in the same lane when they touch the same account (a post or void: its pending
 * transfer's accounts), carry the same id, name the same pending transfer (or one names the other), or
 * belong to the same linked chain; a lane keeps the requests' order and each request's order, so the
 * engine decides exactly as it would for the whole batch. Returns one lane when nothing splits.
 */
export function splitIntoLanes(
  requests: ReadonlyArray<{ readonly inputs: readonly TransferInput[] }>,
  lanes_max: number,
  lane_transfers_min = 1,
  pendingAccounts: PendingAccounts = () => undefined,
): LanePart[][] {
  let units = 0;
  for (const request of requests) units += request.inputs.length;
  const everything = (): LanePart[][] => [
    requests.map((request, index) => ({
      request: index,
      positions: request.inputs.map((_, position) => position),
    })),
  ];
  // Each lane costs a connection and a commit: a small batch is not worth splitting.
  lanes_max = Math.min(lanes_max, Math.floor(units / Math.max(1, lane_transfers_min)));
  if (lanes_max <= 1) return everything();

  const parent = new Int32Array(units);
  for (let i = 0; i < units; i++) parent[i] = i;
  const owner = new Map<string, number>();
  const union = (a: number, b: number) => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) parent[rb] = ra;
  };
  const claim = (key: string, unit: number) => {
    const other = owner.get(key);
    if (other === undefined) owner.set(key, unit);
    else union(other, unit);
  };
  const outside = pendingIdsOutside(requests);
  let unit = 0;
  for (const request of requests) {
    let chained = false;
    for (const input of request.inputs) {
      if (typeof input.pending_id === 'string' && outside.has(input.pending_id)) {
        const accounts = pendingAccounts(input.pending_id);
        if (!accounts) return everything();
        claim(`a${accounts[0]}`, unit);
        claim(`a${accounts[1]}`, unit);
      }
      // Keys are tagged by kind so an account and a transfer that share a name stay apart.
      if (typeof input.debit_account_id === 'string') claim(`a${input.debit_account_id}`, unit);
      if (typeof input.credit_account_id === 'string') claim(`a${input.credit_account_id}`, unit);
      claim(`t${String(input.id)}`, unit);
      if (typeof input.pending_id === 'string') claim(`t${input.pending_id}`, unit);
      if (chained) union(unit - 1, unit);
      chained = input.flags?.linked === true;
      unit++;
    }
  }

  // A lane's cost is about its inserted transfers plus its updated account rows (docs/adr/0002 measured
  // ~26 us and ~17 us each): weigh components 3 : 2 so the lane with the hot account, whose transfers
  // share one account row, is not the one left with the most rows to update.
  const sizes = new Map<number, number>();
  for (let i = 0; i < units; i++) {
    const root = find(parent, i);
    sizes.set(root, (sizes.get(root) ?? 0) + TRANSFER_WEIGHT);
  }
  for (const [key, first] of owner) {
    if (!key.startsWith('a')) continue;
    const root = find(parent, first);
    sizes.set(root, sizes.get(root)! + ACCOUNT_WEIGHT);
  }
  if (sizes.size === 1) return everything();
  const laneCount = Math.min(lanes_max, sizes.size);
  const load = new Array<number>(laneCount).fill(0);
  const laneOf = new Map<number, number>();
  // Heaviest component first, each to the least loaded lane: lanes come out about equal.
  for (const [root, size] of [...sizes].sort((a, b) => b[1] - a[1])) {
    let best = 0;
    for (let lane = 1; lane < laneCount; lane++) if (load[lane]! < load[best]!) best = lane;
    load[best] = load[best]! + size;
    laneOf.set(root, best);
  }

  const lanes: LanePart[][] = Array.from({ length: laneCount }, () => []);
  unit = 0;
  requests.forEach((request, index) => {
    const parts = new Map<number, LanePart>();
    for (let position = 0; position < request.inputs.length; position++, unit++) {
      const lane = laneOf.get(find(parent, unit))!;
      let part = parts.get(lane);
      if (!part) {
        part = { request: index, positions: [] };
        parts.set(lane, part);
        lanes[lane]!.push(part);
      }
      part.positions.push(position);
    }
  });
  return lanes;
}
