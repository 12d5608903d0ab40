// Ids: prefix, 10 characters of time, 16 random characters drawn from a pool the CSPRNG refills; no
// two alike across many refills, sorted by creation time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idLowerBound, isId, newId } from './ids';

describe('ids', () => {
  it('are well formed, all different across many refills of the random pool, and sort by time', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('receipt'));
    assert.ok(ids.every((id) => isId('receipt', id)));
    assert.equal(new Set(ids).size, ids.length);
    // The random parts too: no 80-bit draw is handed out twice.
    assert.equal(new Set(ids.map((id) => id.slice(-16))).size, ids.length);
    const early = newId('event', Date.UTC(2026, 0, 1));
    const late = newId('event', Date.UTC(2026, 0, 2));
    assert.ok(early < late);
    assert.ok(idLowerBound('event', Date.UTC(2026, 0, 1)) <= early);
    assert.equal(isId('event', early.replace('evt_', 'rcp_')), false);
  });
});
