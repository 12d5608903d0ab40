// Several statements in ONE round trip: each parameterised statement is written out with its values
// as SQL literals (exactly the text pg would send for them as parameters) and the statements travel
// as one simple-protocol query. Under load a round trip costs far more than the statements in it (the
// batched confirmations, docs/adr/0007, spend most of a batch waiting on round trips), so a hot path
// that runs a fixed sequence of statements sends them together.
// Values go through pg's own conversion (prepareValue) and Client.escapeLiteral: a value can never
// end its literal. Only statements written in this codebase are inlined: their text must not hold a
// quoted string with a `$`, nor dollar quoting (checked).
import type { ClientBase, QueryResult, QueryResultRow } from 'pg';
// pg's own value conversion for parameters (arrays, dates, JSON, buffers), so a literal reads back
// exactly as the parameter would have.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | Buffer | null };

export interface Statement {
  text: string;
  values?: readonly unknown[];
  /**
   * A name (`payhub_` and letters) for a statement whose text never changes: a script prepares it
   * once per connection (PREPARE, in a round trip of its own before the script) and then sends
   * `EXECUTE name(values)`, so Postgres parses it once per connection, and plans it once too when a
   * plan made without the values costs no more than one made for them (plan_cache_mode auto: a
   * batch's 20-odd references, not a handful). Only for statements whose plan does not turn on their
   * values (a lookup by key through an index), as test/database/prepared-plans.test.ts checks.
   */
  prepared?: string;
}

/**
 * A string as a SQL literal: quotes doubled; with a backslash, an E'' literal with backslashes
 * doubled too, which reads the same whatever standard_conforming_strings says (libpq's rule, as
 * pg's escapeLiteral, whose character-by-character loop cost more than the statements it built).
 */
export function escapeLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

function literal(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null) return 'NULL';
  if (Buffer.isBuffer(prepared)) return ` E'\\\\x${prepared.toString('hex')}'::bytea`;
  return escapeLiteral(prepared);
}

/** A quoted string (kept as it is, but it may not hold a `$`), or a $n placeholder. */
const TOKEN = /'(?:[^']|'')*'|\$(\d+)|\$/g;

/** The statement as one SQL text, its $n placeholders replaced by their values' literals. */
export function inline(statement: Statement): string {
  const values = statement.values ?? [];
  return statement.text.replace(TOKEN, (token: string, digits: string | undefined) => {
    if (token.startsWith("'")) {
      if (token.includes('$')) throw new Error('inline: a $ inside a quoted string');
      return token;
    }
    if (digits === undefined) throw new Error('inline: a $ that is no placeholder (dollar quoting?)');
    const index = Number(digits) - 1;
    if (index < 0 || index >= values.length) throw new Error(`inline: no value for $${digits}`);
    return literal(values[index]);
  });
}

/** `payhub_` and letters; `payhub_ledger_` belongs to the ledger's own (ledger/pg-ledger.ts). */
const PREPARED_NAME = /^payhub_(?!ledger_)[a-z_]{1,50}$/;
/** The statements prepared on each connection (a prepared statement lasts as long as its session). */
const preparedOn = new WeakMap<object, Map<string, string>>();

/** The statement as a script sends it: EXECUTE when it is prepared, else its text with its values. */
function scripted(statement: Statement): string {
  if (statement.prepared === undefined) return inline(statement);
  const values = statement.values ?? [];
  return values.length === 0
    ? `EXECUTE ${statement.prepared}`
    : `EXECUTE ${statement.prepared}(${values.map(literal).join(', ')})`;
}

/**
 * Prepares the statements this connection has not prepared yet, in one round trip of their own.
 * PREPARE is not undone by a rollback: a statement prepared inside a transaction that later fails
 * stays prepared, as recorded here.
 */
async function prepare(client: Pick<ClientBase, 'query'>, statements: readonly Statement[]): Promise<void> {
  let prepared = preparedOn.get(client);
  const missing = new Map<string, string>();
  for (const { prepared: name, text } of statements) {
    if (name === undefined) continue;
    const known = prepared?.get(name) ?? missing.get(name);
    if (known === text) continue;
    if (known !== undefined) throw new Error(`script: ${name} names two statements`);
    // A name is checked once, when the connection first meets it (it is written into SQL as it is).
    if (!PREPARED_NAME.test(name)) throw new Error(`script: ${name} is no name for a prepared statement`);
    missing.set(name, text);
  }
  if (missing.size === 0) return;
  if (!prepared) preparedOn.set(client, (prepared = new Map()));
  await client.query([...missing].map(([name, text]) => `PREPARE ${name} AS ${text}`).join(';\n'));
  for (const [name, text] of missing) prepared.set(name, text);
}

/**
 * Runs the statements in one round trip, in order; answers one result per statement. Inside a
 * transaction a failing statement aborts it and the ones after it do not run (the caller rolls back).
 * A statement with a `prepared` name the connection has not met yet costs one round trip more, once.
 */
export async function runScript<R extends QueryResultRow = QueryResultRow>(
  client: Pick<ClientBase, 'query'>,
  statements: readonly Statement[],
): Promise<Array<QueryResult<R>>> {
  if (statements.length === 0) return [];
  await prepare(client, statements);
  const answered = (await client.query<R>(statements.map(scripted).join(';\n'))) as
    QueryResult<R> | Array<QueryResult<R>>;
  const results = Array.isArray(answered) ? answered : [answered];
  if (results.length !== statements.length)
    throw new Error(`script: ${statements.length} statements answered ${results.length} results`);
  return results;
}
