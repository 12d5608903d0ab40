// A citizen pays by VietQR bank transfer, in Chromium: the signed checkout link, "bank transfer"
// chosen, the page shows the QR image with the amount and the transfer message; the hub's bank
// simulator pays that code (as a banking app would) and the same page turns to paid without a reload,
// with the way to a receipt both checks call valid. An expired bill's link says so and what to do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from '../e2e/support/api';
import { bootCallbackHub } from '../e2e/support/gateway-payments';
import { assertAccessible, launchBrowser, phonePage, screenshots } from './support/browser';

describe('checkout in a browser: VietQR', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let browser: Browser;
  let agency: CreatedBiller;
  let bills = 0;

  const bank = (): VietQrBankSimulator => hub.app.get(GatewaysService).simulators!.vietqr!;
  const bill = async (amount: number, extra: Record<string, unknown> = {}) => {
    const created = await call<{ id: string; checkout_url: string }>(hub, 'POST', '/v1/bills', {
      token: agency.api_key,
      body: {
        kind: 'fee',
        reference: `HP-2026-${++bills}`,
        payer: { name: 'Lê Văn Cường' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [{ name: 'Học phí học kỳ I', amount, legal_basis: 'Nghị định 81/2021/NĐ-CP' }],
        ...extra,
      },
    });
    assert.equal(created.status, 201, created.text);
    return created.body;
  };

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Trường THPT Lê Quý Đôn', kind: 'agency' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await db?.drop();
  });

  it('shows the VietQR code and turns paid without a reload when the bank pays it', async () => {
    const { id, checkout_url } = await bill(2_350_000);
    const page = await phonePage(browser);
    await page.goto(checkout_url);
    await page.getByLabel('Chuyển khoản ngân hàng bằng mã VietQR').check();
    await Promise.all([
      page.waitForURL(new RegExp(`/pay/${id}/vietqr/pi_[0-9A-Z]{26}\\?sig=`)),
      page.getByRole('button', { name: /^Thanh toán/ }).click(),
    ]);
    assert.equal(await page.getAttribute('main', 'data-status'), 'pending');
    assert.equal(await page.textContent('[data-field=amount]'), '2.350.000 ₫');
    const reference = (await page.textContent('[data-field=transfer_content]')) ?? '';
    assert.match(reference, /^PZ[0-9A-Z]{12}$/);
    // The PNG loaded (same origin, no credential) and says what it is.
    const image = page.locator('.qr img');
    assert.ok(
      await image.evaluate((element) => {
        const img = element as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 100;
      }),
    );
    assert.match((await image.getAttribute('alt')) ?? '', new RegExp(`2\\.350\\.000 ₫.*${reference}`));
    await assertAccessible(page, 'vietqr');
    await screenshots(page, 'checkout-vietqr');

    // A mark on this document: still there after the page turned paid means no reload happened.
    await page.evaluate('window.mark = 42');
    const intent_id = page.url().match(/vietqr\/(pi_[0-9A-Z]{26})/)![1]!;
    const payload = (
      await db.pool.query<{ payload: string }>(
        `SELECT next_action->>'payload' AS payload FROM payment_intents WHERE id = $1`,
        [intent_id],
      )
    ).rows[0]!.payload;
    const sent = bank().payQr(payload);
    assert.equal(sent.description, reference);

    await page.waitForSelector('main[data-status=paid]');
    assert.equal(await page.evaluate('window.mark'), 42);
    assert.match(await page.innerText('[role=status]'), /Thanh toán thành công/);
    await assertAccessible(page, 'vietqr (paid)');
    await screenshots(page, 'checkout-vietqr-paid');

    await Promise.all([
      page.waitForURL(/\/receipts\/rcp_/),
      page.getByRole('link', { name: 'Xem biên lai' }).click(),
    ]);
    await page.waitForSelector('#browser-check[data-state=valid]');
    assert.equal(await page.getAttribute('#server-check', 'data-state'), 'valid');
    assert.equal(await page.textContent('[data-field=amount]'), '2.350.000 ₫');
    await page.context().close();
  });

  it('tells the payer an expired bill can no longer be paid and what to do', async () => {
    const { id, checkout_url } = await bill(50_000, {
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    await db.pool.query(
      `UPDATE bills SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 minute'
        WHERE id = $1`,
      [id],
    );
    const page = await phonePage(browser);
    const response = await page.goto(checkout_url);
    assert.equal(response?.status(), 410);
    assert.equal(await page.getAttribute('main', 'data-status'), 'expired');
    assert.match(await page.innerText('main'), /liên hệ cơ quan thu/);
    assert.equal(await page.locator('form').count(), 0);
    await assertAccessible(page, 'checkout (expired)');
    await screenshots(page, 'checkout-expired');
    await page.context().close();
  });
});
