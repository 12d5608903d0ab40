// A parking operator's tariff and the charge for one stay: the only place a bill's amount is computed
// by the hub rather than given by the biller, and the only place in bills where a fraction of a dong
// can occur (an hour that straddles the start or end of the night window).
import Decimal from 'decimal.js';
import { billError, BillError, type BillErrorDetail, type BillResult } from './bills.errors';

/**
 * The one rounding rule for parking charges: half up to whole dong (half a dong and more rounds up),
 * applied once to the whole stay. Every block, hour and cap is summed exactly first, so the charge
 * never depends on how many hours were rounded along the way.
 */
export const PARKING_ROUNDING = Decimal.ROUND_HALF_UP;

// A private constructor so another module's Decimal.set() cannot change our precision; 60 digits
// hold any quotient below (a stay's numerator is under 10^25 dong·ms), so the division is exact to
// far beyond the half-dong the rounding looks at.
const ParkingDecimal = Decimal.clone({
  precision: 60,
  rounding: PARKING_ROUNDING,
  toExpPos: 60,
  toExpNeg: -60,
});

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const DAY_MINUTES = 24 * 60;

/**
 * Vietnam keeps UTC+7 all year (no daylight saving since 1975), so the night window is computed from
 * UTC instants plus this fixed offset: the result never depends on the process's TZ.
 */
export const VIETNAM_UTC_OFFSET_MS = 7 * HOUR_MS;

/** A stay longer than this is refused: it is a data error (a missed exit), not a parking session. */
export const PARKING_STAY_MAX_MS = 30 * DAY_MS;

/** Any single price in a tariff; above it the tariff is a typo (an extra zero or three). */
export const PARKING_PRICE_MAX = 100_000_000n;

export interface ParkingNightRate {
  /** Minute of the day in Vietnam time (0 to 1439) at which the night rate starts, e.g. 1080 = 18:00. */
  readonly start_minute: number;
  /** Minute of the day at which it ends; below start_minute the window wraps past midnight (18:00-06:00). */
  readonly end_minute: number;
  readonly price_per_hour: bigint;
}

/**
 * What an operator charges, in VND. The stay is priced as: the first block (a flat price, possibly 0,
 * however little of it is used); then each started hour at price_per_hour, where the part of an hour
 * that falls in the night window costs night.price_per_hour instead (pro rata by the millisecond);
 * then each 24-hour period counted from entry is capped at cap_per_day; then the sum is rounded once.
 */
export interface ParkingTariff {
  /** 1 to 1440. */
  readonly first_block_minutes: number;
  readonly first_block_price: bigint;
  readonly price_per_hour: bigint;
  readonly night: ParkingNightRate | null;
  /** Per 24-hour period from entry (not per calendar day); null for no cap. */
  readonly cap_per_day: bigint | null;
}

function priceProblem(value: unknown, param: string): BillErrorDetail | null {
  if (typeof value !== 'bigint' || value < 0n || value > PARKING_PRICE_MAX) {
    return billError(
      'parking_tariff_invalid',
      param,
      `${param} must be a whole number of dong from 0 to ${PARKING_PRICE_MAX}.`,
    );
  }
  return null;
}

function minuteProblem(value: unknown, param: string, min: number, max: number): BillErrorDetail | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return billError('parking_tariff_invalid', param, `${param} must be an integer from ${min} to ${max}.`);
  }
  return null;
}

/** The first thing wrong with a tariff, or null; `param` prefixes the paths in the answer. */
export function validateParkingTariff(tariff: ParkingTariff, param = 'tariff'): BillErrorDetail | null {
  const problem =
    minuteProblem(tariff.first_block_minutes, `${param}.first_block_minutes`, 1, DAY_MINUTES) ??
    priceProblem(tariff.first_block_price, `${param}.first_block_price`) ??
    priceProblem(tariff.price_per_hour, `${param}.price_per_hour`) ??
    (tariff.cap_per_day === null ? null : priceProblem(tariff.cap_per_day, `${param}.cap_per_day`));
  if (problem || tariff.night === null) return problem;
  const night = tariff.night;
  const nightProblem =
    minuteProblem(night.start_minute, `${param}.night.start_minute`, 0, DAY_MINUTES - 1) ??
    minuteProblem(night.end_minute, `${param}.night.end_minute`, 0, DAY_MINUTES - 1) ??
    priceProblem(night.price_per_hour, `${param}.night.price_per_hour`);
  if (nightProblem) return nightProblem;
  if (night.start_minute === night.end_minute) {
    // An empty window and a 24-hour one would both be written this way: refuse the ambiguity.
    return billError(
      'parking_tariff_invalid',
      `${param}.night.end_minute`,
      `${param}.night must not start and end at the same minute; leave night out for a flat rate.`,
    );
  }
  return null;
}

/** Refuses a stay that is not one: exit at or before entry, or longer than PARKING_STAY_MAX_MS. */
export function checkParkingStay(entered_at: Date, exited_at: Date): BillErrorDetail | null {
  const entered_ms = entered_at.getTime();
  const exited_ms = exited_at.getTime();
  if (!Number.isFinite(entered_ms))
    return billError('parameter_invalid', 'entered_at', 'entered_at is not a time.');
  if (!Number.isFinite(exited_ms))
    return billError('parameter_invalid', 'exited_at', 'exited_at is not a time.');
  if (exited_ms <= entered_ms) {
    return billError('parking_exit_before_entry', 'exited_at', 'exited_at must be after entered_at.');
  }
  if (exited_ms - entered_ms > PARKING_STAY_MAX_MS) {
    return billError(
      'parking_stay_too_long',
      'exited_at',
      `A parking stay may last at most ${PARKING_STAY_MAX_MS / DAY_MS} days.`,
    );
  }
  return null;
}

/** Milliseconds of [from_ms, to_ms) (UTC instants) inside the night window, in Vietnam time. */
export function nightOverlapMs(night: ParkingNightRate, from_ms: number, to_ms: number): number {
  const local_from_ms = from_ms + VIETNAM_UTC_OFFSET_MS;
  const local_to_ms = to_ms + VIETNAM_UTC_OFFSET_MS;
  const length_ms =
    (night.end_minute > night.start_minute
      ? night.end_minute - night.start_minute
      : DAY_MINUTES - night.start_minute + night.end_minute) * MINUTE_MS;
  let overlap_ms = 0;
  // A window that wraps midnight and starts the day before can still reach into this interval, hence
  // the day before the first one; windows of consecutive days never overlap, so the sum is exact.
  const last_day = Math.floor((local_to_ms - 1) / DAY_MS);
  for (let day = Math.floor(local_from_ms / DAY_MS) - 1; day <= last_day; day++) {
    const window_from_ms = day * DAY_MS + night.start_minute * MINUTE_MS;
    const window_to_ms = window_from_ms + length_ms;
    overlap_ms += Math.max(0, Math.min(local_to_ms, window_to_ms) - Math.max(local_from_ms, window_from_ms));
  }
  return overlap_ms;
}

/**
 * The charge for one stay, in VND. Throws a BillError for a tariff or a stay that validation should
 * already have refused (see validateParkingTariff and checkParkingStay): reaching here with one is a bug.
 */
export function parkingCharge(tariff: ParkingTariff, entered_at: Date, exited_at: Date): bigint {
  const problem = validateParkingTariff(tariff) ?? checkParkingStay(entered_at, exited_at);
  if (problem) throw BillError.from(problem);
  const entered_ms = entered_at.getTime();
  const exited_ms = exited_at.getTime();
  const hour_ms = BigInt(HOUR_MS);
  // Every sum is in dong·milliseconds per hour (price_per_hour × ms), exact in bigint; the single
  // division by an hour and the single rounding happen at the end.
  const per_period: bigint[] = [tariff.first_block_price * hour_ms];
  const hours_max = Math.ceil(PARKING_STAY_MAX_MS / HOUR_MS);
  let hour_start_ms = entered_ms + tariff.first_block_minutes * MINUTE_MS;
  // Each started hour is charged whole, belongs to the 24-hour period it starts in, and is priced by
  // how much of its full length (not just the part before exit) lies in the night window.
  for (let hour = 0; hour_start_ms < exited_ms && hour < hours_max; hour++) {
    const period = Math.floor((hour_start_ms - entered_ms) / DAY_MS);
    const night_ms = tariff.night ? nightOverlapMs(tariff.night, hour_start_ms, hour_start_ms + HOUR_MS) : 0;
    const night_price = tariff.night?.price_per_hour ?? 0n;
    const charge = tariff.price_per_hour * BigInt(HOUR_MS - night_ms) + night_price * BigInt(night_ms);
    per_period[period] = (per_period[period] ?? 0n) + charge;
    hour_start_ms += HOUR_MS;
  }
  const cap = tariff.cap_per_day === null ? null : tariff.cap_per_day * hour_ms;
  let total = 0n;
  for (const charge of per_period) total += cap !== null && charge > cap ? cap : charge;
  return BigInt(
    new ParkingDecimal(total.toString()).div(HOUR_MS).toDecimalPlaces(0, PARKING_ROUNDING).toString(),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PRICE_TEXT = /^(0|[1-9][0-9]{0,17})$/;

function parsePrice(value: unknown, param: string): bigint | BillErrorDetail {
  // Whole dong as a decimal string or a safe integer; never a float, never a string like "1e3".
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && PRICE_TEXT.test(value)) return BigInt(value);
  return billError('parking_tariff_invalid', param, `${param} must be a whole number of dong.`);
}

function unknownField(raw: Record<string, unknown>, allowed: readonly string[], param: string) {
  const field = Object.keys(raw).find((key) => !allowed.includes(key));
  return field === undefined
    ? null
    : billError(
        'parking_tariff_invalid',
        `${param}.${field.slice(0, 100)}`,
        `${param}.${field.slice(0, 100)} is not a tariff field.`,
      );
}

/**
 * A tariff from its JSON form (as stored, or as sent to the admin API): the same field names, prices as
 * decimal strings or safe integers (toJson writes them as strings), `night` and `cap_per_day` null or
 * absent for none.
 */
export function parseParkingTariff(input: unknown, param = 'tariff'): BillResult<ParkingTariff> {
  const fail = (error: BillErrorDetail) => ({ ok: false as const, error });
  if (!isRecord(input))
    return fail(billError('parking_tariff_invalid', param, `${param} must be an object.`));
  const unknown = unknownField(
    input,
    ['first_block_minutes', 'first_block_price', 'price_per_hour', 'night', 'cap_per_day'],
    param,
  );
  if (unknown) return fail(unknown);
  const first_block_price = parsePrice(input.first_block_price, `${param}.first_block_price`);
  if (typeof first_block_price !== 'bigint') return fail(first_block_price);
  const price_per_hour = parsePrice(input.price_per_hour, `${param}.price_per_hour`);
  if (typeof price_per_hour !== 'bigint') return fail(price_per_hour);
  let cap_per_day: bigint | null = null;
  if (input.cap_per_day !== undefined && input.cap_per_day !== null) {
    const cap = parsePrice(input.cap_per_day, `${param}.cap_per_day`);
    if (typeof cap !== 'bigint') return fail(cap);
    cap_per_day = cap;
  }
  let night: ParkingNightRate | null = null;
  if (input.night !== undefined && input.night !== null) {
    const raw = input.night;
    if (!isRecord(raw)) {
      return fail(billError('parking_tariff_invalid', `${param}.night`, `${param}.night must be an object.`));
    }
    const unknownNight = unknownField(
      raw,
      ['start_minute', 'end_minute', 'price_per_hour'],
      `${param}.night`,
    );
    if (unknownNight) return fail(unknownNight);
    const night_price = parsePrice(raw.price_per_hour, `${param}.night.price_per_hour`);
    if (typeof night_price !== 'bigint') return fail(night_price);
    night = {
      start_minute: raw.start_minute as number,
      end_minute: raw.end_minute as number,
      price_per_hour: night_price,
    };
  }
  const tariff: ParkingTariff = {
    first_block_minutes: input.first_block_minutes as number,
    first_block_price,
    price_per_hour,
    night,
    cap_per_day,
  };
  // The minute fields are checked here, by the same rules as a tariff built in code.
  const problem = validateParkingTariff(tariff, param);
  return problem ? fail(problem) : { ok: true, value: tariff };
}
