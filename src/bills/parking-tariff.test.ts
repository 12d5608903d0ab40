// Parking charges: blocks, started hours, the night window in Vietnam time, the daily cap, one
// rounding, and the tariff's own validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { BillError } from './bills.errors';
import {
  PARKING_ROUNDING,
  PARKING_STAY_MAX_MS,
  checkParkingStay,
  nightOverlapMs,
  parkingCharge,
  parseParkingTariff,
  validateParkingTariff,
  type ParkingTariff,
} from './parking-tariff';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** 2 h for 10,000, then 5,000 an hour, 8,000 an hour 18:00-06:00 Vietnam time, 60,000 a day at most. */
const TARIFF: ParkingTariff = {
  first_block_minutes: 120,
  first_block_price: 10_000n,
  price_per_hour: 5_000n,
  night: { start_minute: 18 * 60, end_minute: 6 * 60, price_per_hour: 8_000n },
  cap_per_day: 60_000n,
};

/** An instant given as Vietnam wall-clock time. */
function vn(text: string): Date {
  return new Date(`${text}+07:00`);
}

function charge(tariff: ParkingTariff, entered: string, exited: string): bigint {
  return parkingCharge(tariff, vn(entered), vn(exited));
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof BillError ? `${error.code} ${error.param}` : 'not a BillError';
  }
  return undefined;
}

describe('parkingCharge', () => {
  it('names half-up as the one rounding rule', () => {
    assert.equal(PARKING_ROUNDING, Decimal.ROUND_HALF_UP);
  });

  it('charges the first block flat, however little of it is used, and each started hour after it', () => {
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T08:01:00'), 10_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T10:00:00'), 10_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T10:00:01'), 15_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T11:00:00'), 15_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T11:30:00'), 20_000n);
  });

  it('lets a free first block cost nothing', () => {
    const free = { ...TARIFF, first_block_minutes: 15, first_block_price: 0n };
    assert.equal(charge(free, '2025-03-01T08:00:00', '2025-03-01T08:15:00'), 0n);
    assert.equal(charge(free, '2025-03-01T08:00:00', '2025-03-01T08:16:00'), 5_000n);
  });

  it('prices the night window at its own rate, switching exactly at 18:00 and 06:00 Vietnam time', () => {
    // Hours 16:00-17:00 and 17:00-18:00 are day; 18:00-19:00 is night.
    assert.equal(charge(TARIFF, '2025-03-01T14:00:00', '2025-03-01T18:00:00'), 10_000n + 2n * 5_000n);
    assert.equal(
      charge(TARIFF, '2025-03-01T14:00:00', '2025-03-01T18:00:01'),
      10_000n + 2n * 5_000n + 8_000n,
    );
    // 04:00-05:00 and 05:00-06:00 are night, 06:00-07:00 is day.
    assert.equal(charge(TARIFF, '2025-03-01T02:00:00', '2025-03-01T06:00:00'), 10_000n + 2n * 8_000n);
    assert.equal(
      charge(TARIFF, '2025-03-01T02:00:00', '2025-03-01T06:00:01'),
      10_000n + 2n * 8_000n + 5_000n,
    );
  });

  it('prices an hour across a boundary pro rata and rounds the stay once, half up', () => {
    // The hour 17:30-18:30 is half day, half night: 2,500 + 4,000.
    assert.equal(charge(TARIFF, '2025-03-01T15:30:00', '2025-03-01T18:00:00'), 10_000n + 6_500n);
    // 20 s of night in the hour 17:00:20-18:00:20: 5,000 × 3580/3600 + 8,000 × 20/3600 = 5,016.67 -> 5,017.
    assert.equal(charge(TARIFF, '2025-03-01T15:00:20', '2025-03-01T17:30:00'), 10_000n + 5_017n);
    // Exactly half a dong rounds up: the hour 17:59:59.400-18:59:59.400 has 600 ms of day at 3,000 an
    // hour (0.5 dong) and the rest free at night; 599 ms make 0.499 dong, rounded down.
    const odd = { ...TARIFF, price_per_hour: 3_000n, night: { ...TARIFF.night!, price_per_hour: 0n } };
    const exited = vn('2025-03-01T18:30:00');
    const half = new Date(vn('2025-03-01T16:00:00').getTime() - 600);
    assert.equal(parkingCharge(odd, half, exited), 10_000n + 1n);
    const less = new Date(vn('2025-03-01T16:00:00').getTime() - 599);
    assert.equal(parkingCharge(odd, less, exited), 10_000n);
  });

  it('caps each 24-hour period from entry, not each calendar day', () => {
    // 08:00 to 08:00 the next day: the cap; one more minute starts the next period's hours.
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-02T08:00:00'), 60_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-02T08:00:01'), 60_000n + 5_000n);
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-04T08:00:00'), 180_000n);
    assert.equal(
      charge({ ...TARIFF, cap_per_day: null }, '2025-03-01T08:00:00', '2025-03-02T08:00:00') > 60_000n,
      true,
    );
  });

  it('reads the night window in Vietnam time whatever the process TZ: only UTC arithmetic + 7 h', () => {
    // 23:00 UTC is 06:00 in Vietnam: the hour 22:00-23:00 UTC is night, 23:00-24:00 UTC is day.
    const night = TARIFF.night!;
    assert.equal(
      nightOverlapMs(night, Date.parse('2025-03-01T22:00:00Z'), Date.parse('2025-03-01T23:00:00Z')),
      HOUR_MS,
    );
    assert.equal(
      nightOverlapMs(night, Date.parse('2025-03-01T23:00:00Z'), Date.parse('2025-03-02T00:00:00Z')),
      0,
    );
    // Around midnight in Vietnam (17:00 UTC): the window wraps, both sides are night.
    assert.equal(
      nightOverlapMs(night, Date.parse('2025-03-01T16:30:00Z'), Date.parse('2025-03-01T17:30:00Z')),
      HOUR_MS,
    );
    // 11:00 UTC is 18:00 in Vietnam.
    assert.equal(
      nightOverlapMs(night, Date.parse('2025-03-01T10:30:00Z'), Date.parse('2025-03-01T11:30:00Z')),
      HOUR_MS / 2,
    );
    // A window that does not wrap: 12:00-13:30.
    const noon = { start_minute: 12 * 60, end_minute: 13 * 60 + 30, price_per_hour: 0n };
    assert.equal(
      nightOverlapMs(noon, Date.parse('2025-03-01T04:00:00Z'), Date.parse('2025-03-01T07:00:00Z')),
      90 * MINUTE_MS,
    );
  });

  it('is the same across Vietnamese midnight for an entry given in UTC or with +07:00', () => {
    const entered = new Date('2025-03-01T16:45:00Z');
    assert.equal(entered.getTime(), vn('2025-03-01T23:45:00').getTime());
    // 23:45 + 2 h block, then hours 01:45-02:45 and 02:45-03:45, both night.
    assert.equal(parkingCharge(TARIFF, entered, new Date('2025-03-01T20:00:00Z')), 10_000n + 16_000n);
  });

  it('refuses a bad tariff or stay with a code, as a bug that validation should have caught', () => {
    assert.equal(
      thrownCode(() =>
        parkingCharge(
          { ...TARIFF, first_block_minutes: 0 },
          vn('2025-03-01T08:00:00'),
          vn('2025-03-01T09:00:00'),
        ),
      ),
      'parking_tariff_invalid tariff.first_block_minutes',
    );
    assert.equal(
      thrownCode(() => charge(TARIFF, '2025-03-01T08:00:00', '2025-03-01T08:00:00')),
      'parking_exit_before_entry exited_at',
    );
    assert.equal(
      thrownCode(() => charge(TARIFF, '2025-03-01T08:00:00', '2025-03-31T08:00:01')),
      'parking_stay_too_long exited_at',
    );
    assert.equal(charge(TARIFF, '2025-03-01T08:00:00', '2025-03-31T08:00:00'), 30n * 60_000n);
  });
});

describe('checkParkingStay', () => {
  it('accepts up to the maximum stay and refuses a non-time', () => {
    const entered = new Date('2025-03-01T00:00:00Z');
    assert.equal(checkParkingStay(entered, new Date(entered.getTime() + PARKING_STAY_MAX_MS)), null);
    assert.equal(checkParkingStay(new Date(Number.NaN), entered)?.param, 'entered_at');
    assert.equal(checkParkingStay(entered, new Date(Number.NaN))?.param, 'exited_at');
  });
});

describe('validateParkingTariff and parseParkingTariff', () => {
  it('refuses each malformed field by its path', () => {
    const cases: [ParkingTariff, string][] = [
      [{ ...TARIFF, first_block_minutes: 1.5 }, 'tariff.first_block_minutes'],
      [{ ...TARIFF, first_block_minutes: 1441 }, 'tariff.first_block_minutes'],
      [{ ...TARIFF, first_block_price: -1n }, 'tariff.first_block_price'],
      [{ ...TARIFF, price_per_hour: 100_000_001n }, 'tariff.price_per_hour'],
      [{ ...TARIFF, cap_per_day: -1n }, 'tariff.cap_per_day'],
      [{ ...TARIFF, night: { ...TARIFF.night!, start_minute: 1440 } }, 'tariff.night.start_minute'],
      [{ ...TARIFF, night: { ...TARIFF.night!, end_minute: -1 } }, 'tariff.night.end_minute'],
      [{ ...TARIFF, night: { ...TARIFF.night!, price_per_hour: -5n } }, 'tariff.night.price_per_hour'],
      [{ ...TARIFF, night: { ...TARIFF.night!, end_minute: 18 * 60 } }, 'tariff.night.end_minute'],
    ];
    for (const [tariff, param] of cases) {
      const problem = validateParkingTariff(tariff);
      assert.equal(problem?.code, 'parking_tariff_invalid', param);
      assert.equal(problem?.param, param);
    }
    assert.equal(validateParkingTariff(TARIFF), null);
    assert.equal(validateParkingTariff({ ...TARIFF, night: null, cap_per_day: null }), null);
  });

  it('reads the JSON form, prices as strings or safe integers, and round-trips what toJson writes', () => {
    const parsed = parseParkingTariff({
      first_block_minutes: 120,
      first_block_price: '10000',
      price_per_hour: 5000,
      night: { start_minute: 1080, end_minute: 360, price_per_hour: '8000' },
      cap_per_day: '60000',
    });
    assert.deepEqual(parsed, { ok: true, value: TARIFF });
    assert.deepEqual(
      parseParkingTariff({ first_block_minutes: 30, first_block_price: 0, price_per_hour: '1' }),
      {
        ok: true,
        value: {
          first_block_minutes: 30,
          first_block_price: 0n,
          price_per_hour: 1n,
          night: null,
          cap_per_day: null,
        },
      },
    );
  });

  it('refuses floats, exponent strings, unknown fields and a missing part, naming the field', () => {
    const base = { first_block_minutes: 60, first_block_price: '0', price_per_hour: '1000' };
    const cases: [unknown, string][] = [
      [[], 'tariff'],
      [{ ...base, price_per_hour: 1000.5 }, 'tariff.price_per_hour'],
      [{ ...base, price_per_hour: '1e3' }, 'tariff.price_per_hour'],
      [{ ...base, first_block_price: undefined }, 'tariff.first_block_price'],
      [{ ...base, cap_per_day: '-1' }, 'tariff.cap_per_day'],
      [{ ...base, surprise: 1 }, 'tariff.surprise'],
      [{ ...base, night: 'yes' }, 'tariff.night'],
      [{ ...base, night: { start_minute: 1, end_minute: 2, price_per_hour: '1', x: 1 } }, 'tariff.night.x'],
      [
        { ...base, night: { start_minute: 1, end_minute: 2, price_per_hour: 0.5 } },
        'tariff.night.price_per_hour',
      ],
      [
        { ...base, night: { start_minute: '18:00', end_minute: 2, price_per_hour: '1' } },
        'tariff.night.start_minute',
      ],
      [{ ...base, first_block_minutes: '60' }, 'tariff.first_block_minutes'],
    ];
    for (const [input, param] of cases) {
      const result = parseParkingTariff(input);
      assert.equal(result.ok, false, param);
      if (!result.ok) {
        assert.equal(result.error.code, 'parking_tariff_invalid');
        assert.equal(result.error.param, param);
      }
    }
  });
});

const tariffArb: fc.Arbitrary<ParkingTariff> = fc.record({
  first_block_minutes: fc.integer({ min: 1, max: 1440 }),
  first_block_price: fc.bigInt({ min: 0n, max: 50_000n }),
  price_per_hour: fc.bigInt({ min: 0n, max: 50_000n }),
  night: fc.option(
    fc
      .record({
        start_minute: fc.integer({ min: 0, max: 1439 }),
        end_minute: fc.integer({ min: 0, max: 1439 }),
        price_per_hour: fc.bigInt({ min: 0n, max: 50_000n }),
      })
      .filter((night) => night.start_minute !== night.end_minute),
  ),
  cap_per_day: fc.option(fc.bigInt({ min: 0n, max: 500_000n })),
});
// Any instant in 2025, to the millisecond.
const enteredArb = fc.integer({
  min: Date.parse('2025-01-01T00:00:00Z'),
  max: Date.parse('2026-01-01T00:00:00Z'),
});
const stayArb = fc.integer({ min: 1, max: PARKING_STAY_MAX_MS });

describe('parkingCharge properties', () => {
  it('never charges less for a later exit', () => {
    fc.assert(
      fc.property(tariffArb, enteredArb, stayArb, stayArb, (tariff, entered_ms, a, b) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        const entered = new Date(entered_ms);
        return (
          parkingCharge(tariff, entered, new Date(entered_ms + short)) <=
          parkingCharge(tariff, entered, new Date(entered_ms + long))
        );
      }),
      { numRuns: 200 },
    );
  });

  it('never exceeds the cap for every started 24-hour period, nor the uncapped price of the hours', () => {
    fc.assert(
      fc.property(tariffArb, enteredArb, stayArb, (tariff, entered_ms, stay_ms) => {
        const total = parkingCharge(tariff, new Date(entered_ms), new Date(entered_ms + stay_ms));
        const periods = BigInt(Math.ceil(stay_ms / DAY_MS));
        const hours = BigInt(
          Math.max(0, Math.ceil((stay_ms - tariff.first_block_minutes * MINUTE_MS) / HOUR_MS)),
        );
        const dearest =
          tariff.night && tariff.night.price_per_hour > tariff.price_per_hour
            ? tariff.night.price_per_hour
            : tariff.price_per_hour;
        const uncapped = tariff.first_block_price + hours * dearest;
        return (
          total >= 0n &&
          total <= uncapped &&
          (tariff.cap_per_day === null || total <= periods * tariff.cap_per_day)
        );
      }),
      { numRuns: 300 },
    );
  });

  it('charges the flat rate when night and day cost the same', () => {
    fc.assert(
      fc.property(tariffArb, enteredArb, stayArb, (tariff, entered_ms, stay_ms) => {
        const flat = { ...tariff, night: null };
        const same = tariff.night && {
          ...tariff,
          night: { ...tariff.night, price_per_hour: tariff.price_per_hour },
        };
        const entered = new Date(entered_ms);
        const exited = new Date(entered_ms + stay_ms);
        return same === null || parkingCharge(same, entered, exited) === parkingCharge(flat, entered, exited);
      }),
      { numRuns: 100 },
    );
  });

  it('counts every hour of a day once: a day of any window has (window length) of night', () => {
    fc.assert(
      fc.property(tariffArb, enteredArb, (tariff, from_ms) => {
        if (tariff.night === null) return true;
        const { start_minute, end_minute } = tariff.night;
        const length_minutes =
          end_minute > start_minute ? end_minute - start_minute : 1440 - start_minute + end_minute;
        return nightOverlapMs(tariff.night, from_ms, from_ms + DAY_MS) === length_minutes * MINUTE_MS;
      }),
    );
  });
});
