// An agency's dashboard in Chromium: payments made through the VietQR bank simulator and a bill closed
// at the counter, then sign-in with the agency's key; the day's and the period's totals, the charts
// (inline SVG), the exceptions, and a CSV download through the session. axe-core at 390 and 1280 px,
// screenshots at both widths, and the English switch once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from '../e2e/support/api';
import { bootCallbackHub, createBill, createIntent, feeBody, until } from '../e2e/support/gateway-payments';
import { assertAccessible, launchBrowser, phonePage, screenshots } from './support/browser';

describe('agency dashboard in a browser', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let browser: Browser;
  let agency: CreatedBiller;

  const bank = (): VietQrBankSimulator => hub.app.get(GatewaysService).simulators!.vietqr!;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'UBND Phường Bến Nghé', kind: 'agency' });
    browser = await launchBrowser();
    let n = 0;
    for (const [amount, line] of [
      [50_000, 'Lệ phí chứng thực'],
      [8_000, 'Lệ phí bản sao trích lục'],
      [50_000, 'Lệ phí chứng thực'],
    ] as const) {
      const bill_id = await createBill(hub, agency, feeBody(`BN-${++n}`, amount, { line }));
      const intent = await createIntent(hub, agency, bill_id, 'vietqr');
      bank().payQr(intent.next_action!.payload!);
      await until(
        async () =>
          (
            await db.pool.query(`SELECT 1 FROM payment_intents WHERE id = $1 AND status = 'succeeded'`, [
              intent.id,
            ])
          ).rowCount === 1,
        'paid',
      );
    }
    const cash = await createBill(hub, agency, feeBody(`BN-${++n}`, 20_000));
    assert.equal(
      (await call(hub, 'POST', `/v1/bills/${cash}/cancel`, { token: agency.api_key })).status,
      200,
    );
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await db?.drop();
  });

  it('signs in and shows the day’s and the period’s totals, charts and downloads', async () => {
    const page = await phonePage(browser);
    await page.goto(`${hub.url}/agency`);
    assert.equal(await page.getAttribute('main', 'data-status'), 'sign_in');
    await page.getByLabel('Khóa API của đơn vị').fill('sk_not_the_key');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForSelector('[data-notice=sign_in_refused]');
    await assertAccessible(page, 'agency sign-in (refused)');
    await screenshots(page, 'agency-sign-in-refused');
    await page.getByLabel('Khóa API của đơn vị').fill(agency.api_key);
    await Promise.all([
      page.waitForURL(/\/agency$/),
      page.getByRole('button', { name: 'Đăng nhập' }).click(),
    ]);
    assert.equal(await page.getAttribute('main', 'data-status'), 'ready');

    assert.equal(await page.textContent('[data-total=today_payments]'), '108.000 ₫');
    assert.equal(await page.textContent('[data-total=payments]'), '108.000 ₫');
    assert.equal(await page.getAttribute('[data-receipts=period]', 'data-count'), '3');
    assert.equal(await page.textContent('[data-total=cashless_percent]'), '75.00 %');
    assert.equal(await page.locator('[data-chart=volume] svg rect').count(), 1);
    assert.equal(await page.locator('[data-chart=cashless] svg rect').count(), 1);
    assert.equal(await page.locator('[data-exceptions="0"]').count(), 1);
    await assertAccessible(page, 'agency dashboard');
    await screenshots(page, 'agency-dashboard');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Bảng kê CSV' }).click(),
    ]);
    assert.match(
      download.suggestedFilename(),
      /^statement-blr_[0-9A-Z]{26}-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.equal(csv.split('\n').filter((row) => row.includes(',payment,')).length, 3);

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForSelector('html[lang=en]');
    assert.match(await page.innerText('h1'), /Collections dashboard/);
    await assertAccessible(page, 'agency dashboard (English)');
    await screenshots(page, 'agency-dashboard-en');
    await page.context().close();
  });
});
