// Gateways' daily settlement files are CSV of any size: this reader streams them line by line in bounded
// memory, decodes UTF-8 strictly (a bad byte is an error naming its line, never a silent U+FFFD), and
// leaves the meaning of the columns to each gateway's parser.
import { SettlementFileError } from '../contract';

export interface CsvLine {
  /** 1-based physical line number. */
  readonly line: number;
  readonly fields: string[];
}

/** Longest line accepted; a longer one is not a settlement row (and would break bounded memory). */
const LINE_LENGTH_MAX = 64 * 1024;
const NEWLINE = 0x0a;

function splitFields(text: string, line: number): string[] {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let started = true;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        if (i < text.length && text[i] !== ',') {
          throw new SettlementFileError('bad_row', line, 'text after a closing quote');
        }
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      started = true;
      i += 1;
      continue;
    }
    if (ch === '"' && started && field.length === 0) {
      quoted = true;
      started = false;
      i += 1;
      continue;
    }
    field += ch;
    started = false;
    i += 1;
  }
  if (quoted) throw new SettlementFileError('bad_row', line, 'a quoted field is not closed');
  fields.push(field);
  return fields;
}

/** Quotes a field for writing when it needs it (simulators write the files the parsers read). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The lines of a CSV stream, split into fields. Blank lines are skipped (their numbers still count), a
 * UTF-8 BOM is dropped, CRLF is accepted. A file whose last line has no newline is `truncated`: a
 * download cut mid-line must not pass for a shorter file.
 */
export async function* readCsvLines(stream: AsyncIterable<string | Buffer>): AsyncGenerator<CsvLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const buffer = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    const last = buffer.lastIndexOf(NEWLINE);
    if (last < 0) {
      if (buffer.length > LINE_LENGTH_MAX) {
        throw new SettlementFileError('bad_row', line + 1, `line longer than ${LINE_LENGTH_MAX} bytes`);
      }
      carry = buffer;
      continue;
    }
    const complete = buffer.subarray(0, last + 1);
    carry = Buffer.from(buffer.subarray(last + 1));
    let text: string;
    try {
      text = decoder.decode(complete, { stream: true });
    } catch {
      throw new SettlementFileError('bad_encoding', line + badLineOffset(complete), 'not valid UTF-8');
    }
    if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      line += 1;
      let row = text.slice(start, end);
      start = end + 1;
      if (row.endsWith('\r')) row = row.slice(0, -1);
      if (row.length > LINE_LENGTH_MAX) {
        throw new SettlementFileError('bad_row', line, `line longer than ${LINE_LENGTH_MAX} bytes`);
      }
      if (row.length === 0) continue;
      yield { line, fields: splitFields(row, line) };
    }
  }
  if (carry.length > 0) {
    throw new SettlementFileError('truncated', line + 1, 'the last line has no newline (file cut short?)');
  }
}

/** Which line (1-based, within `bytes`) holds the first byte sequence that is not UTF-8. */
function badLineOffset(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, start);
    const stop = end < 0 ? bytes.length : end;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      return line;
    }
    if (end < 0) return line;
    start = end + 1;
    line += 1;
  }
}

/** Digits only, as a bigint; null for anything else (a sign, a decimal point, a thousands separator). */
export function parseWholeAmount(text: string): bigint | null {
  return /^\d{1,19}$/.test(text) ? BigInt(text) : null;
}
