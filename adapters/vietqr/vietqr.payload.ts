// Builds and parses VietQR payloads (NAPAS 247 bank-transfer QR on EMVCo merchant-presented mode): the
// string a payer's bank app scans. Field rules are listed in docs/adapters/vietqr.md.
import { bankByBin } from './vietqr.banks';
import { appendCrc, CRC_FIELD_PREFIX, crcMatches } from './vietqr.crc';
import { decodeTlv, encodeTlv, findField, TlvEncodeError, type TlvField, type TlvNode } from './vietqr.tlv';

/** NAPAS's application id in tag 38/00 [doc]. */
export const NAPAS_GUID = 'A000000727';
/** ISO 4217 numeric code of VND [doc]. */
export const VND_NUMERIC = '704';
export const COUNTRY_VN = 'VN';
export const VIETQR_SERVICES = ['QRIBFTTA', 'QRIBFTTC'] as const;
/** QRIBFTTA: transfer to an account; QRIBFTTC: transfer to a card number. */
export type VietQrService = (typeof VIETQR_SERVICES)[number];

/**
 * Text limits in bytes (the payload is ASCII, so bytes = characters). 62/01 and 62/08 at 25, 59 at 25
 * and 60 at 15 are the EMVCo MPM maximums as third-party EMVCo libraries copy them [2nd]. For the
 * transfer message (62/08) VietQR.vn's API allows 19 and others claim 50 [2nd, conflicting]; 25 is the
 * value every EMVCo-conformant reader must accept. See docs/adapters/vietqr.md.
 */
export const TEXT_BYTES_MAX = {
  bill_number: 25,
  purpose: 25,
  merchant_name: 25,
  merchant_city: 15,
} as const;
/** EMVCo tag 54 holds at most 13 characters; VND has no minor unit, so 13 digits. */
export const AMOUNT_DIGITS_MAX = 13;
export const ACCOUNT_LENGTH_MAX = 19;
/** EMVCo MPM caps a whole payload at 512 characters. */
export const PAYLOAD_BYTES_MAX = 512;

/**
 * Why a payload or an input was refused. parseVietQr reports the first failing check, in this order:
 * payload size, CRC, TLV structure, mandatory fields, format, tag 38, 53, 54, 58, 52, text fields.
 */
export const VIETQR_REJECTIONS = [
  /** The payload is longer than 512 bytes, or a field is longer than its rule allows. */
  'bad_length',
  /** The payload ends in `6304` and 4 hex digits that are not the CRC of what precedes them. */
  'crc_mismatch',
  /** The TLV structure is broken: bad id or length, overrun, repeated id, 00 not first, 63 not last. */
  'malformed_tlv',
  /** A mandatory field (00, 01, 38, 38/00, 38/01, 38/01/00, 38/01/01, 38/02, 53, 58, 63) is absent. */
  'missing_field',
  /** Not a NAPAS VietQR: payload format is not 01, initiation is not 11/12, or 38/00 is not NAPAS. */
  'unsupported_format',
  /** The BIN is not 6 or more digits. */
  'bad_bin',
  /** The account is not 1 to 19 letters and digits. */
  'bad_account',
  /** 38/02 is neither QRIBFTTA nor QRIBFTTC. */
  'bad_service',
  /** 53 is not 704 (VND). */
  'bad_currency',
  /** 54 is not a positive integer of at most 13 digits without leading zeros or decimals. */
  'bad_amount',
  /** 58 is not VN. */
  'bad_country',
  /** 52 is not 4 digits. */
  'bad_mcc',
  /** A text field holds characters outside printable ASCII (after diacritics are stripped, when building). */
  'bad_text',
] as const;
export type VietQrRejection = (typeof VIETQR_REJECTIONS)[number];

export interface VietQrInput {
  /** The beneficiary bank's BIN (NAPAS acquirer id). */
  bin: string;
  /** Account number (QRIBFTTA) or card number (QRIBFTTC). */
  account: string;
  /** VND, in dong. Present: a dynamic (single-use) code; absent: a static one. */
  amount?: bigint;
  /** 62/01; Vietnamese diacritics are stripped. */
  bill_number?: string;
  /** 62/08, copied by the payer's bank into the transfer description; diacritics are stripped. */
  purpose?: string;
  /** Default QRIBFTTA. */
  service?: VietQrService;
  merchant_name?: string;
  merchant_city?: string;
}

export interface VietQr {
  /** Tag 01: `static` (11) or `dynamic` (12). */
  point_of_initiation: 'static' | 'dynamic';
  bin: string;
  /** The bank's short name when vietqr.banks.ts knows the BIN, else null. */
  bank: string | null;
  account: string;
  service: VietQrService;
  /** Tag 52, absent from most transfer codes. */
  mcc: string | null;
  currency: typeof VND_NUMERIC;
  country: typeof COUNTRY_VN;
  /** VND (dong); null when the code carries no amount. */
  amount: bigint | null;
  merchant_name: string | null;
  merchant_city: string | null;
  bill_number: string | null;
  purpose: string | null;
  /** Fields this parser does not interpret, by path (`26`, `62/05`), kept for display. */
  other_fields: { path: string; value: string }[];
  /** As written in the payload (either case). */
  crc: string;
}

export type VietQrParseResult =
  { ok: true; value: VietQr } | { ok: false; reason: VietQrRejection; detail: string };

/** A builder input that breaks a field rule. The caller's data is wrong; nothing else is. */
export class VietQrInputError extends Error {
  constructor(
    readonly code: VietQrRejection,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'VietQrInputError';
  }
}

const BIN = /^\d{6,}$/;
const ACCOUNT = new RegExp(`^[0-9A-Za-z]{1,${ACCOUNT_LENGTH_MAX}}$`);
const AMOUNT = new RegExp(`^[1-9]\\d{0,${AMOUNT_DIGITS_MAX - 1}}$`);
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const MCC = /^\d{4}$/;
const CRC_TAIL = /6304[0-9A-Fa-f]{4}$/;

// Ids decoded as templates: 38 (and its 01 beneficiary), 62.
const TEMPLATES = { '38': { '01': {} }, '62': {} };
const KNOWN_TOP = new Set(['00', '01', '38', '52', '53', '54', '58', '59', '60', '62', '63']);
const KNOWN_38 = new Set(['00', '01', '02']);
const KNOWN_38_01 = new Set(['00', '01']);
const KNOWN_62 = new Set(['01', '08']);

/**
 * Vietnamese text as the payload may carry it: diacritics removed (NFD then combining marks dropped;
 * đ/Đ, which do not decompose, mapped by hand). Other characters are left for the caller to refuse.
 */
export function stripDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

function checkText(field: keyof typeof TEXT_BYTES_MAX, text: string): VietQrRejection | null {
  if (!PRINTABLE_ASCII.test(text)) return 'bad_text';
  if (text.length < 1 || text.length > TEXT_BYTES_MAX[field]) return 'bad_length';
  return null;
}

function inputError(code: VietQrRejection, field: string, rule: string): VietQrInputError {
  return new VietQrInputError(code, field, `${field}: ${rule}`);
}

/**
 * Builds a VietQR payload: static (01=11) without an amount, dynamic (01=12) with one. Throws
 * VietQrInputError (with a rejection code and the field) when an input breaks a field rule; the
 * message names the rule, never echoes the value.
 */
export function buildVietQr(input: VietQrInput): string {
  if (typeof input.bin !== 'string' || !BIN.test(input.bin)) {
    throw inputError('bad_bin', 'bin', 'must be 6 or more digits');
  }
  if (typeof input.account !== 'string' || !ACCOUNT.test(input.account)) {
    throw inputError('bad_account', 'account', `must be 1 to ${ACCOUNT_LENGTH_MAX} letters and digits`);
  }
  const service = input.service ?? 'QRIBFTTA';
  if (!(VIETQR_SERVICES as readonly string[]).includes(service)) {
    throw inputError('bad_service', 'service', `must be one of ${VIETQR_SERVICES.join(', ')}`);
  }
  if (input.amount !== undefined) {
    if (typeof input.amount !== 'bigint' || !AMOUNT.test(input.amount.toString())) {
      throw inputError(
        'bad_amount',
        'amount',
        `must be a positive bigint of at most ${AMOUNT_DIGITS_MAX} digits`,
      );
    }
  }
  const text: Partial<Record<keyof typeof TEXT_BYTES_MAX, string>> = {};
  for (const field of ['bill_number', 'purpose', 'merchant_name', 'merchant_city'] as const) {
    const given = input[field];
    if (given === undefined) continue;
    const ascii = typeof given === 'string' ? stripDiacritics(given) : '\u0000';
    const problem = checkText(field, ascii);
    if (problem === 'bad_text')
      throw inputError(problem, field, 'must be printable ASCII once diacritics are stripped');
    if (problem) throw inputError(problem, field, `must be 1 to ${TEXT_BYTES_MAX[field]} characters`);
    text[field] = ascii;
  }

  const nodes: TlvNode[] = [
    { id: '00', value: '01' },
    { id: '01', value: input.amount === undefined ? '11' : '12' },
    {
      id: '38',
      children: [
        { id: '00', value: NAPAS_GUID },
        {
          id: '01',
          children: [
            { id: '00', value: input.bin },
            { id: '01', value: input.account },
          ],
        },
        { id: '02', value: service },
      ],
    },
    { id: '53', value: VND_NUMERIC },
  ];
  if (input.amount !== undefined) nodes.push({ id: '54', value: input.amount.toString() });
  nodes.push({ id: '58', value: COUNTRY_VN });
  if (text.merchant_name !== undefined) nodes.push({ id: '59', value: text.merchant_name });
  if (text.merchant_city !== undefined) nodes.push({ id: '60', value: text.merchant_city });
  const additional: TlvNode[] = [];
  if (text.bill_number !== undefined) additional.push({ id: '01', value: text.bill_number });
  if (text.purpose !== undefined) additional.push({ id: '08', value: text.purpose });
  if (additional.length > 0) nodes.push({ id: '62', children: additional });

  try {
    return appendCrc(encodeTlv(nodes));
  } catch (error) {
    // Only a long BIN can overflow a template once the other fields passed their rules.
    if (error instanceof TlvEncodeError) throw inputError('bad_length', error.path, error.message);
    throw error;
  }
}

function reject(reason: VietQrRejection, detail: string): VietQrParseResult {
  return { ok: false, reason, detail };
}

function others(fields: readonly TlvField[], known: ReadonlySet<string>, parent: string) {
  return fields
    .filter((field) => !known.has(field.id))
    .map((field) => ({ path: parent === '' ? field.id : `${parent}/${field.id}`, value: field.value }));
}

/**
 * Parses and validates a scanned payload. A refusal is data: `{ ok: false, reason, detail }`, where
 * reason is one of VIETQR_REJECTIONS and detail says where (it may quote the payload, which carries no
 * secret). The payload is taken exactly as given: no trimming.
 */
export function parseVietQr(payload: string): VietQrParseResult {
  if (typeof payload !== 'string' || payload.length === 0) return reject('malformed_tlv', 'empty payload');
  const payload_bytes = Buffer.byteLength(payload, 'utf8');
  if (payload_bytes > PAYLOAD_BYTES_MAX) {
    return reject('bad_length', `payload is ${payload_bytes} bytes; at most ${PAYLOAD_BYTES_MAX}`);
  }
  // The checksum first, when the tail looks like one: a corrupted payload is best reported as such,
  // whatever the corruption did to the structure.
  if (CRC_TAIL.test(payload)) {
    const given = payload.slice(-4);
    if (!crcMatches(payload.slice(0, -4), given)) {
      return reject('crc_mismatch', `63 is ${given}; the payload's CRC is different`);
    }
  }
  const top = decodeTlv(payload);
  if (!top.ok) return reject(top.reason, top.detail);
  const fields = top.fields;
  const last = fields[fields.length - 1]!;
  const crc_field = findField(fields, '63');
  if (!crc_field) return reject('missing_field', '63 (CRC) is absent');
  if (crc_field !== last) return reject('malformed_tlv', '63 (CRC) must be the last field');
  if (!payload.endsWith(CRC_FIELD_PREFIX + crc_field.value) || !CRC_TAIL.test(payload)) {
    return reject('malformed_tlv', '63 (CRC) must be 4 hex digits');
  }
  if (fields[0]!.id !== '00') {
    return findField(fields, '00')
      ? reject('malformed_tlv', '00 (payload format) must be the first field')
      : reject('missing_field', '00 (payload format) is absent');
  }
  for (const id of ['01', '38', '53', '58']) {
    if (!findField(fields, id)) return reject('missing_field', `${id} is absent`);
  }
  if (fields[0]!.value !== '01') return reject('unsupported_format', `00 is ${fields[0]!.value}, not 01`);
  const initiation = findField(fields, '01')!.value;
  if (initiation !== '11' && initiation !== '12') {
    return reject('unsupported_format', `01 is ${initiation}, not 11 (static) or 12 (dynamic)`);
  }

  const nested = decodeTlv(payload, TEMPLATES);
  if (!nested.ok) return reject(nested.reason, nested.detail);
  const account_info = findField(nested.fields, '38')!.children!;
  const guid = findField(account_info, '00');
  if (!guid) return reject('missing_field', '38/00 (GUID) is absent');
  if (guid.value !== NAPAS_GUID) return reject('unsupported_format', `38/00 is not NAPAS's ${NAPAS_GUID}`);
  const beneficiary = findField(account_info, '01');
  if (!beneficiary) return reject('missing_field', '38/01 (beneficiary) is absent');
  const bin = findField(beneficiary.children, '00');
  if (!bin) return reject('missing_field', '38/01/00 (BIN) is absent');
  const account = findField(beneficiary.children, '01');
  if (!account) return reject('missing_field', '38/01/01 (account) is absent');
  const service = findField(account_info, '02');
  if (!service) return reject('missing_field', '38/02 (service code) is absent');
  if (!BIN.test(bin.value)) return reject('bad_bin', '38/01/00 must be 6 or more digits');
  if (!ACCOUNT.test(account.value)) {
    return reject('bad_account', `38/01/01 must be 1 to ${ACCOUNT_LENGTH_MAX} letters and digits`);
  }
  if (!(VIETQR_SERVICES as readonly string[]).includes(service.value)) {
    return reject('bad_service', `38/02 must be one of ${VIETQR_SERVICES.join(', ')}`);
  }
  const currency = findField(fields, '53')!.value;
  if (currency !== VND_NUMERIC) return reject('bad_currency', `53 is ${currency}, not ${VND_NUMERIC} (VND)`);
  const amount = findField(fields, '54');
  if (amount && !AMOUNT.test(amount.value)) {
    return reject('bad_amount', `54 must be a positive integer of at most ${AMOUNT_DIGITS_MAX} digits`);
  }
  const country = findField(fields, '58')!.value;
  if (country !== COUNTRY_VN) return reject('bad_country', `58 is ${country}, not ${COUNTRY_VN}`);
  const mcc = findField(fields, '52');
  if (mcc && !MCC.test(mcc.value)) return reject('bad_mcc', '52 must be 4 digits');

  const additional = findField(nested.fields, '62')?.children ?? [];
  const texts = {
    merchant_name: findField(fields, '59')?.value ?? null,
    merchant_city: findField(fields, '60')?.value ?? null,
    bill_number: findField(additional, '01')?.value ?? null,
    purpose: findField(additional, '08')?.value ?? null,
  };
  const paths = { merchant_name: '59', merchant_city: '60', bill_number: '62/01', purpose: '62/08' };
  for (const field of ['merchant_name', 'merchant_city', 'bill_number', 'purpose'] as const) {
    const value = texts[field];
    if (value === null) continue;
    const problem = checkText(field, value);
    if (problem === 'bad_text') return reject(problem, `${paths[field]} must be printable ASCII`);
    if (problem) return reject(problem, `${paths[field]} must be at most ${TEXT_BYTES_MAX[field]} bytes`);
  }

  return {
    ok: true,
    value: {
      point_of_initiation: initiation === '11' ? 'static' : 'dynamic',
      bin: bin.value,
      bank: bankByBin(bin.value)?.short_name ?? null,
      account: account.value,
      service: service.value as VietQrService,
      mcc: mcc?.value ?? null,
      currency: VND_NUMERIC,
      country: COUNTRY_VN,
      // Validated above as at most 13 digits: BigInt of a decimal string, no float on the way.
      amount: amount ? BigInt(amount.value) : null,
      ...texts,
      other_fields: [
        ...others(fields, KNOWN_TOP, ''),
        ...others(account_info, KNOWN_38, '38'),
        ...others(beneficiary.children ?? [], KNOWN_38_01, '38/01'),
        ...others(additional, KNOWN_62, '62'),
      ],
      crc: crc_field.value,
    },
  };
}
