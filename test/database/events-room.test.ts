// The delivery's update of an event (src/webhooks/webhooks.repository.ts recordAttempt) stays on the
// event's page (HOT: no index entries) for most events, on a real Postgres, while another transaction's
// snapshot keeps the old versions: migrations/0019 leaves room on the pages of `events` (fillfactor
// 70). Packed full (fillfactor 100), none of these 400 updates was HOT; with the room, two thirds.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/common/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';

const EVENTS = 400;

describe('room on the pages of events', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase({ pool_max: 2 });
  });
  after(async () => db?.drop());

  it('keeps most delivery updates on the event’s own page', async () => {
    const biller = newId('biller');
    await db.pool.query(
      `INSERT INTO billers (id, name, kind, webhook_url, webhook_secret)
       VALUES ($1, 'Sở Tư pháp', 'agency', 'https://agency.example/hooks', $2)`,
      [biller, `whsec_${'a'.repeat(43)}`],
    );
    // A payment_intent.succeeded event's size: ~1.5 kB of data.
    const data = JSON.stringify({ object: 'payment_intent', padding: 'x'.repeat(1_400) });
    const ids = Array.from({ length: EVENTS }, () => newId('event'));
    const jobs = ids.map(() => randomUUID());
    await db.pool.query(
      `INSERT INTO events (id, biller_id, type, data, delivery_status, delivery_job_id)
       SELECT id, $3, 'payment_intent.succeeded', $4::json, 'pending', job
         FROM unnest($1::text[], $2::uuid[]) AS v(id, job)`,
      [ids, jobs, biller, data],
    );
    // Another transaction's snapshot, as the hub's other work holds while deliveries go on: the old
    // versions stay, so only the room left on a page takes a HOT update.
    const reader = await db.pool.connect();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query('SELECT count(*) FROM events');
    // As recordAttempt writes it after a 2xx.
    for (const [index, id] of ids.entries())
      await db.pool.query(
        `UPDATE events SET attempts = attempts + 1, last_attempt_at = clock_timestamp(), last_error = NULL,
                delivery_status = 'delivered', delivered_at = clock_timestamp()
          WHERE id = $1 AND delivery_job_id = $2 AND delivery_status = 'pending'`,
        [id, jobs[index]],
      );
    await reader.query('COMMIT');
    reader.release();
    await db.pool.query('SELECT pg_stat_force_next_flush()');
    let counts = { updated: 0, hot: 0 };
    for (const deadline = Date.now() + 10_000; counts.updated < EVENTS && Date.now() < deadline;) {
      await new Promise((wake) => setTimeout(wake, 50));
      counts = (
        await db.pool.query<{ updated: number; hot: number }>(
          `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables
            WHERE relname = 'events'`,
        )
      ).rows[0]!;
    }
    assert.equal(counts.updated, EVENTS);
    assert.ok(counts.hot >= EVENTS / 2, `${counts.hot} of ${EVENTS} updates HOT`);
  });
});
