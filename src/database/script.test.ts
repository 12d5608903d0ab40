// Statements sent together in one round trip (script.ts): a value written in as a literal must read
// back exactly as the same value sent as a parameter, whatever it holds; and a transaction opened
// with its first statements commits or rolls back whole (Db.detachedTransactionOpening).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { stringifyAsciiJson } from '../common/json';
import { Db } from './db';
import { escapeLiteral, inline, runScript, type Statement } from './script';

describe('statements in one round trip', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await db.pool.query(`CREATE TABLE script_probe (id int PRIMARY KEY, note text)`);
  });
  after(async () => db?.drop());

  const awkward = [
    "it's",
    'back\\slash',
    "both \\' and '' and \\\\",
    'Nguyễn Văn An “quoted” 🧾',
    '$1 and $$ inside a value',
    'NULL',
    '',
    " E'not an escape'",
    'line\nbreak\ttab',
  ];

  it('writes every value as the literal that reads back as the parameter would', async () => {
    const values: unknown[] = [
      awkward,
      ...awkward,
      123456789012345678n,
      -42,
      null,
      new Date('2026-12-07T03:04:05.678Z'),
      { nested: { quote: "it's", backslash: '\\', list: [1, 'two', null] } },
      [null, 'NULL', '{', '}', ',', '"', '\\'],
      Buffer.from([0, 1, 2, 0xfe, 0xff]),
    ];
    const text = `SELECT $1::text[] AS a, ${awkward.map((_, i) => `$${i + 2}::text AS s${i}`).join(', ')},
      $${awkward.length + 2}::int8 AS big, $${awkward.length + 3}::int AS small, $${awkward.length + 4}::text AS nothing,
      $${awkward.length + 5}::timestamptz AS at, $${awkward.length + 6}::jsonb AS doc,
      $${awkward.length + 7}::text[] AS arr, $${awkward.length + 8}::bytea AS bytes`;
    const asParameters = (await db.pool.query(text, values)).rows[0];
    const [asLiterals] = await runScript(db.pool, [{ text, values }]);
    assert.deepEqual(asLiterals!.rows[0], asParameters);
    assert.equal(asParameters.big, 123456789012345678n);
    assert.deepEqual(asParameters.a, awkward);
  });

  it('reads the same under either setting of standard_conforming_strings', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('SET standard_conforming_strings = off');
      const [read] = await runScript(client, [{ text: 'SELECT $1::text AS v', values: ["a\\b'c"] }]);
      assert.equal(read!.rows[0].v, "a\\b'c");
    } finally {
      await client.query('RESET standard_conforming_strings');
      client.release();
    }
    assert.equal(escapeLiteral("a'b"), "'a''b'");
    assert.equal(escapeLiteral('a\\b'), " E'a\\\\b'");
  });

  it('sends JSON in pure ASCII that Postgres reads back as the same text, as jsonb and as fields', async () => {
    const doc = { name: 'Nguyễn Văn An', words: 'Một trăm nghìn đồng', emoji: '🧾', quote: '"\\', n: 12n };
    const ascii = stringifyAsciiJson(doc);
    assert.match(ascii, /^[\x20-\x7e]*$/);
    assert.deepEqual(JSON.parse(ascii), { ...doc, n: '12' });
    const [read] = await runScript(db.pool, [
      {
        text: `SELECT $1::jsonb AS doc, e.name, e.emoji FROM json_to_recordset($2::json) AS e(name text, emoji text)`,
        values: [ascii, `[${ascii}]`],
      },
    ]);
    assert.deepEqual(read!.rows[0], { doc: { ...doc, n: '12' }, name: doc.name, emoji: doc.emoji });
  });

  it('refuses statements it cannot write safely, and placeholders without a value', () => {
    assert.throws(() => inline({ text: "SELECT 'costs $1'", values: ['x'] }), /inside a quoted string/);
    assert.throws(() => inline({ text: 'SELECT $$x$$' }), /no placeholder/);
    assert.throws(() => inline({ text: 'SELECT $2', values: ['only one'] }), /no value for \$2/);
    assert.equal(inline({ text: "SELECT 'it''s', $1", values: ["it's"] }), "SELECT 'it''s', 'it''s'");
  });

  it('answers one result per statement, in order, in one round trip', async () => {
    const results = await runScript(db.pool, [
      { text: 'SELECT 1 AS one' },
      { text: 'SELECT $1::int + 1 AS two', values: [1] },
      { text: 'SELECT generate_series(1, $1::int) AS n', values: [3] },
    ]);
    assert.deepEqual(
      results.map((result) => result.rows),
      [[{ one: 1 }], [{ two: 2 }], [{ n: 1 }, { n: 2 }, { n: 3 }]],
    );
  });

  it('commits a transaction opened with its first statements, or rolls all of it back', async () => {
    const hub = new Db(db.pool);
    const insert = (id: number) => ({
      text: 'INSERT INTO script_probe VALUES ($1, $2)',
      values: [id, `row ${id}`],
    });
    const committed = await hub.detachedTransactionOpening(
      [insert(1), { text: 'SELECT 7 AS seven' }],
      async (tx, opened) => {
        assert.equal(opened.length, 2);
        assert.equal(opened[1]!.rows[0].seven, 7);
        assert.ok(hub.inTransaction());
        await hub.query('INSERT INTO script_probe VALUES (2, $1)', ['joined']);
        await runScript(tx, [insert(3), { text: 'COMMIT' }]);
        return 'done';
      },
      { committed: true },
    );
    assert.equal(committed, 'done');

    await assert.rejects(
      hub.detachedTransactionOpening([insert(4)], async () => {
        await hub.query('INSERT INTO script_probe VALUES (5, $1)', ['then a failure']);
        throw new Error('fails after writing');
      }),
      /fails after writing/,
    );
    // A failing statement in the opening: nothing of it stays either.
    await assert.rejects(
      hub.detachedTransactionOpening([insert(6), insert(1)], async () => 'never'),
      /duplicate key/,
    );
    const ids = (await db.pool.query('SELECT id FROM script_probe ORDER BY id')).rows.map((row) => row.id);
    assert.deepEqual(ids, [1, 2, 3]);
    // Every connection went back to the pool usable, outside a transaction.
    assert.equal(db.pool.waitingCount, 0);
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM script_probe')).rows[0].n, 3);
  });

  it('prepares a named statement once per connection and executes it with its values as literals', async () => {
    const client = await db.pool.connect();
    try {
      const echo = (value: string): Statement => ({
        text: 'SELECT $1::text AS value, length($1::text) AS n',
        values: [value],
        prepared: 'payhub_probe_echo',
      });
      const typed = [`it's`, `back\\slash`, `$1 and $$`, 'Nguyễn Văn An'];
      for (const value of typed) {
        const [answer] = await runScript(client, [echo(value)]);
        assert.deepEqual(answer!.rows, [{ value, n: value.length }]);
      }
      const prepared = async () =>
        (await client.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).rows[0].n as number;
      assert.equal(await prepared(), 1);
      // Prepared inside a transaction that rolls back: still prepared (PREPARE is not undone), and
      // used as such by the next script.
      await client.query('BEGIN');
      await runScript(client, [
        { text: 'SELECT $1::int AS id', values: [1], prepared: 'payhub_probe_in_rollback' },
      ]);
      await client.query('ROLLBACK');
      const [again] = await runScript(client, [
        { text: 'SELECT $1::int AS id', values: [2], prepared: 'payhub_probe_in_rollback' },
      ]);
      assert.deepEqual(again!.rows, [{ id: 2 }]);
      assert.equal(await prepared(), 2);
      // One name, one text.
      await assert.rejects(
        runScript(client, [{ text: 'SELECT 2', prepared: 'payhub_probe_echo' }]),
        /names two statements/,
      );
      await assert.rejects(runScript(client, [{ text: 'SELECT 2', prepared: 'Robert; DROP' }]), /no name/);
      // The ledger's names are its own.
      await assert.rejects(
        runScript(client, [{ text: 'SELECT 2', prepared: 'payhub_ledger_write' }]),
        /no name/,
      );
    } finally {
      client.release();
    }
  });
});
