// The references to a payment's receipt (the intent's receipt_id, a receipt.issued event's receipt_id)
// are written before the receipt in a batch of confirmations and checked when the transaction commits
// (migrations/0018): within the transaction a reference may come first; by the commit the receipt must
// be there, or the whole transaction fails and nothing of it stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/common/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('references to receipts, checked at commit', () => {
  let db: TestDatabase;
  let biller_id: string;

  before(async () => {
    db = await createTestDatabase();
    biller_id = newId('biller');
    await db.pool.query(
      `INSERT INTO billers (id, name, kind, webhook_secret) VALUES ($1, 'Sở Tư pháp', 'agency', $2)`,
      [biller_id, `whsec_${'a'.repeat(43)}`],
    );
  });
  after(async () => {
    await db?.drop();
  });

  it('declares both foreign keys deferrable and deferred', async () => {
    const found = await db.pool.query<{ conname: string; condeferrable: boolean; condeferred: boolean }>(
      `SELECT conname, condeferrable, condeferred FROM pg_constraint
        WHERE conname IN ('payment_intents_receipt_id_fkey', 'events_receipt_id_fkey') ORDER BY conname`,
    );
    assert.deepEqual(found.rows, [
      { conname: 'events_receipt_id_fkey', condeferrable: true, condeferred: true },
      { conname: 'payment_intents_receipt_id_fkey', condeferrable: true, condeferred: true },
    ]);
  });

  it('fails the commit of an event whose receipt never came, and keeps nothing of it', async () => {
    const event_id = newId('event');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      // Accepted for now: the receipt may still follow in this transaction.
      await client.query(
        `INSERT INTO events (id, biller_id, type, data, receipt_id, delivery_status)
         VALUES ($1, $2, 'receipt.issued', NULL, $3, 'no_endpoint')`,
        [event_id, biller_id, newId('receipt')],
      );
      await assert.rejects(client.query('COMMIT'), (error: { code?: string }) => error.code === '23503');
    } finally {
      client.release();
    }
    const left = await db.pool.query('SELECT 1 FROM events WHERE id = $1', [event_id]);
    assert.equal(left.rowCount, 0);
  });

  it('refuses an event with both data and a receipt, or a receipt on another type', async () => {
    const insert = (type: string, data: string | null, receipt_id: string | null) =>
      db.pool.query(
        `INSERT INTO events (id, biller_id, type, data, receipt_id, delivery_status)
         VALUES ($1, $2, $3, $4::json, $5, 'no_endpoint')`,
        [newId('event'), biller_id, type, data, receipt_id],
      );
    const check = (error: { code?: string }) => error.code === '23514';
    await assert.rejects(insert('receipt.issued', '{"id":"x"}', newId('receipt')), check);
    await assert.rejects(insert('receipt.issued', null, null), check);
    await assert.rejects(insert('payment_intent.succeeded', null, newId('receipt')), check);
  });
});
