// The statements the confirmations prepare once per connection (src/database/script.ts, `prepared`):
// Postgres may then keep one generic plan per connection for each, made without their values, so that
// plan must be right whatever the values: each looks its rows up by key through an index, at the
// size a province's tables reach (20,000 bills and intents here), never by scanning them. And they
// answer what their text answers, with custom plans and with the generic one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Db } from '../../src/database/db';
import { runScript, type Statement } from '../../src/database/script';
import { PaymentsRepository } from '../../src/payments/payments.repository';
import { ReceiptsRepository } from '../../src/receipts/receipts.repository';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ROWS = 20_000;
const BILLER = 'blr_00000000000000000000000001';
/** The i-th row's id with a prefix, in Crockford base32's digits only. */
const id = (prefix: string, i: number, length = 26) => `${prefix}${String(i).padStart(length, '0')}`;

describe('prepared statements of the confirmations', () => {
  let db: TestDatabase;
  let statements: (references: string[]) => Statement[];
  let payments: PaymentsRepository;

  before(async () => {
    db = await createTestDatabase();
    await db.pool.query(
      `INSERT INTO billers (id, name, kind, webhook_secret) VALUES ($1, 'Sở Tư pháp', 'agency', $2)`,
      [BILLER, `whsec_${'a'.repeat(43)}`],
    );
    await db.pool.query(
      `INSERT INTO bills (id, biller_id, kind, reference, payer, lines, amount, details)
       SELECT 'bill_' || lpad(i::text, 26, '0'), $1, 'fee', 'HS-' || i, '{"name": "Nguyễn Văn An"}',
              '[{"name": "Lệ phí", "amount": "50000"}]', 50000, '{}'
         FROM generate_series(1, $2::int) AS i`,
      [BILLER, ROWS],
    );
    await db.pool.query(
      `INSERT INTO payment_intents (id, biller_id, bill_id, method, amount, reference, return_url, expires_at)
       SELECT 'pi_' || lpad(i::text, 26, '0'), $1, 'bill_' || lpad(i::text, 26, '0'), 'vnpay', 50000,
              'PZ' || lpad(i::text, 12, '0'), 'https://example.org/', clock_timestamp() + interval '1 hour'
         FROM generate_series(1, $2::int) AS i`,
      [BILLER, ROWS],
    );
    await db.pool.query('ANALYZE billers, bills, payment_intents, receipt_series, receipt_signing_keys');
    const appDb = new Db(db.pool);
    const receipts = new ReceiptsRepository(appDb);
    payments = new PaymentsRepository(appDb);
    const webhooks = new WebhooksRepository(appDb, receipts);
    statements = (references) => [
      ...payments.lockForConfirmationStatements(references),
      receipts.issuersOfIntentsStatement(references),
      receipts.activeKeyStatement(),
      webhooks.endpointsOfIntentsStatement(references),
    ];
  });
  after(async () => {
    await db?.drop();
  });

  it('are all prepared, and their generic plans look rows up by index, never scanning the large tables', async () => {
    const prepared = [
      ...statements(['PZ000000000001']),
      ...payments.confirmPaymentsStatements([
        {
          intent_id: id('pi_', 1),
          bill_id: id('bill_', 1),
          gateway_txn_id: '14000001',
          paid_at: new Date(),
          receipt_id: id('rcp_', 1),
        },
      ]),
    ];
    assert.deepEqual(
      prepared.map((statement) => statement.prepared),
      [
        'payhub_lock_confirmed_intents',
        'payhub_lock_confirmed_bills',
        'payhub_issuers_of_intents',
        'payhub_active_signing_key',
        'payhub_endpoints_of_intents',
        'payhub_pay_confirmed_bills',
        'payhub_pay_confirmed_intents',
      ],
    );
    for (const statement of prepared) {
      const plan = (
        await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${statement.text}`)
      ).rows
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      assert.doesNotMatch(plan, /Seq Scan on (payment_intents|bills)\b/, `${statement.prepared}:\n${plan}`);
      if (/(FROM|UPDATE) (payment_intents|bills)\b/.test(statement.text))
        assert.match(
          plan,
          /Index (Only )?Scan using (payment_intents|bills)_/,
          `${statement.prepared}:\n${plan}`,
        );
    }
  });

  it('answer as their text does, run after run on one connection, with custom plans and the generic one', async () => {
    const client = await db.pool.connect();
    try {
      for (let run = 0; run < 8; run++) {
        // Which plan Postgres takes turns on the costs (a generic one for a batch's 20-odd references,
        // custom ones for a few); the answers must not.
        if (run === 4) await client.query('SET plan_cache_mode = force_generic_plan');
        const references = [id('PZ', 7 + run * 3, 12), id('PZ', ROWS - run, 12), 'PZ0000000000ZZ'];
        const [intents, bills, issuers, key, endpoints] = await runScript(client, statements(references));
        assert.deepEqual(
          intents!.rows.map((row) => row.reference as string),
          references.slice(0, 2).sort(),
        );
        assert.deepEqual(
          bills!.rows.map((row) => row.id as string),
          [id('bill_', 7 + run * 3), id('bill_', ROWS - run)].sort(),
        );
        assert.deepEqual(
          issuers!.rows.map((row) => row.biller_id as string),
          [BILLER],
        );
        assert.equal(key!.rowCount, 0);
        assert.deepEqual(endpoints!.rows, [{ id: BILLER, has_endpoint: false }]);
      }
      const names = await client.query<{ name: string; generic_plans: number }>(
        `SELECT name, generic_plans::int FROM pg_prepared_statements ORDER BY name`,
      );
      await client.query('RESET plan_cache_mode');
      // Prepared once each on this connection; the generic plans ran too.
      assert.equal(names.rows.length, 5);
      assert.ok(
        names.rows.every((row) => row.generic_plans >= 1),
        JSON.stringify(names.rows),
      );
    } finally {
      client.release();
    }
  });
});
