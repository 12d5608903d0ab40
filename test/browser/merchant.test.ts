// A merchant's counter in Chromium: signing in with the merchant's key, typing an amount and a note,
// the full-screen VietQR; the hub's bank simulator pays that code (as the buyer's banking app would)
// and the same page turns "Paid" without a reload; the day's list then shows the sale and its total.
// axe-core at 390 and 1280 px on every page, with screenshots; the English switch once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createBiller, type CreatedBiller } from '../e2e/support/api';
import { bootCallbackHub } from '../e2e/support/gateway-payments';
import { assertAccessible, launchBrowser, phonePage, screenshots } from './support/browser';

describe('merchant counter in a browser', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let browser: Browser;
  let merchant: CreatedBiller;

  const bank = (): VietQrBankSimulator => hub.app.get(GatewaysService).simulators!.vietqr!;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    merchant = await createBiller(hub, { name: 'Tiệm bánh mì Cô Ba', kind: 'merchant' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await db?.drop();
  });

  it('signs in, shows a sale’s VietQR full screen and turns paid without a reload', async () => {
    const page = await phonePage(browser);
    await page.goto(`${hub.url}/merchant`);
    assert.equal(await page.getAttribute('main', 'data-status'), 'sign_in');
    await assertAccessible(page, 'merchant sign-in');
    await screenshots(page, 'merchant-sign-in');
    await page.getByLabel('Khóa API của đơn vị').fill(merchant.api_key);
    await Promise.all([
      page.waitForURL(/\/merchant$/),
      page.getByRole('button', { name: 'Đăng nhập' }).click(),
    ]);
    assert.equal(await page.getAttribute('main', 'data-status'), 'ready');
    assert.equal(await page.textContent('[data-field=biller]'), 'Tiệm bánh mì Cô Ba');

    await page.getByLabel('Số tiền (đồng)').fill('25000');
    await page.getByLabel('Ghi chú (nội dung)').fill('Bánh mì thịt x2');
    await Promise.all([
      page.waitForURL(/\/merchant\/sales\/pi_[0-9A-Z]{26}$/),
      page.getByRole('button', { name: 'Tạo mã VietQR' }).click(),
    ]);
    assert.equal(await page.getAttribute('main', 'data-status'), 'pending');
    assert.equal(await page.textContent('[data-field=amount]'), '25.000 ₫');
    assert.equal(await page.textContent('[data-field=note]'), 'Bánh mì thịt x2');
    const image = page.locator('.counter-qr img');
    assert.ok(
      await image.evaluate((element) => {
        const img = element as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 100;
      }),
    );
    await assertAccessible(page, 'merchant sale');
    await screenshots(page, 'merchant-sale');

    await page.evaluate('window.mark = 7');
    const intent_id = page.url().match(/sales\/(pi_[0-9A-Z]{26})/)![1]!;
    const payload = (
      await db.pool.query<{ payload: string }>(
        `SELECT next_action->>'payload' AS payload FROM payment_intents WHERE id = $1`,
        [intent_id],
      )
    ).rows[0]!.payload;
    bank().payQr(payload);
    await page.waitForSelector('main[data-status=paid]');
    assert.equal(await page.evaluate('window.mark'), 7, 'the same document: no reload');
    assert.match(await page.innerText('[role=status]'), /Đã thanh toán/);
    assert.ok(await page.locator('[data-part=qr]').isHidden());
    // status.js showed the state; counter.js kept the counter's look and put the state in the title.
    assert.match((await page.getAttribute('[role=status]', 'class')) ?? '', /\bcounter-state\b/);
    assert.match(await page.title(), /^Đã thanh toán · /);
    // The beep was attempted (its state depends on the browser's autoplay policy).
    assert.ok(await page.getAttribute('[role=status]', 'data-sound'));
    await assertAccessible(page, 'merchant sale (paid)');
    await screenshots(page, 'merchant-sale-paid');

    await Promise.all([
      page.waitForURL(/\/merchant$/),
      page.getByRole('link', { name: 'Khoản thu tiếp theo' }).click(),
    ]);
    assert.equal(await page.getAttribute('[data-field=today_count]', 'data-count'), '1');
    assert.equal(await page.textContent('[data-field=today_total]'), '25.000 ₫');
    await assertAccessible(page, 'merchant counter');
    await screenshots(page, 'merchant-counter');

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForSelector('html[lang=en]');
    assert.match(await page.innerText('main'), /Paid today/);
    await assertAccessible(page, 'merchant counter (English)');
    await screenshots(page, 'merchant-counter-en');
    await page.context().close();
  });
});
