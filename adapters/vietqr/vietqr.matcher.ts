// A VietQR payment is learned from a bank transfer whose description the payer's bank may have
// upper-cased, stripped of punctuation or wrapped in its own text: this finds the payment reference in
// it and classifies the transfer against the hub's bills, so that no transfer is lost or misbooked.
import { randomBytes } from 'node:crypto';
import { AdapterError, type CallbackOutcome } from '../contract';
import { stripDiacritics } from './vietqr.payload';

/**
 * The shape of the hub's payment references: a fixed prefix then a fixed number of Crockford base32
 * characters. A fixed shape lets the matcher pull a handful of candidate keys out of any description,
 * so the hub looks bills up by exact key instead of scanning every open bill per transfer.
 */
export interface VietQrReferenceShape {
  /** 1–8 upper-case letters and digits, matched literally after normalization. */
  readonly prefix: string;
  /** How many Crockford base32 characters follow the prefix. */
  readonly body_length: number;
}

/**
 * The recommended shape: `PZ` + 12 Crockford base32 characters (60 random bits), 14 characters in all.
 * Short enough for banks that keep only 19 characters of the message; `PZ` because Vietnamese has no Z
 * (so names such as PHAM, PHAN or the word PHI do not look like references) and banks' own prefixes
 * (FT, MBVCB, IBFT ...) do not use it.
 */
export const VIETQR_REFERENCE_SHAPE: VietQrReferenceShape = { prefix: 'PZ', body_length: 12 };

/** Crockford base32: no I, L, O, U, so a reference survives being read aloud or retyped. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** At most this many candidates per description: every loop has a limit, and real ones hold one. */
export const REFERENCE_CANDIDATES_MAX = 16;
/** A reference must fit the bill number and the transfer message (62/01, 62/08). */
const REFERENCE_LENGTH_MAX = 25;
const BODY_LENGTH_MIN = 6;

/**
 * Character code -> the code of its canonical Crockford character, -1 when the character cannot be
 * part of a body. O, I and L read as 0, 1 and 1 (Crockford's decoding rule): a payer retyping the code
 * may confuse them.
 */
const CANONICAL: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (const ch of CROCKFORD_ALPHABET) table[ch.charCodeAt(0)] = ch.charCodeAt(0);
  table['O'.charCodeAt(0)] = '0'.charCodeAt(0);
  table['I'.charCodeAt(0)] = '1'.charCodeAt(0);
  table['L'.charCodeAt(0)] = '1'.charCodeAt(0);
  return table;
})();

/** Throws AdapterError `vietqr_config_invalid` (param `reference_shape`) for a shape that cannot work. */
export function checkReferenceShape(shape: VietQrReferenceShape): VietQrReferenceShape {
  const valid =
    typeof shape === 'object' &&
    shape !== null &&
    typeof shape.prefix === 'string' &&
    /^[A-Z0-9]{1,8}$/.test(shape.prefix) &&
    Number.isInteger(shape.body_length) &&
    shape.body_length >= BODY_LENGTH_MIN &&
    shape.prefix.length + shape.body_length <= REFERENCE_LENGTH_MAX;
  if (!valid) {
    throw new AdapterError(
      'vietqr_config_invalid',
      `vietqr reference_shape needs a prefix of 1-8 A-Z0-9 and a body of at least ${BODY_LENGTH_MIN}, ` +
        `${REFERENCE_LENGTH_MAX} characters in all`,
      'reference_shape',
    );
  }
  return shape;
}

/**
 * A new random payment reference of the shape (the hub stores it under a unique key and retries on the
 * rare collision). Each body character takes 5 bits of one random byte: 256 is a multiple of 32, so
 * every character is equally likely. A body that would let the prefix start again inside the reference
 * (PZ + PZ..., or a last P that text after it could turn into PZ) is drawn again: findReferences would
 * see a second, overlapping candidate there, and a settlement line with two candidates is left for a
 * person rather than matched (about one draw in 24 of the recommended shape is drawn again).
 */
export function generateVietQrReference(
  shape: VietQrReferenceShape = VIETQR_REFERENCE_SHAPE,
  random: (size: number) => Uint8Array = randomBytes,
): string {
  checkReferenceShape(shape);
  let reference = '';
  // Bounded: a random source that keeps giving the same bytes gets its reference all the same.
  for (let attempt = 0; attempt < REFERENCE_DRAWS_MAX; attempt += 1) {
    const bytes = random(shape.body_length);
    let body = '';
    for (let i = 0; i < shape.body_length; i += 1) body += CROCKFORD_ALPHABET[(bytes[i] ?? 0) & 31];
    reference = shape.prefix + body;
    if (!overlapsItself(reference, shape.prefix)) break;
  }
  return reference;
}

const REFERENCE_DRAWS_MAX = 16;

/** Whether the prefix occurs again in the reference, or its end is the start of the prefix. */
function overlapsItself(reference: string, prefix: string): boolean {
  if (reference.indexOf(prefix, 1) >= 0) return true;
  for (let k = 1; k < prefix.length; k += 1) if (reference.endsWith(prefix.slice(0, k))) return true;
  return false;
}

/** True when `text` is a canonical reference of the shape (what the hub stores and looks up). */
export function isVietQrReference(
  text: string,
  shape: VietQrReferenceShape = VIETQR_REFERENCE_SHAPE,
): boolean {
  if (typeof text !== 'string' || text.length !== shape.prefix.length + shape.body_length) return false;
  if (!text.startsWith(shape.prefix)) return false;
  for (let i = shape.prefix.length; i < text.length; i += 1) {
    if (!CROCKFORD_ALPHABET.includes(text[i] as string)) return false;
  }
  return true;
}

const NON_ASCII = /[^\x00-\x7f]/;
const NOT_ALNUM = /[^A-Z0-9]/g;

/**
 * A description as the matcher compares it: diacritics stripped, upper-cased, letters and digits only.
 * This is what survives whatever a bank does to case, spaces and punctuation.
 */
export function normalizeDescription(description: string): string {
  const plain = NON_ASCII.test(description) ? stripDiacritics(description) : description;
  return plain.toUpperCase().replace(NOT_ALNUM, '');
}

/**
 * The distinct canonical references of the shape found in a description, in the order they appear:
 * every place where the prefix occurs and the next `body_length` characters are Crockford characters.
 * Noise may yield extra candidates (a name starting with the prefix); the exact-key lookup drops them.
 */
export function findReferences(
  description: string,
  shape: VietQrReferenceShape = VIETQR_REFERENCE_SHAPE,
  candidates_max: number = REFERENCE_CANDIDATES_MAX,
): string[] {
  return findInNormalized(normalizeDescription(description), shape, candidates_max);
}

/** findReferences on an already normalized description (the settlement parser's hot path). */
export function findInNormalized(
  normalized: string,
  shape: VietQrReferenceShape,
  candidates_max: number = REFERENCE_CANDIDATES_MAX,
): string[] {
  const found: string[] = [];
  const { prefix, body_length } = shape;
  let from = 0;
  while (found.length < candidates_max) {
    const at = normalized.indexOf(prefix, from);
    if (at < 0) break;
    const start = at + prefix.length;
    // Later occurrences start later still: none of them has room for a body either.
    if (start + body_length > normalized.length) break;
    from = at + 1;
    // Most bodies are already canonical: check them in place and copy once; map only when needed.
    let mapped = false;
    let valid = true;
    for (let i = start; i < start + body_length; i += 1) {
      const code = normalized.charCodeAt(i);
      const canonical = CANONICAL[code] ?? -1;
      if (canonical < 0) {
        valid = false;
        break;
      }
      if (canonical !== code) mapped = true;
    }
    if (!valid) continue;
    const reference = mapped
      ? prefix +
        String.fromCharCode(
          ...Array.from({ length: body_length }, (_, i) => CANONICAL[normalized.charCodeAt(start + i)] ?? 0),
        )
      : normalized.slice(at, start + body_length);
    if (!found.includes(reference)) found.push(reference);
  }
  return found;
}

/** A bill as the hub knows it, found by its payment reference. */
export interface VietQrBill {
  /** The canonical payment reference (the lookup key). */
  readonly reference: string;
  readonly merchant_ref: string;
  /** What the bill asks for, in VND. */
  readonly amount: bigint;
  /** Already paid by an earlier transfer. */
  readonly already_paid: boolean;
}

/**
 * What the hub implements so the matcher can classify a transfer. Both are exact-key lookups (an index
 * on the payment reference, a unique key on bank_ref); sync or async.
 */
export interface VietQrBillLookup {
  /** The bills whose reference is one of these canonical references (none, one, or several). */
  findByReferences(references: readonly string[]): readonly VietQrBill[] | Promise<readonly VietQrBill[]>;
  /** Whether a transfer with this bank reference was already booked (to a bill or to suspense). */
  seenBankRef(bank_ref: string): boolean | Promise<boolean>;
}

/** The part of a verified notification (or statement line) the matcher reads. */
export interface VietQrTransfer {
  readonly amount: bigint;
  readonly description: string;
  readonly bank_ref: string;
}

/**
 * Where the money goes: to the bill, to the suspense account (exception queue: review, then refund or
 * re-book), or nowhere because it is already booked.
 */
export type VietQrBooking = 'bill' | 'suspense' | 'none';

/**
 * What a transfer is. The four outcomes of the issue; `duplicate` has two causes because they book
 * differently: the same transfer again (a redelivered notification: nothing to do) or a second transfer
 * for a bill already paid (real money: suspense). An ambiguous description (two or more known
 * references) is `unknown_reference` with `ambiguous` listing them: it is never matched silently.
 */
export type VietQrClassification =
  | {
      readonly outcome: 'matched';
      readonly booking: 'bill';
      readonly bill: VietQrBill;
    }
  | {
      readonly outcome: 'amount_mismatch';
      readonly booking: 'suspense';
      readonly bill: VietQrBill;
      readonly expected_amount: bigint;
      readonly received_amount: bigint;
      readonly difference: 'under' | 'over';
    }
  | {
      readonly outcome: 'unknown_reference';
      readonly booking: 'suspense';
      /** The candidate references found in the description (possibly none). */
      readonly references: readonly string[];
      /** The known bills when more than one matched; empty when none did. */
      readonly ambiguous: readonly VietQrBill[];
    }
  | {
      readonly outcome: 'duplicate';
      readonly cause: 'same_transfer';
      readonly booking: 'none';
    }
  | {
      readonly outcome: 'duplicate';
      readonly cause: 'bill_already_paid';
      readonly booking: 'suspense';
      readonly bill: VietQrBill;
    };

/** What the lookup said about one transfer: the input of the pure decision. */
export interface VietQrTransferFacts {
  readonly bank_ref_seen: boolean;
  readonly references: readonly string[];
  readonly bills: readonly VietQrBill[];
}

/**
 * The classification, in order of precedence: a bank_ref already booked is `duplicate` (same_transfer);
 * no known reference, or more than one, is `unknown_reference`; a paid bill is `duplicate`
 * (bill_already_paid); a different amount is `amount_mismatch`; else `matched`. Pure.
 */
export function decideTransfer(transfer: VietQrTransfer, facts: VietQrTransferFacts): VietQrClassification {
  if (facts.bank_ref_seen) return { outcome: 'duplicate', cause: 'same_transfer', booking: 'none' };
  // The lookup may return more than was asked; only bills whose reference is in the description count.
  const known: VietQrBill[] = [];
  for (const bill of facts.bills) {
    if (facts.references.includes(bill.reference) && !known.some((k) => k.reference === bill.reference)) {
      known.push(bill);
    }
  }
  const bill = known[0];
  if (bill === undefined || known.length > 1) {
    return {
      outcome: 'unknown_reference',
      booking: 'suspense',
      references: [...facts.references],
      ambiguous: known.length > 1 ? known : [],
    };
  }
  if (bill.already_paid)
    return { outcome: 'duplicate', cause: 'bill_already_paid', booking: 'suspense', bill };
  if (transfer.amount !== bill.amount) {
    return {
      outcome: 'amount_mismatch',
      booking: 'suspense',
      bill,
      expected_amount: bill.amount,
      received_amount: transfer.amount,
      difference: transfer.amount < bill.amount ? 'under' : 'over',
    };
  }
  return { outcome: 'matched', booking: 'bill', bill };
}

/**
 * Finds the references in the transfer's description, asks the hub's lookup about them and classifies
 * the transfer. The hub's unique key on bank_ref remains the guard against two concurrent deliveries.
 */
export async function classifyTransfer(
  transfer: VietQrTransfer,
  lookup: VietQrBillLookup,
  shape: VietQrReferenceShape = VIETQR_REFERENCE_SHAPE,
): Promise<VietQrClassification> {
  if (await lookup.seenBankRef(transfer.bank_ref)) {
    return decideTransfer(transfer, { bank_ref_seen: true, references: [], bills: [] });
  }
  const references = findReferences(transfer.description, shape);
  const bills = references.length === 0 ? [] : await lookup.findByReferences(references);
  return decideTransfer(transfer, { bank_ref_seen: false, references, bills });
}

/**
 * The hub's answer to the bank once the classification is booked. Every verified transfer is booked
 * somewhere (bill or suspense), so it is `recorded` (2xx: the bank must not send it again), or
 * `already_confirmed` for a redelivery; a 4xx here would only make the bank retry a booked transfer.
 */
export function notificationOutcome(classification: VietQrClassification): CallbackOutcome {
  return classification.booking === 'none' ? 'already_confirmed' : 'recorded';
}
