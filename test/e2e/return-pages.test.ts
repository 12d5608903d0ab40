// The pages a payer's browser comes back to over real HTTP: the VNPay, MoMo and ZaloPay simulators' own
// return URLs (their signed parameters on the hub's default return URL), tampered copies of them, and
// the hub's checkout return by intent id. The page shows the stored status; opening it changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MomoSimulator } from '../../adapters/momo/momo.simulator';
import type { VnpaySimulator } from '../../adapters/vnpay/vnpay.simulator';
import type { ZalopaySimulator } from '../../adapters/zalopay/zalopay.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import {
  bootCallbackHub,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  until,
} from './support/gateway-payments';

interface Page {
  status: number;
  type: string | null;
  html: string;
  /** The `data-status` of the page's main element. */
  state: string | undefined;
}

describe('return pages', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;

  const sim = (): VnpaySimulator => hub.app.get(GatewaysService).simulators!.vnpay!;
  const momo = (): MomoSimulator => hub.app.get(GatewaysService).simulators!.momo!;
  const zalopay = (): ZalopaySimulator => hub.app.get(GatewaysService).simulators!.zalopay!;
  const intent = async (
    method: 'vnpay' | 'momo' | 'zalopay' | 'vietqr',
    amount = 230_000,
    payer = 'Võ Minh Khôi',
  ): Promise<Intent> => {
    const bill_id = await createBill(
      hub,
      agency,
      feeBody(`GP-2026-${++bills}`, amount, { payer: { name: payer }, line: 'Lệ phí cấp giấy phép' }),
    );
    // Opening the pay page is what makes the VNPay simulator know the order.
    return createIntent(hub, agency, bill_id, method, { open_page: method === 'vnpay' });
  };
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const open = async (url: string): Promise<Page> => {
    const response = await fetch(url.startsWith('http') ? url : `${hub.url}${url}`);
    const html = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      html,
      state: /<main data-status="([a-z_]+)">/.exec(html)?.[1],
    };
  };
  /** Everything a page could have changed: the intent, its bill, the ledger, reviews, receipts, events. */
  const snapshot = async (intent_id: string) => {
    const one = async (sql: string, values: unknown[] = []) =>
      JSON.stringify((await db.pool.query(sql, values)).rows, (_key, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
    return {
      intent: await one('SELECT * FROM payment_intents WHERE id = $1', [intent_id]),
      bill: await one('SELECT b.* FROM bills b JOIN payment_intents i ON i.bill_id = b.id WHERE i.id = $1', [
        intent_id,
      ]),
      transfers: await one('SELECT id, amount::text FROM ledger_transfers ORDER BY id'),
      accounts: await one(
        'SELECT id, debits_posted::text, credits_posted::text FROM ledger_accounts ORDER BY id',
      ),
      reviews: await one('SELECT id FROM payment_reviews ORDER BY id'),
      receipts: await one('SELECT id FROM receipts ORDER BY id'),
      events: await one('SELECT id FROM events ORDER BY id'),
    };
  };
  /** The same signed query on the VNPay route. */
  const onVnpayRoute = (url: string) => `/v1/gateways/vnpay/return${new URL(url).search}`;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Sở Xây dựng', kind: 'agency' });
  });
  after(async () => {
    sim().callbacks.faults = {};
    momo().callbacks.faults = {};
    zalopay().callbacks.faults = {};
    await hub?.close();
    await db?.drop();
  });

  it('says processing after a verified VNPay success without its IPN, paid once it arrives, and changes nothing', async () => {
    // Text from the bill is shown as text, never as markup.
    const created = await intent('vnpay', 230_000, 'Võ Minh Khôi <script>alert(1)</script>');
    assert.equal(created.return_url, `${hub.url}/v1/checkout/return`);
    // Hold the IPN: the payer's browser is back before VNPay's server-to-server call.
    sim().callbacks.faults = { reorder: true };
    const back = sim().approve(created.reference);
    assert.ok(back.startsWith(`${hub.url}/v1/checkout/return?`), back);
    assert.match(back, /vnp_SecureHash=/);

    const before_ = await snapshot(created.id);
    for (const url of [back, onVnpayRoute(back)]) {
      const page = await open(url);
      assert.equal(page.status, 200, page.html);
      assert.equal(page.type, 'text/html; charset=utf-8');
      assert.equal(page.state, 'processing');
      assert.match(page.html, /<html lang="vi">/);
      assert.match(page.html, /Đang xử lý/);
      assert.match(page.html, /<span lang="en">· Processing<\/span>/);
      assert.doesNotMatch(page.html, /\/v1\/checkout\/receipt\//);
    }
    assert.deepEqual(await snapshot(created.id), before_);
    assert.equal((await read(created.id)).status, 'requires_action');

    sim().callbacks.faults = {};
    sim().callbacks.release();
    await until(async () => (await read(created.id)).status === 'succeeded', 'the IPN');
    const paid = await snapshot(created.id);
    for (const url of [back, onVnpayRoute(back)]) {
      const page = await open(url);
      assert.equal(page.state, 'paid', page.html);
      assert.match(page.html, /Đã thanh toán/);
      assert.match(page.html, /230\.000 ₫/);
      const link = /href="(\/v1\/checkout\/receipt\/[^"]+)"/.exec(page.html)?.[1];
      assert.equal(link, `/v1/checkout/receipt/${created.id}`);
      const receipt = await open(link!);
      assert.equal(receipt.status, 200, receipt.html);
      assert.equal(receipt.state, 'issued');
      assert.match(receipt.html, /Lệ phí cấp giấy phép/);
      assert.match(receipt.html, /Võ Minh Khôi &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(receipt.html, /<script/i);
      assert.match(page.html, /Xem biên lai số 01BLP0-001 PH \d{7}/);
    }
    assert.deepEqual(await snapshot(created.id), paid);
  });

  it('answers 400 with an invalid-link page for tampered or unsigned parameters, changing nothing', async () => {
    const created = await intent('vnpay', 180_000);
    sim().callbacks.faults = { reorder: true };
    const back = sim().approve(created.reference);
    const before_ = await snapshot(created.id);
    const tampered = [
      back.replace(/vnp_Amount=\d+/, 'vnp_Amount=100000'),
      back.replace(/vnp_ResponseCode=\d+/, 'vnp_ResponseCode=24'),
      back.replace(/vnp_TxnRef=[^&]+/, 'vnp_TxnRef=PZ0000000000ZZ'),
      back.replace(/&?vnp_SecureHash=[0-9a-fA-F]+/, ''),
      `${back}&vnp_Amount=100`,
    ];
    for (const url of tampered) {
      assert.notEqual(url, back);
      for (const target of [url, onVnpayRoute(url)]) {
        const page = await open(target);
        assert.equal(page.status, 400, target);
        assert.equal(page.state, 'invalid');
        assert.match(page.html, /Liên kết không hợp lệ/);
        assert.doesNotMatch(page.html, /Đã thanh toán|Đang xử lý/);
      }
    }
    assert.deepEqual(await snapshot(created.id), before_);
    sim().callbacks.faults = {};
    sim().callbacks.release();
    await until(async () => (await read(created.id)).status === 'succeeded', 'the IPN');
  });

  it('says not paid for a declined payment until its IPN, then failed', async () => {
    const created = await intent('vnpay', 95_000);
    sim().callbacks.faults = { reorder: true };
    const back = sim().decline(created.reference);
    // The stored status is the truth: the gateway's word on the link alone does not fail the intent.
    assert.equal((await open(back)).state, 'pending');
    sim().callbacks.faults = {};
    sim().callbacks.release();
    await until(async () => (await read(created.id)).status === 'failed', 'the failed IPN');
    const page = await open(back);
    assert.equal(page.state, 'failed');
    assert.match(page.html, /Thanh toán không thành công/);
    assert.doesNotMatch(page.html, /checkout\/receipt/);
  });

  it('follows a MoMo approval back to the checkout return: processing before its IPN, paid after', async () => {
    const created = await intent('momo', 145_000);
    assert.equal(created.return_url, `${hub.url}/v1/checkout/return`);
    momo().callbacks.faults = { reorder: true };
    const back = momo().approve(created.reference);
    assert.ok(back.startsWith(`${hub.url}/v1/checkout/return?`), back);
    assert.match(back, /[?&]signature=/);
    assert.equal(new URL(back).searchParams.get('orderId'), created.reference);
    const before_ = await snapshot(created.id);
    const early = await open(back);
    assert.equal(early.status, 200, early.html);
    assert.equal(early.state, 'processing');
    assert.match(early.html, new RegExp(created.reference));
    assert.deepEqual(await snapshot(created.id), before_);

    momo().callbacks.faults = {};
    momo().callbacks.release();
    await until(async () => (await read(created.id)).status === 'succeeded', 'the MoMo IPN');
    const paid = await open(back);
    assert.equal(paid.state, 'paid', paid.html);
    assert.match(paid.html, /145\.000 ₫/);
    assert.match(paid.html, new RegExp(`href="/v1/checkout/receipt/${created.id}"`));
  });

  it('answers 400 to tampered or unsigned MoMo return parameters, changing nothing', async () => {
    const created = await intent('momo', 155_000);
    momo().callbacks.faults = { reorder: true };
    const back = momo().approve(created.reference);
    const before_ = await snapshot(created.id);
    const tampered = [
      back.replace(/amount=\d+/, 'amount=1000'),
      back.replace(/resultCode=\d+/, 'resultCode=1006'),
      back.replace(/orderId=[^&]+/, 'orderId=PZ0000000000ZZ'),
      back.replace(/&?signature=[0-9a-fA-F]+/, '&partnerCode=x'),
      back.replace(/signature=[0-9a-fA-F]+/, `signature=${'0'.repeat(64)}`),
    ];
    for (const url of tampered) {
      assert.notEqual(url, back);
      const page = await open(url);
      assert.equal(page.status, 400, url);
      assert.equal(page.state, 'invalid');
      assert.match(page.html, /Liên kết không hợp lệ/);
    }
    assert.deepEqual(await snapshot(created.id), before_);
    momo().callbacks.faults = {};
    momo().callbacks.release();
    await until(async () => (await read(created.id)).status === 'succeeded', 'the MoMo IPN');
  });

  it('follows a ZaloPay approval back (its checksum verified) and refuses a tampered copy', async () => {
    const created = await intent('zalopay', 165_000);
    zalopay().callbacks.faults = { reorder: true };
    // The pay page's approve button, as the payer's browser presses it: a redirect to return_url.
    const pressed = await fetch(`${created.next_action!.url!}/approve`, {
      method: 'POST',
      redirect: 'manual',
    });
    assert.equal(pressed.status, 302);
    const back = pressed.headers.get('location')!;
    assert.ok(back.startsWith(`${hub.url}/v1/checkout/return?`), back);
    assert.match(back, /[?&]checksum=/);
    const before_ = await snapshot(created.id);
    const early = await open(back);
    assert.deepEqual([early.status, early.state], [200, 'processing'], early.html);
    for (const url of [
      back.replace(/amount=\d+/, 'amount=1000'),
      back.replace(/status=1/, 'status=2'),
      back.replace(/checksum=[0-9a-fA-F]+/, `checksum=${'0'.repeat(64)}`),
    ]) {
      assert.notEqual(url, back);
      assert.deepEqual([(await open(url)).status, (await open(url)).state], [400, 'invalid'], url);
    }
    assert.deepEqual(await snapshot(created.id), before_);
    zalopay().callbacks.faults = {};
    zalopay().callbacks.release();
    await until(async () => (await read(created.id)).status === 'succeeded', 'the ZaloPay callback');
    assert.equal((await open(back)).state, 'paid');
  });

  it('shows an intent by id on the checkout return, and refuses links it cannot resolve', async () => {
    const created = await intent('vietqr', 60_000);
    const before_ = await snapshot(created.id);
    const page = await open(`/v1/checkout/return?payment_intent=${created.id}`);
    assert.deepEqual([page.status, page.state], [200, 'pending']);
    assert.match(page.html, new RegExp(created.reference));
    assert.match(page.html, /60\.000 ₫/);
    assert.deepEqual(await snapshot(created.id), before_);

    assert.deepEqual(
      [(await open('/v1/checkout/return')).status, (await open('/v1/checkout/return')).state],
      [400, 'invalid'],
    );
    assert.equal((await open('/v1/checkout/return?payment_intent=bill_123')).status, 400);
    const unknown = await open(`/v1/checkout/return?payment_intent=pi_${'0'.repeat(26)}`);
    assert.deepEqual([unknown.status, unknown.state], [404, 'not_found']);
    // No receipt page for an intent that is not paid.
    assert.equal((await open(`/v1/checkout/receipt/${created.id}`)).status, 404);
  });
});
