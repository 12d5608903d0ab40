// Gateway fees per gateway and payment method, from configuration: the one place where a fraction of a
// dong can occur, so the one place decimal.js is used.
import Decimal from 'decimal.js';
import { AdapterError, type GatewayId, type PaymentMethod } from './contract';

/**
 * The single rounding rule for fees: half up (half a dong and more rounds up), applied once, after the
 * percentage and the fixed part are added and before the min/max clamp (the bounds are whole dong, so
 * clamping after rounding gives the same result as before). Gateways invoice fees rounded this way in
 * practice; banker's rounding would make the fee on a given amount depend on its parity, which nobody
 * can check by hand.
 */
export const FEE_ROUNDING = Decimal.ROUND_HALF_UP;

// A private Decimal constructor so another module's Decimal.set() cannot change our precision; it
// never writes exponent notation, so a whole number's toString() is its digits for BigInt().
const FeeDecimal = Decimal.clone({ precision: 60, rounding: FEE_ROUNDING, toExpPos: 60, toExpNeg: -60 });

export interface FeeRule {
  /** A percentage as a decimal string: "1.1" means 1.1 %. */
  readonly percent?: string;
  readonly fixed?: bigint;
  readonly min?: bigint;
  readonly max?: bigint;
}

export type FeeTable = Readonly<
  Partial<Record<GatewayId, Readonly<Partial<Record<PaymentMethod, FeeRule>>>>>
>;

export const FEE_ERROR_CODES = ['fee_rule_invalid', 'fee_amount_invalid', 'fee_rule_missing'] as const;
export type FeeErrorCode = (typeof FEE_ERROR_CODES)[number];

export class FeeError extends AdapterError {
  constructor(code: FeeErrorCode, message: string, param?: string) {
    super(code, message, param);
    this.name = 'FeeError';
  }
}

const PERCENT = /^\d{1,3}(\.\d{1,6})?$/;
const INTEGER = /^\d{1,18}$/;

/** Refuses a rule that cannot be meant: garbage percentages, negative parts, min above max. */
export function validateFeeRule(rule: FeeRule, param = 'rule'): FeeRule {
  if (rule.percent !== undefined) {
    if (
      typeof rule.percent !== 'string' ||
      !PERCENT.test(rule.percent) ||
      new FeeDecimal(rule.percent).gt(100)
    ) {
      throw new FeeError(
        'fee_rule_invalid',
        `${param}.percent must be a decimal string from 0 to 100`,
        `${param}.percent`,
      );
    }
  }
  for (const key of ['fixed', 'min', 'max'] as const) {
    const value = rule[key];
    if (value !== undefined && (typeof value !== 'bigint' || value < 0n)) {
      throw new FeeError(
        'fee_rule_invalid',
        `${param}.${key} must be a bigint of at least 0`,
        `${param}.${key}`,
      );
    }
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
    throw new FeeError('fee_rule_invalid', `${param}.min is above ${param}.max`, `${param}.min`);
  }
  return rule;
}

/** The fee on `amount` VND: amount × percent / 100 + fixed, rounded once by FEE_ROUNDING, then clamped. */
export function computeFee(amount: bigint, rule: FeeRule): bigint {
  if (typeof amount !== 'bigint' || amount < 0n) {
    throw new FeeError('fee_amount_invalid', 'amount must be a bigint of at least 0', 'amount');
  }
  validateFeeRule(rule);
  let fee = new FeeDecimal(0);
  if (rule.percent !== undefined) fee = new FeeDecimal(amount.toString()).times(rule.percent).div(100);
  if (rule.fixed !== undefined) fee = fee.plus(rule.fixed.toString());
  let rounded = BigInt(fee.toDecimalPlaces(0, FEE_ROUNDING).toString());
  if (rule.min !== undefined && rounded < rule.min) rounded = rule.min;
  if (rule.max !== undefined && rounded > rule.max) rounded = rule.max;
  return rounded;
}

const GATEWAYS: readonly GatewayId[] = ['vnpay', 'momo', 'zalopay', 'vietqr'];
const METHODS: readonly PaymentMethod[] = [
  'gateway_choice',
  'card_domestic',
  'card_international',
  'qr',
  'wallet',
  'bank_transfer',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseWholeDong(value: unknown, param: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  throw new FeeError('fee_rule_invalid', `${param} must be a whole number of dong`, param);
}

/**
 * Parses a fee table from configuration (JSON): `{ "vnpay": { "card_domestic": { "percent": "1.1",
 * "fixed": "1650", "min": "2000", "max": "50000" } } }`. Whole-dong parts may be strings or safe
 * integers; the percentage must be a string, so no float ever carries it.
 */
export function parseFeeTable(input: unknown): FeeTable {
  if (!isRecord(input)) throw new FeeError('fee_rule_invalid', 'the fee table must be an object', 'fees');
  const table: Partial<Record<GatewayId, Partial<Record<PaymentMethod, FeeRule>>>> = {};
  for (const [gateway, methods] of Object.entries(input)) {
    if (!GATEWAYS.includes(gateway as GatewayId)) {
      throw new FeeError('fee_rule_invalid', `fees.${gateway} is not a known gateway`, `fees.${gateway}`);
    }
    if (!isRecord(methods)) {
      throw new FeeError('fee_rule_invalid', `fees.${gateway} must be an object`, `fees.${gateway}`);
    }
    const rules: Partial<Record<PaymentMethod, FeeRule>> = {};
    for (const [method, raw] of Object.entries(methods)) {
      const param = `fees.${gateway}.${method}`;
      if (!METHODS.includes(method as PaymentMethod)) {
        throw new FeeError('fee_rule_invalid', `${param} is not a known payment method`, param);
      }
      if (!isRecord(raw)) throw new FeeError('fee_rule_invalid', `${param} must be an object`, param);
      const unknown = Object.keys(raw).filter((key) => !['percent', 'fixed', 'min', 'max'].includes(key));
      if (unknown.length > 0) {
        throw new FeeError(
          'fee_rule_invalid',
          `${param}.${unknown[0]} is not a fee rule field`,
          `${param}.${unknown[0]}`,
        );
      }
      if (raw.percent !== undefined && typeof raw.percent !== 'string') {
        throw new FeeError(
          'fee_rule_invalid',
          `${param}.percent must be a decimal string`,
          `${param}.percent`,
        );
      }
      const rule: FeeRule = {
        percent: raw.percent as string | undefined,
        fixed: parseWholeDong(raw.fixed, `${param}.fixed`),
        min: parseWholeDong(raw.min, `${param}.min`),
        max: parseWholeDong(raw.max, `${param}.max`),
      };
      rules[method as PaymentMethod] = validateFeeRule(rule, param);
    }
    table[gateway as GatewayId] = rules;
  }
  return table;
}

/** The fee for one payment by the configured table; a missing rule is a configuration error. */
export function feeFor(table: FeeTable, gateway: GatewayId, method: PaymentMethod, amount: bigint): bigint {
  const rule = table[gateway]?.[method];
  if (!rule) {
    throw new FeeError(
      'fee_rule_missing',
      `no fee rule for ${gateway} ${method}`,
      `fees.${gateway}.${method}`,
    );
  }
  return computeFee(amount, rule);
}
