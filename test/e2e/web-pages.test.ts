// The pages' foundation over real HTTP, without a browser: the bills API hands out signed checkout
// links; an unsigned or altered link is a 403 page that shows nothing of the bill; the checkout form
// needs its session's CSRF token; the session cookie's flags (Secure and __Host- behind https); the
// language switch; no secret in a page; the pages' security headers and static files.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateVietQrReference } from '../../adapters/vietqr/vietqr.matcher';
import { newId } from '../../src/common/ids';
import type { RunningHub } from '../../src/main';
import { PaymentIntentsRepository } from '../../src/payment-intents/payment-intents.repository';
import { ReceiptsService } from '../../src/receipts/receipts.service';
import { periodOf } from '../../src/reports/statement';
import { AgencyRepository } from '../../src/web/agency.controller';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import { bootCallbackHub } from './support/gateway-payments';
import { bootHub } from './support/hub';

interface Bill {
  id: string;
  reference: string;
  checkout_url: string;
}

function cookiesFrom(response: Response): string[] {
  return response.headers.getSetCookie();
}

/** `name=value` pairs of Set-Cookie headers, for sending them back. */
function cookieHeader(setCookies: string[]): string {
  return setCookies.map((cookie) => cookie.split(';')[0]).join('; ');
}

function csrfOf(page: string): string {
  const found = /name="_csrf"\s+value="([^"]+)"/.exec(page);
  assert.ok(found, 'the form carries a CSRF token');
  return found[1]!;
}

describe('web pages: links, sessions, CSRF', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let secure: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;

  const bill = async (on: RunningHub = hub, key = agency.api_key): Promise<Bill> => {
    const created = await call<Bill>(on, 'POST', '/v1/bills', {
      token: key,
      body: {
        kind: 'fee',
        reference: `WEB-${++bills}`,
        payer: { name: 'Phạm Thị Dung' },
        procedure_code: '1.001234.000.00.00.H12',
        lines: [
          { name: 'Lệ phí chứng thực <bản sao>', amount: 12_000, legal_basis: 'Thông tư 226/2016/TT-BTC' },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    return created.body;
  };
  const post = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Phòng Tư pháp Quận 1', kind: 'agency' });
  });
  after(async () => {
    await secure?.close();
    await hub?.close();
    await db?.drop();
  });

  it('answers every bill with its signed checkout link, in create, read, list and cancel', async () => {
    const created = await bill();
    const link = new URL(created.checkout_url);
    assert.equal(link.origin, hub.config.public_url);
    assert.equal(link.pathname, `/pay/${created.id}`);
    assert.match(link.searchParams.get('sig') ?? '', /^[A-Za-z0-9_-]{22}$/);
    const read = await call<Bill>(hub, 'GET', `/v1/bills/${created.id}`, { token: agency.api_key });
    assert.equal(read.body.checkout_url, created.checkout_url);
    const list = await call<{ data: Bill[] }>(hub, 'GET', '/v1/bills?limit=100', { token: agency.api_key });
    assert.equal(list.body.data.find((row) => row.id === created.id)?.checkout_url, created.checkout_url);
    const other = await bill();
    assert.notEqual(new URL(other.checkout_url).searchParams.get('sig'), link.searchParams.get('sig'));
    const cancelled = await call<Bill>(hub, 'POST', `/v1/bills/${other.id}/cancel`, {
      token: agency.api_key,
    });
    assert.equal(cancelled.body.checkout_url, other.checkout_url);
    const page = await fetch(other.checkout_url);
    assert.equal(page.status, 410);
    assert.match(await page.text(), /data-status="cancelled"/);
  });

  it('counts a cancelled bill on the Vietnam day it was cancelled, either side of midnight', async () => {
    // 23:30 and 00:30 in Vietnam (UTC+7): the dashboard's "closed otherwise" days. A POSIX-style
    // AT TIME ZONE '+07:00' would read them as UTC-7 and put both on the day before.
    const late = await bill();
    const early = await bill();
    for (const id of [late.id, early.id])
      assert.equal(
        (await call(hub, 'POST', `/v1/bills/${id}/cancel`, { token: agency.api_key })).status,
        200,
      );
    await db.pool.query(`UPDATE bills SET cancelled_at = $2 WHERE id = $1`, [
      late.id,
      '2026-03-01T16:30:00Z',
    ]);
    await db.pool.query(`UPDATE bills SET cancelled_at = $2 WHERE id = $1`, [
      early.id,
      '2026-03-01T17:30:00Z',
    ]);
    const days = await hub.app
      .get(AgencyRepository)
      .closedOtherwiseByDay(agency.id, periodOf('2026-02-28', '2026-03-02')!);
    assert.deepEqual(Object.fromEntries(days), { '2026-03-01': 1, '2026-03-02': 1 });
  });

  it('shows the bill on a signed link, escaped, with the pages’ headers and nothing secret', async () => {
    const created = await bill();
    const response = await fetch(created.checkout_url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const page = await response.text();
    assert.match(page, /<html lang="vi">/);
    assert.match(page, /Phòng Tư pháp Quận 1/);
    assert.match(page, /Lệ phí chứng thực &lt;bản sao&gt;/);
    assert.match(page, /12\.000 ₫/);
    assert.doesNotMatch(page, /<script>|\son[a-z]+="/i, 'no inline script or handler');
    // Nothing secret: not the biller's key, not the session cookie, not any key material.
    const session = cookiesFrom(response).find((cookie) => cookie.startsWith('payhub_session='));
    assert.ok(session);
    assert.ok(!page.includes(agency.api_key));
    assert.ok(!page.includes(session.split(';')[0]!.split('=')[1]!));
    assert.ok(!page.includes(agency.webhook_secret));
  });

  it('refuses an unsigned, altered or borrowed link with a 403 page that shows nothing of the bill', async () => {
    const created = await bill();
    const other = await bill();
    const sig = new URL(created.checkout_url).searchParams.get('sig')!;
    const otherSig = new URL(other.checkout_url).searchParams.get('sig')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    for (const url of [
      `${hub.url}/pay/${created.id}`,
      `${hub.url}/pay/${created.id}?sig=${flipped}`,
      `${hub.url}/pay/${created.id}?sig=${otherSig}`,
      `${hub.url}/pay/${created.id}?sig=`,
      `${hub.url}/pay/${created.id}/return?sig=${flipped}`,
      `${hub.url}/pay/not-a-bill?sig=${sig}`,
    ]) {
      const response = await fetch(url);
      assert.equal(response.status, 403, url);
      const page = await response.text();
      assert.match(page, /data-status="invalid_link"/, url);
      assert.ok(!page.includes(created.reference) && !page.includes('12.000'), url);
    }
    const status = await fetch(`${hub.url}/pay/${created.id}/status?sig=${flipped}`);
    assert.equal(status.status, 403);
    const posted = await post(`${hub.url}/pay/${created.id}`, { sig: flipped, method: 'vnpay', _csrf: 'x' });
    assert.equal(posted.status, 403);
  });

  it('takes the checkout form only with its own session’s CSRF token', async () => {
    const created = await bill();
    const sig = new URL(created.checkout_url).searchParams.get('sig')!;
    const first = await fetch(created.checkout_url);
    const cookies = cookiesFrom(first);
    const session = cookies.find((cookie) => cookie.startsWith('payhub_session='))!;
    assert.match(session, /; Path=\//);
    assert.match(session, /; SameSite=Lax/);
    assert.match(session, /; HttpOnly/);
    assert.doesNotMatch(session, /; Secure/, 'an http hub cannot set Secure cookies');
    const token = csrfOf(await first.text());
    const cookie = cookieHeader(cookies);
    const action = `${hub.url}/pay/${created.id}`;

    // No token, a wrong one, no session, another session's token, a cross-site post: 403, no intent.
    const second = await fetch(created.checkout_url);
    const otherToken = csrfOf(await second.text());
    for (const [form, headers] of [
      [{ sig, method: 'vnpay' }, { cookie }],
      [{ sig, method: 'vnpay', _csrf: token.slice(1) + 'A' }, { cookie }],
      [{ sig, method: 'vnpay', _csrf: token }, {}],
      [{ sig, method: 'vnpay', _csrf: otherToken }, { cookie }],
      [
        { sig, method: 'vnpay', _csrf: token },
        { cookie, 'sec-fetch-site': 'cross-site' },
      ],
    ] as Array<[Record<string, string>, Record<string, string>]>) {
      const refused = await post(action, form, headers);
      assert.equal(refused.status, 403, JSON.stringify(form));
      assert.match(await refused.text(), /data-status="form_expired"/);
    }
    const intents = () =>
      db.pool
        .query('SELECT id FROM payment_intents WHERE bill_id = $1', [created.id])
        .then((r) => r.rowCount);
    assert.equal(await intents(), 0);

    // An unknown method is a 400 with the form again.
    assert.equal((await post(action, { sig, method: 'cash', _csrf: token }, { cookie })).status, 400);

    // The right token: 303 to the gateway; again (Back, Pay): the same waiting attempt, not a second.
    const accepted = await post(action, { sig, method: 'vnpay', _csrf: token }, { cookie });
    assert.equal(accepted.status, 303);
    const gateway = accepted.headers.get('location')!;
    assert.match(gateway, /^http:\/\/127\.0\.0\.1:\d+\//);
    const again = await post(action, { sig, method: 'vnpay', _csrf: token }, { cookie });
    assert.equal(again.headers.get('location'), gateway);
    assert.equal(await intents(), 1);
    const vietqr = await post(action, { sig, method: 'vietqr', _csrf: token }, { cookie });
    assert.equal(vietqr.status, 303);
    assert.match(
      vietqr.headers.get('location')!,
      new RegExp(`^/pay/${created.id}/vietqr/pi_[0-9A-Z]{26}\\?sig=${sig}$`),
    );
    assert.equal(await intents(), 2);
    // A double click: two POSTs at once, before the gateway has answered the first, share one attempt.
    const clicks = await Promise.all(
      [1, 2].map(() => post(action, { sig, method: 'momo', _csrf: token }, { cookie })),
    );
    assert.deepEqual(
      clicks.map((click) => click.status),
      [303, 303],
    );
    assert.equal(clicks[0]!.headers.get('location'), clicks[1]!.headers.get('location'));
    assert.equal(await intents(), 3);
  });

  it('joins the attempt another hub process is creating for the same checkout instead of making a second', async () => {
    const created = await bill();
    const sig = new URL(created.checkout_url).searchParams.get('sig')!;
    const first = await fetch(created.checkout_url);
    const token = csrfOf(await first.text());
    const cookie = cookieHeader(cookiesFrom(first));
    const count = async () =>
      (await db.pool.query('SELECT 1 FROM payment_intents WHERE bill_id = $1', [created.id])).rowCount;
    // Another process's attempt, recorded and still waiting for its gateway's answer (no link yet).
    const repository = hub.app.get(PaymentIntentsRepository);
    const other = (await repository.insert({
      id: newId('payment_intent'),
      biller_id: agency.id,
      bill_id: created.id,
      method: 'zalopay',
      amount: 12_000n,
      reference: generateVietQrReference(),
      return_url: 'http://127.0.0.1:9/return',
      ttl_ms: 15 * 60 * 1000,
      not_after: null,
    }))!;
    let answered = false;
    const clicked = post(
      `${hub.url}/pay/${created.id}`,
      { sig, method: 'zalopay', _csrf: token },
      { cookie },
    ).then((response) => {
      answered = true;
      return response;
    });
    await new Promise((wake) => setTimeout(wake, 400));
    assert.equal(answered, false, 'the POST waits for the other process’s attempt');
    assert.equal(await count(), 1, 'and makes none of its own');
    // The other process gets its link from the gateway: this POST sends the payer there too.
    await repository.setNextAction(other.id, {
      type: 'redirect',
      url: 'http://127.0.0.1:9/zalopay/pay/other',
    });
    const response = await clicked;
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'http://127.0.0.1:9/zalopay/pay/other');
    assert.equal(await count(), 1);

    // Two processes deciding at the same moment: one records its attempt, the other is given it.
    const attempt = () => ({
      id: newId('payment_intent'),
      biller_id: agency.id,
      bill_id: created.id,
      method: 'momo' as const,
      amount: 12_000n,
      reference: generateVietQrReference(),
      return_url: 'http://127.0.0.1:9/return',
      ttl_ms: 15 * 60 * 1000,
      not_after: null,
    });
    const decided = await Promise.all([1, 2, 3].map(() => repository.insertUnlessWaiting(attempt(), 35_000)));
    const made = decided.flatMap((one) => ('created' in one && one.created ? [one.created.id] : []));
    assert.equal(made.length, 1, 'one attempt recorded');
    assert.deepEqual(
      decided.flatMap((one) => ('waiting' in one ? [one.waiting] : [])),
      [made[0], made[0]],
    );
    assert.equal(await count(), 2);
  });

  it('switches to English with ?lang=en and keeps the choice in a cookie', async () => {
    const created = await bill();
    const english = await fetch(`${created.checkout_url}&lang=en`);
    const page = await english.text();
    assert.match(page, /<html lang="en">/);
    assert.match(page, /Choose how to pay/);
    const lang = cookiesFrom(english).find((cookie) => cookie.startsWith('payhub_lang='));
    assert.match(lang ?? '', /^payhub_lang=en; Path=\/; SameSite=Lax; Max-Age=\d+; HttpOnly$/);
    // The switch link back keeps the signature.
    assert.match(page, new RegExp(`href="/pay/${created.id}\\?sig=[^"]+&amp;lang=vi"`));
    const kept = await fetch(created.checkout_url, { headers: { cookie: 'payhub_lang=en' } });
    assert.match(await kept.text(), /<html lang="en">/);
  });

  it('names the session cookie __Host- and marks it Secure behind an https public URL', async () => {
    secure = await bootHub(db, { HUB_PUBLIC_URL: 'https://payhub.example.vn' });
    const created = await bill(secure);
    const response = await fetch(
      `${secure.url}${new URL(created.checkout_url).pathname}${new URL(created.checkout_url).search}`,
    );
    assert.equal(response.status, 200);
    assert.ok(created.checkout_url.startsWith('https://payhub.example.vn/pay/'));
    const session = cookiesFrom(response).find((cookie) => cookie.startsWith('__Host-payhub='));
    assert.match(session ?? '', /; Path=\/; SameSite=Lax; Max-Age=\d+; HttpOnly; Secure$/);
    // Both hubs derive the link key from the same hub secret: either one accepts the other's links.
    const fromFirst = await bill();
    assert.equal((await fetch(fromFirst.checkout_url.replace(hub.url, secure.url))).status, 200);
  });

  it('shows a cancelled receipt as cancelled, on the receipt and on its verification page', async () => {
    const receipts = hub.app.get(ReceiptsService);
    const issued = await receipts.issueReceipt({
      biller_id: agency.id,
      payer: { name: 'Phạm Thị Dung', id_number: '079123456780' },
      lines: [{ fee_name: 'Lệ phí chứng thực', amount: 12_000n }],
      amount: 12_000n,
      payment_method: 'vietqr',
      paid_at: new Date(),
    });
    const before = await (await fetch(`${hub.url}/receipts/${issued.id}`)).text();
    assert.match(before, /<main id="main" tabindex="-1" data-status="issued">/);
    assert.match(before, /id="server-check"\s+data-state="valid"/);
    assert.match(before, /Mười hai nghìn đồng/);
    assert.match(before, new RegExp(`href="/receipts/${issued.id}/verify"`));
    await receipts.cancelReceipt(issued.id, 'Thu nhầm');
    const page = await (await fetch(`${hub.url}/receipts/${issued.id}`)).text();
    assert.match(page, /data-status="cancelled"/);
    assert.match(page, /id="server-check"\s+data-state="cancelled"/);
    assert.match(page, /BIÊN LAI NÀY ĐÃ BỊ HỦY/);
    const verify = await (await fetch(`${hub.url}/receipts/${issued.id}/verify?lang=en`)).text();
    assert.match(verify, /data-status="cancelled"/);
    assert.match(verify, /Thu nhầm/);
    assert.match(verify, /it no longer proves a payment/);
  });

  it('serves the pages’ files by name, versioned, and answers 404 for unknown receipts', async () => {
    const page = await (await fetch(`${hub.url}/receipts/verify`)).text();
    const css = /href="(\/assets\/web\.css\?v=[A-Za-z0-9_-]+)"/.exec(page)?.[1];
    assert.ok(css, page);
    const asset = await fetch(`${hub.url}${css}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${hub.url}/assets/..%2Fsession.ts`)).status, 404);
    assert.equal((await fetch(`${hub.url}/assets/nope.js`)).status, 404);
    const missing = await fetch(`${hub.url}/receipts/rcp_01JD3M0Q8XK6W1E9T3V4R5S6P7`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /data-status="not_found"/);
    assert.equal((await fetch(`${hub.url}/receipts/garbage/verify`)).status, 404);
  });
});
