// The body of POST /v1/bills, checked strictly and normalized: every refusal is a coded error naming
// the field by its path, and no value is ever coerced (a string is not a number, a float not an amount).
import { billError, type BillErrorCode, type BillErrorDetail } from './bills.errors';
import { hospitalPatientShare, type HospitalLine } from './hospital';
import { checkParkingStay, parkingCharge, validateParkingTariff, type ParkingTariff } from './parking-tariff';

export const BILL_KINDS = ['fee', 'parking', 'hospital'] as const;
export type BillKind = (typeof BILL_KINDS)[number];

export const HOSPITAL_STAGES = ['deposit', 'final'] as const;
export type HospitalStage = (typeof HOSPITAL_STAGES)[number];

/** A bill is open until it is paid, expires or is cancelled; the three ends are final. */
export type BillStatus = 'open' | 'paid' | 'expired' | 'cancelled';
export const BILL_STATUS_NEXT: Readonly<Record<BillStatus, readonly BillStatus[]>> = {
  open: ['paid', 'expired', 'cancelled'],
  paid: [],
  expired: [],
  cancelled: [],
};

export interface BillLimits {
  /** Largest amount of one line, in VND. */
  line_amount_max: bigint;
  /** Largest amount of a bill (for a final hospital bill: the patient's share), in VND. */
  bill_amount_max: bigint;
  lines_max: number;
}

/**
 * 500 million dong per line and per bill: above any fee, parking stay or ordinary hospital share, and
 * below the single-payment limits of the wallets the hub uses, so a larger figure is a typo or needs
 * a deliberate configuration change. Lines are capped so one bill stays one readable receipt.
 */
export const DEFAULT_BILL_LIMITS: Readonly<BillLimits> = {
  line_amount_max: 500_000_000n,
  bill_amount_max: 500_000_000n,
  lines_max: 100,
};

/** Longest text fields, in Unicode code points after trimming and NFC normalization. */
export const TEXT_LENGTH_MAX = { name: 200, line_name: 200, legal_basis: 300 } as const;
export const DEPOSIT_REFERENCES_MAX = 20;
/** How far ahead expires_at may be. */
export const EXPIRY_HORIZON_MS = 366 * 24 * 3_600_000;
/** How far a parking exit may lie ahead of the hub's clock: the operator's clock may run a little fast. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface ParseBillOptions {
  /** The hub's clock, injected so the checks on expires_at and exited_at are testable. */
  now: Date;
  limits?: Partial<BillLimits>;
  /** The operator's tariff, used when a parking bill has no lines; null when the biller has none. */
  parking_tariff?: ParkingTariff | null;
}

export interface Payer {
  name: string;
  id_number: string | null;
  phone: string | null;
}

export interface Patient {
  name: string;
  id_number: string | null;
  /** The health-insurance (BHYT) card number. */
  insurance_number: string | null;
}

export interface BillLine {
  name: string;
  amount: bigint;
}

export interface FeeLine extends BillLine {
  /** The decree, circular or council resolution that sets this fee. */
  legal_basis: string;
}

interface BillCommon {
  reference: string;
  payer: Payer;
  currency: 'VND';
  /** What the payer is asked for before any deduction: see docs/bills.md for each kind. */
  amount: bigint;
  expires_at: Date | null;
}

export interface FeeBill extends BillCommon {
  kind: 'fee';
  procedure_code: string;
  lines: FeeLine[];
}

export interface ParkingBill extends BillCommon {
  kind: 'parking';
  lot: string;
  plate: string;
  entered_at: Date;
  exited_at: Date;
  /** `tariff` when the hub priced the stay, `lines` when the operator did. */
  amount_source: 'tariff' | 'lines';
  lines: BillLine[];
}

export interface HospitalDepositBill extends BillCommon {
  kind: 'hospital';
  stage: 'deposit';
  invoice_number: string;
  patient: Patient;
  lines: BillLine[];
}

export interface HospitalFinalBill extends BillCommon {
  kind: 'hospital';
  stage: 'final';
  invoice_number: string;
  patient: Patient;
  lines: HospitalLine[];
  /** The sum of the line totals, insurer's part included. */
  amount_total: bigint;
  insurance_covered: bigint;
  /** Deposit bills to deduct; resolveDeposits and settleHospitalBill turn them into amount_due. */
  deposit_references: string[];
}

export type NormalizedBill = FeeBill | ParkingBill | HospitalDepositBill | HospitalFinalBill;

export type ParseBillResult = { ok: true; bill: NormalizedBill } | { ok: false; error: BillErrorDetail };

// Thrown inside this file only, to stop at the first problem; parseBillInput turns it back into data.
class Refusal {
  constructor(readonly detail: BillErrorDetail) {}
}

function refuse(code: BillErrorCode, param: string | null, message: string): never {
  throw new Refusal(billError(code, param, message));
}

function path(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** A field of a parsed JSON object, never one inherited from Object.prototype (`constructor`). */
function own(fields: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/** null counts as absent: clients write it for "none", and a required field is missing either way. */
function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function object(value: unknown, param: string, allowed: readonly string[]): Record<string, unknown> {
  if (isAbsent(value)) refuse('parameter_missing', param, `${param} is required.`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    refuse('parameter_invalid', param, `${param} must be an object.`);
  }
  const fields = value as Record<string, unknown>;
  // An unknown field is refused, not ignored: in a payments API a misspelt `expires_at` must not
  // silently create a bill that never expires.
  const unknown = Object.keys(fields).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    const name = path(param, unknown.slice(0, 100));
    refuse('parameter_unknown', name, `Unknown parameter: ${name}.`);
  }
  return fields;
}

// Control and format characters (bidi overrides included), lone surrogates and line separators would
// garble or disguise a receipt; ordinary Vietnamese text needs none of them.
const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

function text(value: unknown, param: string, length_max: number): string {
  if (isAbsent(value)) refuse('parameter_missing', param, `${param} is required.`);
  if (typeof value !== 'string') refuse('parameter_invalid', param, `${param} must be a string.`);
  if (FORBIDDEN_CHARACTERS.test(value)) {
    refuse('parameter_invalid', param, `${param} must not contain control or invisible format characters.`);
  }
  // NFC so that the same Vietnamese word, typed with combining or precomposed marks, is one string.
  const normalized = value.trim().normalize('NFC');
  if (normalized === '') refuse('parameter_invalid', param, `${param} must not be empty.`);
  if ([...normalized].length > length_max) {
    refuse('parameter_invalid', param, `${param} must be at most ${length_max} characters.`);
  }
  return normalized;
}

function matching(value: unknown, param: string, pattern: RegExp, hint: string): string {
  if (isAbsent(value)) refuse('parameter_missing', param, `${param} is required.`);
  if (typeof value !== 'string') refuse('parameter_invalid', param, `${param} must be a string.`);
  // Identifiers are not trimmed: they must match the biller's records exactly, so a stray space is an
  // error to report, not to repair.
  if (!pattern.test(value)) refuse('parameter_invalid', param, `${param} must be ${hint}.`);
  return value;
}

function optional<T>(value: unknown, parse: (value: unknown) => T): T | null {
  return isAbsent(value) ? null : parse(value);
}

/** The biller's own ids: reference, procedure code, lot, invoice number. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const IDENTIFIER_HINT =
  '1 to 64 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-", starting with a letter or digit';
/** Citizen id (CCCD, 12 digits), old id card (9 digits) or passport number. */
const ID_NUMBER = /^[A-Za-z0-9]{6,20}$/;
const PHONE = /^\+?[0-9]{8,15}$/;
/** Vietnamese plates as printed: 51F-123.45, 29A1 234.56; letters are upper-cased. */
const PLATE = /^[A-Z0-9][A-Z0-9.\- ]{2,14}[A-Z0-9]$/;
/** The 15-character BHYT card number (DN4010123456789), or the 10-digit social-insurance number. */
const INSURANCE_NUMBER = /^([A-Z]{2}[0-9]{13}|[0-9]{10})$/;

interface AmountRule {
  /** 0 is allowed (a hospital line part), else the least amount is 1 dong. */
  zero_allowed: boolean;
  max: bigint;
}

/**
 * An amount in whole dong from a JSON number. JSON.parse has already turned 1e21 or
 * 12345678901234567890 into a float that is not the number sent; such a value is not a safe
 * integer and is refused as too large (the maximum is always a safe integer), never rounded.
 * `1.0` and `1e3` cannot be told from 1 and 1000 once parsed, and are accepted as those.
 */
function amount(value: unknown, param: string, rule: AmountRule): bigint {
  if (isAbsent(value)) refuse('parameter_missing', param, `${param} is required.`);
  if (typeof value !== 'number') {
    refuse(
      'parameter_invalid',
      param,
      `${param} must be a JSON number of whole dong, not a ${typeof value}.`,
    );
  }
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    refuse('amount_not_integer', param, `${param} must be a whole number of dong.`);
  }
  if (rule.zero_allowed ? value < 0 : value <= 0) {
    refuse(
      rule.zero_allowed ? 'amount_negative' : 'amount_not_positive',
      param,
      `${param} must be at least ${rule.zero_allowed ? 0 : 1}.`,
    );
  }
  if (!Number.isSafeInteger(value) || BigInt(value) > rule.max) {
    refuse('amount_too_large', param, `${param} must be at most ${rule.max}.`);
  }
  return BigInt(value);
}

const INSTANT =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|([+-])([0-9]{2}):([0-9]{2}))$/;

/**
 * An RFC 3339 instant with its offset (2025-03-01T08:30:00+07:00 or ...Z): a time without one would be
 * read in whatever zone the process runs in. Digits beyond milliseconds are dropped.
 */
function instant(value: unknown, param: string): Date {
  const raw = matching(value, param, INSTANT, 'a time like 2025-03-01T08:30:00+07:00, with its offset');
  const [, year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes] =
    INSTANT.exec(raw) ?? [];
  const numbers = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = numbers;
  const local_ms = Date.UTC(y, mo - 1, d, h, mi, s, Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)));
  const check = new Date(local_ms);
  // Date.UTC rolls 31 February over into March; a real date reads back unchanged.
  const real =
    y >= 2000 &&
    y <= 2999 &&
    check.getUTCFullYear() === y &&
    check.getUTCMonth() === mo - 1 &&
    check.getUTCDate() === d &&
    check.getUTCHours() === h &&
    check.getUTCMinutes() === mi &&
    check.getUTCSeconds() === s;
  const offset_ms =
    sign === undefined
      ? 0
      : (Number(offset_hours) * 60 + Number(offset_minutes)) * 60_000 * (sign === '-' ? -1 : 1);
  if (!real || Number(offset_hours ?? 0) > 14 || Number(offset_minutes ?? 0) > 59) {
    refuse('parameter_invalid', param, `${param} is not a real time between the years 2000 and 2999.`);
  }
  return new Date(local_ms - offset_ms);
}

function array(value: unknown, param: string, items_max: number): unknown[] {
  if (isAbsent(value)) refuse('parameter_missing', param, `${param} is required.`);
  if (!Array.isArray(value)) refuse('parameter_invalid', param, `${param} must be an array.`);
  if (value.length === 0) refuse('parameter_invalid', param, `${param} must have at least one item.`);
  if (value.length > items_max)
    refuse('parameter_invalid', param, `${param} must have at most ${items_max} items.`);
  return value;
}

function person(value: unknown, param: string, extra: readonly string[] = []) {
  const fields = object(value, param, ['name', 'id_number', 'phone', ...extra]);
  return {
    fields,
    name: text(own(fields, 'name'), path(param, 'name'), TEXT_LENGTH_MAX.name),
    id_number: optional(own(fields, 'id_number'), (v) =>
      matching(v, path(param, 'id_number'), ID_NUMBER, '6 to 20 letters and digits'),
    ),
  };
}

function payer(value: unknown): Payer {
  const { fields, name, id_number } = person(value, 'payer');
  const phone = optional(own(fields, 'phone'), (v) =>
    matching(v, 'payer.phone', PHONE, 'digits only, 8 to 15 of them, with an optional leading "+"'),
  );
  return { name, id_number, phone };
}

function patient(value: unknown): Patient {
  const { fields, name, id_number } = person(value, 'patient', ['insurance_number']);
  if (own(fields, 'phone') !== undefined)
    refuse('parameter_unknown', 'patient.phone', 'Unknown parameter: patient.phone.');
  const insurance_number = optional(own(fields, 'insurance_number'), (v) =>
    matching(
      v,
      'patient.insurance_number',
      INSURANCE_NUMBER,
      'a BHYT card number (2 capital letters and 13 digits) or 10 digits',
    ),
  );
  return { name, id_number, insurance_number };
}

function plainLines(value: unknown, limits: BillLimits): BillLine[] {
  return array(value, 'lines', limits.lines_max).map((raw, index) => {
    const param = `lines[${index}]`;
    const fields = object(raw, param, ['name', 'amount']);
    return {
      name: text(own(fields, 'name'), `${param}.name`, TEXT_LENGTH_MAX.line_name),
      amount: amount(own(fields, 'amount'), `${param}.amount`, {
        zero_allowed: false,
        max: limits.line_amount_max,
      }),
    };
  });
}

function feeLines(value: unknown, limits: BillLimits): FeeLine[] {
  return array(value, 'lines', limits.lines_max).map((raw, index) => {
    const param = `lines[${index}]`;
    const fields = object(raw, param, ['name', 'amount', 'legal_basis']);
    return {
      name: text(own(fields, 'name'), `${param}.name`, TEXT_LENGTH_MAX.line_name),
      amount: amount(own(fields, 'amount'), `${param}.amount`, {
        zero_allowed: false,
        max: limits.line_amount_max,
      }),
      legal_basis: text(own(fields, 'legal_basis'), `${param}.legal_basis`, TEXT_LENGTH_MAX.legal_basis),
    };
  });
}

function hospitalLines(value: unknown, limits: BillLimits): HospitalLine[] {
  return array(value, 'lines', limits.lines_max).map((raw, index) => {
    const param = `lines[${index}]`;
    const fields = object(raw, param, ['name', 'amount', 'insurance_covered', 'patient_pays']);
    const name = text(own(fields, 'name'), `${param}.name`, TEXT_LENGTH_MAX.line_name);
    const part = { zero_allowed: true, max: limits.line_amount_max };
    const insurance_covered = amount(own(fields, 'insurance_covered'), `${param}.insurance_covered`, part);
    const patient_pays = amount(own(fields, 'patient_pays'), `${param}.patient_pays`, part);
    const total = insurance_covered + patient_pays;
    if (total === 0n) refuse('amount_not_positive', param, `${param} must cost something: both parts are 0.`);
    if (total > limits.line_amount_max) {
      refuse('amount_too_large', param, `${param} must total at most ${limits.line_amount_max}.`);
    }
    // The line total is optional; when the hospital sends it, it is a checksum on the split.
    const given = optional(own(fields, 'amount'), (v) =>
      amount(v, `${param}.amount`, { zero_allowed: false, max: limits.line_amount_max }),
    );
    if (given !== null && given !== total) {
      refuse(
        'line_total_mismatch',
        `${param}.amount`,
        `${param}.amount must equal insurance_covered + patient_pays (${total}).`,
      );
    }
    return { name, amount: total, insurance_covered, patient_pays };
  });
}

function depositReferences(value: unknown): string[] {
  const references = array(value, 'deposit_references', DEPOSIT_REFERENCES_MAX).map((raw, index) =>
    matching(raw, `deposit_references[${index}]`, IDENTIFIER, IDENTIFIER_HINT),
  );
  const repeated = references.findIndex((reference, index) => references.indexOf(reference) !== index);
  if (repeated !== -1) {
    refuse('parameter_invalid', `deposit_references[${repeated}]`, 'A deposit may be named only once.');
  }
  return references;
}

function sum(lines: readonly { amount: bigint }[]): bigint {
  let total = 0n;
  for (const line of lines) total += line.amount;
  return total;
}

const COMMON_FIELDS = ['kind', 'reference', 'payer', 'lines', 'expires_at', 'currency', 'amount'];
const KIND_FIELDS: Record<BillKind, readonly string[]> = {
  fee: ['procedure_code'],
  parking: ['lot', 'plate', 'entered_at', 'exited_at'],
  hospital: ['invoice_number', 'patient', 'stage', 'deposit_references'],
};

export const PARKING_LINE_NAME = 'Phí trông giữ xe';

function parkingBill(fields: Record<string, unknown>, options: ParseBillOptions, limits: BillLimits) {
  const lot = matching(own(fields, 'lot'), 'lot', IDENTIFIER, IDENTIFIER_HINT);
  const plate_raw = own(fields, 'plate');
  const plate = matching(
    typeof plate_raw === 'string' ? plate_raw.toUpperCase() : plate_raw,
    'plate',
    PLATE,
    'a number plate of 4 to 16 letters, digits, ".", "-" and spaces',
  );
  const entered_at = instant(own(fields, 'entered_at'), 'entered_at');
  const exited_at = instant(own(fields, 'exited_at'), 'exited_at');
  const stay = checkParkingStay(entered_at, exited_at);
  if (stay) throw new Refusal(stay);
  if (exited_at.getTime() > options.now.getTime() + CLOCK_SKEW_MS) {
    refuse('parking_exit_in_future', 'exited_at', 'exited_at must not be in the future.');
  }
  const common = { kind: 'parking' as const, lot, plate, entered_at, exited_at };
  const given = own(fields, 'lines');
  // Lines sent by the operator are used as sent, even when they differ from the tariff: the operator
  // bills its own discounts, passes and lost-ticket fees that no tariff here models.
  if (!isAbsent(given))
    return { ...common, amount_source: 'lines' as const, lines: plainLines(given, limits) };
  const tariff = options.parking_tariff;
  if (!tariff) {
    refuse(
      'parking_tariff_missing',
      'lines',
      'lines is required: this biller has no parking tariff to price the stay.',
    );
  }
  const tariff_problem = validateParkingTariff(tariff);
  // A stored tariff that fails validation is the hub's problem, not the client's.
  if (tariff_problem) throw new Error(`stored parking tariff is invalid: ${tariff_problem.message}`);
  const charge = parkingCharge(tariff, entered_at, exited_at);
  if (charge === 0n)
    refuse(
      'amount_not_positive',
      'lines',
      'The tariff charges nothing for this stay: there is nothing to bill.',
    );
  if (charge > limits.line_amount_max) {
    refuse(
      'amount_too_large',
      'lines',
      `The tariff charge ${charge} is above the line maximum ${limits.line_amount_max}.`,
    );
  }
  return {
    ...common,
    amount_source: 'tariff' as const,
    lines: [{ name: `${PARKING_LINE_NAME} ${plate}`, amount: charge }],
  };
}

function resolveLimits(given: Partial<BillLimits> | undefined): BillLimits {
  const limits = { ...DEFAULT_BILL_LIMITS, ...given };
  // Bad limits are a configuration bug; amounts above 2^53 could not even be read exactly from JSON.
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  if (
    limits.line_amount_max < 1n ||
    limits.line_amount_max > safe ||
    limits.bill_amount_max < 1n ||
    limits.bill_amount_max > safe
  ) {
    throw new RangeError('bill amount limits must be from 1 to 2^53 - 1');
  }
  if (!Number.isSafeInteger(limits.lines_max) || limits.lines_max < 1)
    throw new RangeError('lines_max must be at least 1');
  return limits;
}

// Omit that keeps the union's members apart, so each branch below is checked against its own kind.
type WithoutTotals<T> = T extends unknown ? Omit<T, 'amount' | 'expires_at'> : never;

function parse(body: unknown, options: ParseBillOptions): NormalizedBill {
  const limits = resolveLimits(options.limits);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    refuse('body_invalid', null, 'The request body must be a JSON object.');
  }
  const kind_value = own(body as Record<string, unknown>, 'kind');
  if (isAbsent(kind_value)) refuse('parameter_missing', 'kind', 'kind is required.');
  if (typeof kind_value !== 'string' || !(BILL_KINDS as readonly string[]).includes(kind_value)) {
    refuse('parameter_invalid', 'kind', `kind must be one of: ${BILL_KINDS.join(', ')}.`);
  }
  const kind = kind_value as BillKind;
  const fields = object(body, '', [...COMMON_FIELDS, ...KIND_FIELDS[kind]]);
  const reference = matching(own(fields, 'reference'), 'reference', IDENTIFIER, IDENTIFIER_HINT);
  const common = { reference, payer: payer(own(fields, 'payer')), currency: 'VND' as const };
  const currency = own(fields, 'currency');
  if (!isAbsent(currency)) {
    if (typeof currency !== 'string') refuse('parameter_invalid', 'currency', 'currency must be a string.');
    if (currency !== 'VND') refuse('currency_unsupported', 'currency', 'Bills are in VND only.');
  }

  let bill: WithoutTotals<NormalizedBill>;
  let amount_value: bigint;
  if (kind === 'fee') {
    const procedure_code = matching(
      own(fields, 'procedure_code'),
      'procedure_code',
      IDENTIFIER,
      IDENTIFIER_HINT,
    );
    const lines = feeLines(own(fields, 'lines'), limits);
    bill = { ...common, kind, procedure_code, lines };
    amount_value = sum(lines);
  } else if (kind === 'parking') {
    const parking = parkingBill(fields, options, limits);
    bill = { ...common, ...parking };
    amount_value = sum(parking.lines);
  } else {
    const invoice_number = matching(
      own(fields, 'invoice_number'),
      'invoice_number',
      IDENTIFIER,
      IDENTIFIER_HINT,
    );
    const the_patient = patient(own(fields, 'patient'));
    const stage_value = own(fields, 'stage');
    if (isAbsent(stage_value)) refuse('parameter_missing', 'stage', 'stage is required.');
    if (typeof stage_value !== 'string' || !(HOSPITAL_STAGES as readonly string[]).includes(stage_value)) {
      refuse('parameter_invalid', 'stage', `stage must be one of: ${HOSPITAL_STAGES.join(', ')}.`);
    }
    const hospital = { ...common, kind, invoice_number, patient: the_patient };
    if (stage_value === 'deposit') {
      if (!isAbsent(own(fields, 'deposit_references'))) {
        refuse(
          'parameter_invalid',
          'deposit_references',
          'deposit_references belongs on a final bill, not a deposit.',
        );
      }
      const lines = plainLines(own(fields, 'lines'), limits);
      bill = { ...hospital, stage: 'deposit', lines };
      amount_value = sum(lines);
    } else {
      const lines = hospitalLines(own(fields, 'lines'), limits);
      const references = own(fields, 'deposit_references');
      const deposit_references = isAbsent(references) ? [] : depositReferences(references);
      const amount_total = sum(lines);
      const patient_share = hospitalPatientShare(lines);
      bill = {
        ...hospital,
        stage: 'final',
        lines,
        amount_total,
        insurance_covered: amount_total - patient_share,
        deposit_references,
      };
      // The final bill's amount is the patient's share; deposits are deducted from it at settlement.
      amount_value = patient_share;
    }
  }

  if (amount_value <= 0n) refuse('amount_not_positive', 'lines', 'The bill must be for at least 1 dong.');
  if (amount_value > limits.bill_amount_max) {
    refuse(
      'amount_too_large',
      'lines',
      `The bill's amount ${amount_value} is above the maximum ${limits.bill_amount_max}.`,
    );
  }
  // An amount the client adds is a checksum against its own arithmetic; the lines always decide.
  const claimed = optional(own(fields, 'amount'), (v) =>
    amount(v, 'amount', { zero_allowed: false, max: limits.bill_amount_max }),
  );
  if (claimed !== null && claimed !== amount_value) {
    refuse('amount_mismatch', 'amount', `amount must equal the sum of the lines (${amount_value}).`);
  }
  const expires_at = optional(own(fields, 'expires_at'), (v) => instant(v, 'expires_at'));
  if (expires_at !== null) {
    if (expires_at.getTime() <= options.now.getTime()) {
      refuse('expires_at_in_past', 'expires_at', 'expires_at must be in the future.');
    }
    if (expires_at.getTime() > options.now.getTime() + EXPIRY_HORIZON_MS) {
      refuse('parameter_invalid', 'expires_at', 'expires_at must be within 366 days.');
    }
  }
  return { ...bill, amount: amount_value, expires_at } as NormalizedBill;
}

/**
 * Checks and normalizes a parsed JSON body for POST /v1/bills. Stops at the first problem, in this
 * order: the body, kind, unknown fields, reference, payer, currency, the kind's own fields, lines,
 * the bill's total, amount, expires_at.
 */
export function parseBillInput(body: unknown, options: ParseBillOptions): ParseBillResult {
  try {
    return { ok: true, bill: parse(body, options) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.detail };
    throw error;
  }
}
