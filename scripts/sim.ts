// `npm run sim`: the four gateway simulators on loopback, standalone, for clicking through payments by
// hand or pointing a hub at them. Keys live in HUB_DATA_DIR/simulator-keys.json (never printed).
import { resolve } from 'node:path';
import { loadSimulatorKeys, startLocalSimulators } from '../src/gateways/local-simulators';

async function main(): Promise<void> {
  const dataDir = resolve(process.env.HUB_DATA_DIR ?? '.data');
  const hubUrl = process.env.HUB_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  const portBase = Number(process.env.SIM_PORT_BASE ?? 3101);
  if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65_532) {
    console.error('SIM_PORT_BASE must be a port number (0: free ports)');
    process.exit(1);
  }
  const { keys, path, created } = loadSimulatorKeys(dataDir);
  const sims = await startLocalSimulators({ keys, hub_url: hubUrl, port_base: portBase });
  console.log(`gateway simulators (keys ${created ? 'generated into' : 'read from'} ${path}):`);
  console.log(`  VNPay    ${sims.vnpay.url}  (IPN to ${hubUrl}/v1/gateways/vnpay/ipn)`);
  console.log(`  MoMo     ${sims.momo.url}  (IPN to the ipnUrl of each order)`);
  console.log(`  ZaloPay  ${sims.zalopay.url}  (callback to ${hubUrl}/v1/gateways/zalopay/callback)`);
  console.log(
    `  VietQR   ${sims.vietqr.url}  (bank; notifications to ${hubUrl}/v1/gateways/bank-transfer/notify)`,
  );
  const stop = () => {
    void sims.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
