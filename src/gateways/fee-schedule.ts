// Which fee each gateway charges on a payment: the one schedule the payment postings book, the local
// simulators write into their settlement files, and reconciliation compares the files with.
import type { GatewayId, PaymentMethod } from '../../adapters/contract';
import type { FeeRule, FeeTable } from '../../adapters/fees';
import { MOMO_SIM_DEFAULT_FEE } from '../../adapters/momo/momo.simulator';
import { VNPAY_SIM_DEFAULT_FEE } from '../../adapters/vnpay/vnpay.simulator';
import { ZALOPAY_SIM_DEFAULT_FEE } from '../../adapters/zalopay/zalopay.simulator';
import type { HubConfig } from '../config/config.schema';

/** How the payer pays with each intent method: the gateway's own page, the wallets, a bank transfer. */
export const PAYMENT_METHODS: Readonly<Record<GatewayId, PaymentMethod>> = {
  vnpay: 'gateway_choice',
  momo: 'wallet',
  zalopay: 'wallet',
  vietqr: 'bank_transfer',
};

/** What each simulator charges when GATEWAY_FEES says nothing; the bank charges nothing for a transfer. */
const SIMULATOR_FEES: Readonly<Record<GatewayId, FeeRule | null>> = {
  vnpay: VNPAY_SIM_DEFAULT_FEE,
  momo: MOMO_SIM_DEFAULT_FEE,
  zalopay: ZALOPAY_SIM_DEFAULT_FEE,
  vietqr: null,
};

/**
 * The fee rule of each gateway for the hub's payment method there: GATEWAY_FEES when it names the
 * gateway, else the simulator's rate when the hub runs the simulator, else none (no fee is booked).
 */
export function feeSchedule(config: Pick<HubConfig, 'gateway_fees' | 'gateways'>): FeeTable {
  const table: Partial<Record<GatewayId, Partial<Record<PaymentMethod, FeeRule>>>> = {};
  for (const gateway of Object.keys(PAYMENT_METHODS) as GatewayId[]) {
    const method = PAYMENT_METHODS[gateway];
    const configured = config.gateway_fees?.[gateway];
    const rule = configured
      ? configured[method]
      : config.gateways[gateway] === null
        ? SIMULATOR_FEES[gateway]
        : undefined;
    if (rule) table[gateway] = { [method]: rule };
  }
  return table;
}

/** The rule for a payment through `gateway`, if it charges one. */
export function feeRuleOf(table: FeeTable, gateway: GatewayId): FeeRule | undefined {
  return table[gateway]?.[PAYMENT_METHODS[gateway]];
}

/** Configured gateways without a fee rule: the hub books no fee for them, which is rarely meant. */
export function gatewaysWithoutFee(config: Pick<HubConfig, 'gateway_fees' | 'gateways'>): GatewayId[] {
  const table = feeSchedule(config);
  return (Object.keys(PAYMENT_METHODS) as GatewayId[]).filter(
    (gateway) => config.gateways[gateway] !== null && !feeRuleOf(table, gateway),
  );
}
