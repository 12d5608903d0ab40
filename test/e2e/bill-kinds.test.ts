// Every bill kind paid through every card/wallet gateway, end to end over real HTTP: a fee, a parking
// stay and a hospital deposit, each through VNPay, MoMo and ZaloPay. The payer presses approve on the
// gateway's simulator, which calls the hub back at its fixed route; each payment ends succeeded with a
// receipt, its bill paid, the payment posted clearing:<gateway> -> payable:<biller>, one
// payment_intent.succeeded and one receipt.issued event, and the ledger verifying clean.
import { after, before, describe, it } from 'node:test';
import type { GatewayId } from '../../adapters/contract';
import { type BillKind, PaymentsHarness } from './support/gateway-payments';

const KINDS: readonly BillKind[] = ['fee', 'parking', 'hospital'];
const GATEWAYS = ['vnpay', 'momo', 'zalopay'] as const satisfies readonly GatewayId[];

describe('bill kinds through the gateways', () => {
  let t: PaymentsHarness;
  let amount = 100_000;

  const approve = (gateway: (typeof GATEWAYS)[number], reference: string): void => {
    const sims = t.sims;
    if (gateway === 'vnpay') sims.vnpay!.approve(reference);
    else if (gateway === 'momo') sims.momo!.approve(reference);
    else sims.zalopay!.approve(reference);
  };

  before(async () => {
    t = await PaymentsHarness.start();
  });
  after(() => t?.close());

  for (const kind of KINDS) {
    for (const gateway of GATEWAYS) {
      it(`pays a ${kind} bill through ${gateway}`, async () => {
        // A different amount each time, so no payment can pass by matching another's.
        amount += 7_000;
        const bill_id = await t.bill(kind, amount);
        const created = await t.intent(kind, bill_id, gateway);
        approve(gateway, created.reference);
        await t.until(
          async () => (await t.read(kind, created.id)).status === 'succeeded',
          `the ${gateway} callback`,
        );
        await t.assertPaid(kind, created, gateway, amount);
      });
    }
  }
});
