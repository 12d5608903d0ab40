// A citizen pays a fee by clicking, in Chromium: the signed checkout link, VNPay chosen, the VNPay
// simulator's pay page approved, back on the hub's result page (paid once the IPN lands), then the
// receipt page, where the server and the browser (WebCrypto Ed25519 against the JWKS) both say valid.
// A receipt JWS with an altered amount is shown as not valid by both; a declined payment says so and
// offers to try again. Every page of ours passes axe-core's WCAG A/AA rules and is photographed at 390
// and 1280 px into test-artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from '../e2e/support/api';
import { bootCallbackHub } from '../e2e/support/gateway-payments';
import { assertAccessible, axeRuleIds, launchBrowser, phonePage, screenshots } from './support/browser';

interface Bill {
  id: string;
  checkout_url: string;
}

describe('checkout in a browser: VNPay', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let browser: Browser;
  let agency: CreatedBiller;
  let bills = 0;
  let receiptJws = '';

  const bill = async (amount: number): Promise<Bill> => {
    const created = await call<Bill>(hub, 'POST', '/v1/bills', {
      token: agency.api_key,
      body: {
        kind: 'fee',
        reference: `HT-2026-${++bills}`,
        payer: { name: 'Nguyễn Văn An', id_number: '079123456789' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [
          {
            name: 'Lệ phí đăng ký khai sinh',
            amount: amount - 20_000,
            legal_basis: 'Thông tư 85/2019/TT-BTC',
          },
          { name: 'Phí cấp bản sao trích lục', amount: 20_000, legal_basis: 'Thông tư 281/2016/TT-BTC' },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    return created.body;
  };

  /** From the checkout page: choose VNPay, pay, and land on the VNPay simulator's pay page. */
  const toVnpay = async (page: Page, checkout_url: string): Promise<void> => {
    await page.goto(checkout_url);
    await page.getByLabel('VNPay (thẻ ATM, thẻ quốc tế, QR ngân hàng)').check();
    await Promise.all([
      page.waitForURL((url) => url.origin !== hub.url),
      page.getByRole('button', { name: /^Thanh toán/ }).click(),
    ]);
    await page.waitForSelector('[data-action=approve]');
  };

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'UBND Phường Bến Nghé', kind: 'agency', tax_id: '0301234567' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await db?.drop();
  });

  it('runs axe-core with the label and color-contrast rules', async () => {
    const page = await phonePage(browser);
    await page.goto(`${hub.url}/receipts/verify`);
    const rules = await axeRuleIds(page);
    for (const rule of ['label', 'color-contrast', 'html-has-lang', 'button-name', 'image-alt'])
      assert.ok(rules.includes(rule), rule);
    await page.context().close();
  });

  it('pays a fee through the VNPay simulator by clicking and ends on a receipt that both checks call valid', async () => {
    const { id, checkout_url } = await bill(170_000);
    assert.match(checkout_url, new RegExp(`^${hub.url}/pay/${id}\\?sig=[A-Za-z0-9_-]{22}$`));
    const page = await phonePage(browser);

    await page.goto(checkout_url);
    assert.equal(await page.getAttribute('main', 'data-status'), 'open');
    assert.equal(await page.textContent('[data-field=agency]'), 'UBND Phường Bến Nghé');
    assert.equal(await page.textContent('[data-field=amount]'), '170.000 ₫');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    await assertAccessible(page, 'checkout');
    await screenshots(page, 'checkout');

    // The English switch keeps the link's signature and is remembered.
    await page.getByRole('link', { name: 'English' }).click();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('h1'), 'Payment');
    await assertAccessible(page, 'checkout (en)');
    await screenshots(page, 'checkout-en');
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    assert.equal(await page.textContent('h1'), 'Thanh toán');

    // Keyboard only: the method and the button are reachable and work without a mouse.
    await page.getByLabel('VNPay (thẻ ATM, thẻ quốc tế, QR ngân hàng)').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.getByLabel('VNPay (thẻ ATM, thẻ quốc tế, QR ngân hàng)').isChecked(), true);
    await page.keyboard.press('Tab');
    assert.match(
      String(await page.evaluate('document.activeElement && document.activeElement.textContent')),
      /^Thanh toán/,
    );
    await Promise.all([page.waitForURL((url) => url.origin !== hub.url), page.keyboard.press('Enter')]);

    await page.waitForSelector('[data-action=approve]');
    assert.equal(await page.textContent('[data-field=amount]'), '170.000 VND');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${hub.url}/pay/${id}/return`)),
      page.click('[data-action=approve]'),
    ]);
    // Paid as soon as the IPN is in (the page follows it without a reload).
    await page.waitForSelector('main[data-status=paid]');
    await assertAccessible(page, 'result (paid)');
    await screenshots(page, 'checkout-paid');

    await Promise.all([
      page.waitForURL(/\/receipts\/rcp_/),
      page.getByRole('link', { name: 'Xem biên lai' }).click(),
    ]);
    await page.waitForSelector('#browser-check[data-state=valid]');
    assert.equal(await page.getAttribute('#server-check', 'data-state'), 'valid');
    assert.equal(await page.getAttribute('main', 'data-status'), 'issued');
    assert.equal(await page.textContent('[data-field=amount]'), '170.000 ₫');
    assert.equal(await page.textContent('[data-field=amount_in_words]'), 'Một trăm bảy mươi nghìn đồng');
    assert.equal(await page.textContent('[data-field=number]'), '1');
    assert.match(await page.innerText('#browser-check'), /Chữ ký hợp lệ/);
    assert.match(await page.innerText('#server-check'), /Hợp lệ/);
    // The QR code leads to the verification page.
    const qrLink = await page.getAttribute('figure.verify-qr a', 'href');
    assert.match(qrLink ?? '', /^\/receipts\/rcp_[0-9A-Z]{26}\/verify$/);
    await assertAccessible(page, 'receipt');
    await screenshots(page, 'receipt');
    receiptJws = (await page.inputValue('#jws')).trim();
    assert.equal(receiptJws.split('.').length, 3);

    // The page prints as a document: the site header, checks' buttons and JWS are not printed.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('header.site'), false);
    assert.equal(await page.isVisible('article.receipt'), true);
    await page.emulateMedia({ media: 'screen' });

    await page.goto(`${hub.url}${qrLink}`);
    await page.waitForSelector('#browser-check[data-state=valid]');
    assert.equal(await page.getAttribute('#server-check', 'data-state'), 'valid');
    assert.equal(await page.getAttribute('main', 'data-status'), 'valid');
    await assertAccessible(page, 'verification (valid)');
    await screenshots(page, 'receipt-verify-valid');

    // Back on the checkout link: already paid, with the way to the receipt.
    await page.goto(checkout_url);
    assert.equal(await page.getAttribute('main', 'data-status'), 'already_paid');
    assert.ok(await page.getByRole('link', { name: 'Xem biên lai' }).isVisible());
    await assertAccessible(page, 'checkout (already paid)');
    await screenshots(page, 'checkout-already-paid');
    await page.context().close();
  });

  it('shows a receipt whose JWS was altered as not valid, on the server and in the browser', async () => {
    assert.ok(receiptJws, 'the paid receipt of the previous test');
    const [header, payload, signature] = receiptJws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { amount: string };
    assert.equal(claims.amount, '170000');
    const altered = Buffer.from(JSON.stringify({ ...claims, amount: '17000' })).toString('base64url');
    const tampered = `${header}.${altered}.${signature}`;

    const page = await phonePage(browser);
    await page.goto(`${hub.url}/receipts/verify`);
    await assertAccessible(page, 'verification form');
    await page.getByLabel('Chuỗi chữ ký số của biên lai (JWS)').fill(tampered);
    await Promise.all([
      page.waitForURL(/\/receipts\/verify\?jws=/),
      page.getByRole('button', { name: 'Kiểm tra' }).click(),
    ]);
    await page.waitForSelector('#browser-check[data-state=invalid]');
    assert.equal(await page.getAttribute('#server-check', 'data-state'), 'invalid');
    assert.equal(await page.getAttribute('main', 'data-status'), 'invalid');
    assert.match(await page.innerText('#server-check'), /Không hợp lệ/);
    assert.match(await page.innerText('#browser-check'), /Chữ ký không hợp lệ/);
    // Nothing of the altered content is shown as signed.
    assert.equal(await page.locator('#signed-heading').count(), 0);
    await assertAccessible(page, 'verification (tampered)');
    await screenshots(page, 'receipt-verify-tampered');

    // The genuine one through the same form: valid.
    await page.getByLabel('Chuỗi chữ ký số của biên lai (JWS)').fill(receiptJws);
    await Promise.all([
      page.waitForURL(/\/receipts\/verify\?jws=/),
      page.getByRole('button', { name: 'Kiểm tra' }).click(),
    ]);
    await page.waitForSelector('#browser-check[data-state=valid]');
    assert.equal(await page.getAttribute('#server-check', 'data-state'), 'valid');
    await page.context().close();
  });

  it('shows an altered link, an unknown receipt and an expired form as accessible error pages', async () => {
    const { id, checkout_url } = await bill(40_000);
    const page = await phonePage(browser);
    const flipped = checkout_url.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
    assert.equal((await page.goto(flipped))?.status(), 403);
    assert.equal(await page.getAttribute('main', 'data-status'), 'invalid_link');
    assert.equal(await page.locator('form').count(), 0);
    await assertAccessible(page, 'invalid link');
    await screenshots(page, 'error-invalid-link');

    assert.equal((await page.goto(`${hub.url}/receipts/rcp_01JD3M0Q8XK6W1E9T3V4R5S6P7`))?.status(), 404);
    assert.equal(await page.getAttribute('main', 'data-status'), 'not_found');
    await assertAccessible(page, 'receipt not found');

    // The form of another session (the cookie was cleared meanwhile): refused, with the way back.
    await page.goto(checkout_url);
    await page.context().clearCookies();
    await page.getByLabel('Ví MoMo').check();
    await page.getByRole('button', { name: /^Thanh toán/ }).click();
    assert.equal(await page.getAttribute('main', 'data-status'), 'form_expired');
    assert.equal((await db.pool.query('SELECT 1 FROM payment_intents WHERE bill_id = $1', [id])).rowCount, 0);
    await assertAccessible(page, 'form expired');
    await screenshots(page, 'error-form-expired');
    await page.getByRole('link', { name: 'Quay lại trang thanh toán' }).click();
    assert.equal(await page.getAttribute('main', 'data-status'), 'open');
    await page.context().close();
  });

  it('says a declined payment did not go through and offers to try again', async () => {
    const { checkout_url } = await bill(90_000);
    const page = await phonePage(browser);
    await toVnpay(page, checkout_url);
    await Promise.all([page.waitForURL(/\/return\?/), page.click('[data-action=decline]')]);
    await page.waitForSelector('main[data-status=failed]');
    await assertAccessible(page, 'result (failed)');
    await screenshots(page, 'checkout-failed');
    await page.getByRole('link', { name: 'Thử lại' }).click();
    assert.equal(await page.getAttribute('main', 'data-status'), 'open');
    assert.equal(await page.locator('[data-notice=last_attempt_failed]').count(), 1);
    await page.context().close();
  });
});
