// One adapter client per gateway, built from the configuration at start-up; a gateway left unconfigured
// gets its simulator started in-process on loopback, so `npm start` can click through every flow locally.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AdapterError, type GatewayAdapter, type GatewayId } from '../../adapters/contract';
import { MomoClient } from '../../adapters/momo/momo.client';
import { VietQrClient } from '../../adapters/vietqr/vietqr.client';
import { VnpayClient } from '../../adapters/vnpay/vnpay.client';
import { ZalopayClient } from '../../adapters/zalopay/zalopay.client';
import { HUB_CONFIG } from '../config/config.module';
import { ConfigError, type HubConfig } from '../config/config.schema';
import type { FeeTable } from '../../adapters/fees';
import { feeSchedule, gatewaysWithoutFee } from './fee-schedule';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import {
  CALLBACK_PATHS,
  loadSimulatorKeys,
  type SimulatedGateway,
  type SomeSimulators,
  startSimulators,
} from './local-simulators';

export const GATEWAY_IDS: readonly GatewayId[] = ['vnpay', 'momo', 'zalopay', 'vietqr'];

/** The account name a simulated VietQR shows: nobody should mistake the local bank for a real one. */
const SIMULATED_ACCOUNT_NAME = 'PAYHUB SIMULATOR';

/**
 * An adapter's configuration field as the environment variable that fed it, so a value the adapter
 * refuses at start-up is reported like any other configuration error (ConfigError names the variable).
 */
const VARIABLES: Record<GatewayId, Record<string, string>> = {
  vnpay: { tmn_code: 'VNPAY_TMN_CODE', hash_secret: 'VNPAY_HASH_SECRET', pay_url: 'VNPAY_PAY_URL' },
  momo: {
    partner_code: 'MOMO_PARTNER_CODE',
    access_key: 'MOMO_ACCESS_KEY',
    secret_key: 'MOMO_SECRET_KEY',
    api_base_url: 'MOMO_ENDPOINT',
  },
  zalopay: {
    app_id: 'ZALOPAY_APP_ID',
    key1: 'ZALOPAY_KEY1',
    key2: 'ZALOPAY_KEY2',
    api_url: 'ZALOPAY_ENDPOINT',
  },
  vietqr: {
    bin: 'VIETQR_BIN',
    account: 'VIETQR_ACCOUNT_NO',
    merchant_name: 'VIETQR_ACCOUNT_NAME',
    notify_secret: 'BANK_NOTIFY_SECRET',
  },
};

@Injectable()
export class GatewaysService implements OnModuleInit, OnModuleDestroy {
  readonly #adapters = new Map<GatewayId, GatewayAdapter>();
  #simulators: SomeSimulators | null = null;
  /** Each gateway's fee rule (src/gateways/fee-schedule.ts); the simulators charge the same. */
  readonly fees: FeeTable;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {
    this.fees = feeSchedule(config);
  }

  async onModuleInit(): Promise<void> {
    const { gateways, public_url } = this.config;
    const simulated = GATEWAY_IDS.filter((gateway) => gateways[gateway] === null) as SimulatedGateway[];
    const keys = simulated.length > 0 ? loadSimulatorKeys(this.config.data_dir).keys : null;
    if (keys)
      this.#simulators = await startSimulators({ keys, hub_url: public_url, fees: this.fees }, simulated);
    const sims = this.#simulators;
    const momo_ipn = `${public_url}${CALLBACK_PATHS.momo}`;
    const zalopay_callback = `${public_url}${CALLBACK_PATHS.zalopay}`;
    try {
      this.#build('vnpay', () =>
        gateways.vnpay ? new VnpayClient(gateways.vnpay) : new VnpayClient(sims!.vnpay!.clientConfig()),
      );
      this.#build('momo', () =>
        gateways.momo
          ? new MomoClient({ ...gateways.momo, api_base_url: gateways.momo.endpoint, ipn_url: momo_ipn })
          : new MomoClient(sims!.momo!.clientConfig(momo_ipn)),
      );
      this.#build('zalopay', () =>
        gateways.zalopay
          ? new ZalopayClient({
              ...gateways.zalopay,
              api_url: gateways.zalopay.endpoint,
              callback_url: zalopay_callback,
            })
          : new ZalopayClient({ ...sims!.zalopay!.clientConfig(), callback_url: zalopay_callback }),
      );
      this.#build('vietqr', () =>
        gateways.vietqr
          ? new VietQrClient({
              bin: gateways.vietqr.bin,
              account: gateways.vietqr.account_no,
              merchant_name: gateways.vietqr.account_name,
              notify_secret: gateways.vietqr.notify_secret,
            })
          : new VietQrClient({ ...sims!.vietqr!.clientConfig(), merchant_name: SIMULATED_ACCOUNT_NAME }),
      );
    } catch (error) {
      await this.onModuleDestroy();
      throw error;
    }
    // Which gateways are real and which are loopback stand-ins; where they listen, never their keys.
    this.logger.info(
      {
        configured: GATEWAY_IDS.filter((gateway) => gateways[gateway] !== null),
        simulated: Object.fromEntries(simulated.map((gateway) => [gateway, sims?.[gateway]?.url])),
      },
      simulated.length > 0 ? 'gateway simulators started' : 'gateways configured',
    );
    const feeless = gatewaysWithoutFee(this.config);
    if (feeless.length > 0)
      this.logger.warn(
        { gateways: feeless },
        'no fee rule for these gateways (GATEWAY_FEES): no fee is booked',
      );
  }

  async onModuleDestroy(): Promise<void> {
    const sims = this.#simulators;
    this.#simulators = null;
    await sims?.close();
  }

  /** The adapter of a gateway; every gateway has one once the module is initialised. */
  adapter(gateway: GatewayId): GatewayAdapter {
    const adapter = this.#adapters.get(gateway);
    if (!adapter) throw new Error(`gateway ${gateway} is not initialised`);
    return adapter;
  }

  /** The simulators this hub runs, for tests and the local checkout; null when every gateway is real. */
  get simulators(): SomeSimulators | null {
    return this.#simulators;
  }

  #build(gateway: GatewayId, create: () => GatewayAdapter): void {
    try {
      this.#adapters.set(gateway, create());
    } catch (error) {
      // An adapter's message names its field, never the value, so it may be repeated as is.
      if (!(error instanceof AdapterError)) throw error;
      const variable = VARIABLES[gateway][error.param ?? ''] ?? `${gateway.toUpperCase()}_*`;
      throw new ConfigError([{ variable, message: error.message }]);
    }
  }
}
