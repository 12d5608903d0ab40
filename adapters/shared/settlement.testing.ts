// Every gateway's settlement tests feed files to a parser in small chunks and read back its rows or
// its refusal; these helpers do that once. Not a test file itself.
import assert from 'node:assert/strict';
import { SettlementFileError, type SettlementRow } from '../contract';

/** The bytes of `text` in chunks of `size`, cutting lines (and UTF-8 characters) anywhere, as a network does. */
export async function* chunksOf(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Every row a settlement parser yields, in order. */
export async function collectRows(rows: AsyncIterable<SettlementRow>): Promise<SettlementRow[]> {
  const collected: SettlementRow[] = [];
  for await (const row of rows) collected.push(row);
  return collected;
}

/** The code and line a settlement parser refuses a file with; fails the test when it accepts it. */
export async function refusalOf(rows: AsyncIterable<SettlementRow>): Promise<[string, number]> {
  try {
    for await (const row of rows) void row;
  } catch (error) {
    assert.ok(error instanceof SettlementFileError, String(error));
    return [error.code, error.line];
  }
  assert.fail('the file was accepted');
}
