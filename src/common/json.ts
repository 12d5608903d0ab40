// Money is bigint, and JSON has no bigint: every bigint leaves the hub as a decimal string, so no
// amount is ever rounded through a float on the way out.

/** The JSON shape of T: bigints become their decimal strings, Dates ISO strings. */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends readonly (infer U)[]
      ? Jsonified<U>[]
      : T extends object
        ? { [K in keyof T]: Jsonified<T[K]> }
        : T;

/** A JSON.stringify replacer that writes bigints as strings. */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function stringifyJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, bigintReplacer, indent);
}

/** A deep copy of value as JSON would carry it, typed accordingly. */
export function toJson<T>(value: T): Jsonified<T> {
  return JSON.parse(stringifyJson(value)) as Jsonified<T>;
}

/**
 * stringifyJson in pure ASCII: every character past U+007E written as a \uXXXX escape (UTF-16 code
 * units, so surrogate pairs stay pairs), which any JSON reader decodes back to the same text. For
 * large JSON sent to Postgres inside SQL text (src/database/script.ts): an ASCII string is written to
 * the socket as it is, where one Vietnamese letter made the whole text a two-byte string to encode.
 */
export function stringifyAsciiJson(value: unknown): string {
  return stringifyJson(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
