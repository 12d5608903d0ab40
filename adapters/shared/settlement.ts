// Every gateway's settlement file has the same frame around its rows: an exact header on line 1 and a
// `TOTAL,<rows>,<sum of amount>,<sum of fee>` trailer last. It is checked here once, the rows by each gateway.
import { SettlementFileError, type SettlementRow } from '../contract';
import { parseWholeAmount, readCsvLines } from './csv';

/** The first field of the trailer, the file's last line: `TOTAL,<rows>,<sum of amount>,<sum of fee>`. */
export const SETTLEMENT_TRAILER = 'TOTAL';

export interface SettlementCsvFormat {
  /** The header's column names, exactly and in order; every row has as many fields. */
  readonly header: readonly string[];
  /**
   * One data row, already checked to have one field per column, as a contract row; throws
   * SettlementFileError `bad_row` with `line` for a row it cannot read. Called once per row, so it
   * should be a function made once per file, not a closure made per row.
   */
  parseRow(fields: string[], line: number): SettlementRow;
}

/** One record as a line of the file (without its newline), with the amount and fee the trailer sums. */
export interface SettlementLine {
  readonly line: string;
  readonly amount: bigint;
  readonly fee: bigint;
}

function badRow(line: number, message: string): SettlementFileError {
  return new SettlementFileError('bad_row', line, message);
}

/**
 * The rows of a settlement file, in file order. Throws SettlementFileError at the first fault:
 * `wrong_columns` on line 1 (an empty file, a first line that is not the header, blank ones included),
 * `bad_encoding`, `bad_row` (a row that does not parse, a malformed trailer, anything after the
 * trailer), `truncated` (no trailer: at the line after the last one read; totals that disagree with the
 * rows: at the trailer's line; a last line without its newline). Rows are yielded before the trailer is
 * checked, so an importer must refuse the whole file on an error.
 */
export async function* readSettlementCsv(
  stream: AsyncIterable<string | Buffer>,
  format: SettlementCsvFormat,
): AsyncGenerator<SettlementRow> {
  const header = format.header.join(',');
  const field_count = format.header.length;
  let header_seen = false;
  let trailer_seen = false;
  let last_line = 0;
  let count = 0;
  let amount_sum = 0n;
  let fee_sum = 0n;
  for await (const { line, fields } of readCsvLines(stream)) {
    last_line = line;
    if (!header_seen) {
      // The length check refuses a quoted header field that hides a comma and would join the same.
      if (line !== 1 || fields.length !== field_count || fields.join(',') !== header) {
        throw new SettlementFileError('wrong_columns', 1, `line 1 must be the header ${header}`);
      }
      header_seen = true;
      continue;
    }
    if (trailer_seen) throw badRow(line, `a line after the ${SETTLEMENT_TRAILER} trailer`);
    if (fields[0] === SETTLEMENT_TRAILER) {
      checkTrailer(fields, line, count, amount_sum, fee_sum);
      trailer_seen = true;
      continue;
    }
    if (fields.length !== field_count) throw badRow(line, `expected ${field_count} fields`);
    const row = format.parseRow(fields, line);
    count += 1;
    amount_sum += row.amount;
    fee_sum += row.fee;
    yield row;
  }
  if (!header_seen) throw new SettlementFileError('wrong_columns', 1, 'the file is empty');
  if (!trailer_seen) {
    throw new SettlementFileError('truncated', last_line + 1, `the ${SETTLEMENT_TRAILER} trailer is missing`);
  }
}

function checkTrailer(fields: string[], line: number, count: number, amount_sum: bigint, fee_sum: bigint) {
  const [, count_text = '', amount_text = '', fee_text = ''] = fields;
  const given_count = parseWholeAmount(count_text);
  const given_amount = parseWholeAmount(amount_text);
  const given_fee = parseWholeAmount(fee_text);
  if (fields.length !== 4 || given_count === null || given_amount === null || given_fee === null) {
    throw badRow(line, `the trailer must be ${SETTLEMENT_TRAILER},<rows>,<sum of amount>,<sum of fee>`);
  }
  // Totals that disagree with the rows read mean rows went missing (or were added) on the way.
  if (given_count !== BigInt(count) || given_amount !== amount_sum || given_fee !== fee_sum) {
    throw new SettlementFileError('truncated', line, 'the trailer totals do not match the rows');
  }
}

/**
 * The file's lines, each ending in `\n`: the header, one line per record (`format` may throw for a
 * record the parser would refuse; `index` is its 0-based position), the trailer with the count and sums.
 * A generator, so a million rows stream without being held in memory.
 */
export function* writeSettlementCsv<R>(
  header: readonly string[],
  records: Iterable<R>,
  format: (record: R, index: number) => SettlementLine,
): Generator<string> {
  yield `${header.join(',')}\n`;
  let count = 0;
  let amount_sum = 0n;
  let fee_sum = 0n;
  for (const record of records) {
    const { line, amount, fee } = format(record, count);
    count += 1;
    amount_sum += amount;
    fee_sum += fee;
    yield `${line}\n`;
  }
  yield `${SETTLEMENT_TRAILER},${count},${amount_sum},${fee_sum}\n`;
}
