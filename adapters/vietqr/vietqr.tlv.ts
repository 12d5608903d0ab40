// EMVCo's TLV encoding, the grammar of every VietQR payload: a 2-digit id, a 2-digit length counted in
// UTF-8 bytes (not characters), then the value; some values are themselves TLV lists (templates).

/** A field to encode: a plain value, or a template whose value is its children encoded in order. */
export type TlvNode =
  | { readonly id: string; readonly value: string }
  | { readonly id: string; readonly children: readonly TlvNode[] };

/** A decoded field. `children` is present when the field was decoded as a template. */
export interface TlvField {
  id: string;
  value: string;
  /** Byte offset of the field's id inside the text that was decoded. */
  offset_bytes: number;
  children?: TlvField[];
}

/**
 * Which ids are templates, and which of their sub-ids are templates in turn: `{ '38': { '01': {} } }`
 * decodes 38 as a template and, inside it, 01 as a template.
 */
export interface TemplateSpec {
  readonly [id: string]: TemplateSpec;
}

export type TlvDecodeResult =
  { ok: true; fields: TlvField[] } | { ok: false; reason: 'malformed_tlv'; detail: string };

/** An encoder refusal: the caller handed over a field that TLV cannot carry. */
export class TlvEncodeError extends Error {
  constructor(
    readonly reason: 'bad_id' | 'bad_length',
    /** Ids from the top, joined by `/`: `38/01/00`. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'TlvEncodeError';
  }
}

/** Most bytes one value can hold: the length has two decimal digits. */
export const TLV_VALUE_BYTES_MAX = 99;

const ID = /^\d{2}$/;

function joinPath(parent: string, id: string): string {
  return parent === '' ? id : `${parent}/${id}`;
}

function encodeNode(node: TlvNode, parent: string): string {
  const path = joinPath(parent, node.id);
  if (!ID.test(node.id)) throw new TlvEncodeError('bad_id', path, `TLV id must be two digits: ${path}`);
  const value = 'children' in node ? encodeChildren(node.children, path) : node.value;
  const length_bytes = Buffer.byteLength(value, 'utf8');
  if (length_bytes < 1 || length_bytes > TLV_VALUE_BYTES_MAX) {
    throw new TlvEncodeError(
      'bad_length',
      path,
      `TLV value of ${path} is ${length_bytes} bytes; it must be 1 to ${TLV_VALUE_BYTES_MAX}`,
    );
  }
  return node.id + String(length_bytes).padStart(2, '0') + value;
}

function encodeChildren(nodes: readonly TlvNode[], parent: string): string {
  return nodes.map((node) => encodeNode(node, parent)).join('');
}

/** Encodes fields in the order given; throws TlvEncodeError for an id or a length TLV cannot carry. */
export function encodeTlv(nodes: readonly TlvNode[]): string {
  return encodeChildren(nodes, '');
}

// Fatal, so a length that cuts a multi-byte character in two is reported instead of papered over.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function decodeBytes(bytes: Uint8Array, templates: TemplateSpec, parent: string): TlvDecodeResult {
  const fields: TlvField[] = [];
  const seen = new Set<string>();
  let at = 0;
  // Each pass consumes at least 5 bytes, so the loop is bounded by the input's length.
  while (at < bytes.length) {
    const where = `${parent === '' ? 'payload' : parent} at byte ${at}`;
    if (at + 4 > bytes.length) return malformed(`${where}: fewer than 4 bytes left for an id and a length`);
    if (![0, 1, 2, 3].every((index) => isDigit(bytes[at + index]))) {
      return malformed(`${where}: id and length must be 4 digits`);
    }
    const id = String.fromCharCode(bytes[at]!, bytes[at + 1]!);
    const length_bytes = (bytes[at + 2]! - 0x30) * 10 + (bytes[at + 3]! - 0x30);
    const path = joinPath(parent, id);
    if (length_bytes === 0) return malformed(`${path} at byte ${at}: a field may not be empty`);
    const end = at + 4 + length_bytes;
    if (end > bytes.length) {
      return malformed(`${path} at byte ${at}: length ${length_bytes} runs past the end`);
    }
    if (seen.has(id)) return malformed(`${path} at byte ${at}: the id appears twice`);
    seen.add(id);
    let value: string;
    try {
      value = UTF8.decode(bytes.subarray(at + 4, end));
    } catch {
      return malformed(`${path} at byte ${at}: the value is not valid UTF-8 (a length cuts a character)`);
    }
    const field: TlvField = { id, value, offset_bytes: at };
    const nested = templates[id];
    if (nested) {
      const inner = decodeBytes(bytes.subarray(at + 4, end), nested, path);
      if (!inner.ok) return inner;
      field.children = inner.fields;
    }
    fields.push(field);
    at = end;
  }
  return { ok: true, fields };
}

function malformed(detail: string): TlvDecodeResult {
  return { ok: false, reason: 'malformed_tlv', detail };
}

/**
 * Decodes a TLV list; the ids named in `templates` are decoded as nested lists. Refuses (as data, not
 * an exception) non-digit ids or lengths, empty values, lengths past the end, a length that splits a
 * UTF-8 character, and an id repeated within one list. Child offsets are relative to the parent value.
 */
export function decodeTlv(text: string, templates: TemplateSpec = {}): TlvDecodeResult {
  return decodeBytes(Buffer.from(text, 'utf8'), templates, '');
}

/** The field with this id in a decoded list, or null. */
export function findField(fields: readonly TlvField[] | undefined, id: string): TlvField | null {
  return fields?.find((field) => field.id === id) ?? null;
}
