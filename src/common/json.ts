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
