// The merchant counter and the agency dashboard over real HTTP, without a browser: sign-in refusals
// (no CSRF token, a wrong key, the other kind's key), the session cookie (flags, a new id at sign-in,
// nothing but the biller's id in it), a counter sale paid by the bank simulator and listed in the day's
// total, and the dashboard's totals equal to GET /v1/reports/statements for the same period, with its
// downloads (CSV, XLSX) through the session only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatVietnamTime } from '../../adapters/shared/time';
import type { VietQrBankSimulator } from '../../adapters/vietqr/vietqr.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller } from './support/api';
import { bootCallbackHub, createBill, createIntent, feeBody, until } from './support/gateway-payments';

/** A browser's cookies for one hub: kept from Set-Cookie, sent back on every request. */
class Client {
  readonly cookies = new Map<string, string>();
  readonly set_cookies: string[] = [];

  constructor(private readonly base: string) {}

  async get(path: string): Promise<{ response: Response; text: string }> {
    const response = await fetch(`${this.base}${path}`, { redirect: 'manual', headers: this.headers() });
    this.keep(response);
    return { response, text: await response.text() };
  }

  async post(path: string, form: Record<string, string>): Promise<{ response: Response; text: string }> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(response);
    return { response, text: await response.text() };
  }

  /** The CSRF token of a page's form (after GETting it). */
  async csrf(path: string): Promise<string> {
    const { text } = await this.get(path);
    const found = /name="_csrf"\s+value="([^"]+)"/.exec(text);
    assert.ok(found, `${path} has a form with a CSRF token`);
    return found[1]!;
  }

  async signIn(page: '/merchant' | '/agency', api_key: string): Promise<Response> {
    const _csrf = await this.csrf(page);
    return (await this.post(`${page}/sign-in`, { _csrf, api_key })).response;
  }

  session(): string | undefined {
    return this.cookies.get('payhub_session');
  }

  private headers(): Record<string, string> {
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private keep(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      this.set_cookies.push(cookie);
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

function attribute(page: string, pattern: RegExp): string {
  const found = pattern.exec(page);
  assert.ok(found, `the page has ${pattern}`);
  return found[1]!;
}

describe('web pages: merchant counter and agency dashboard', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let merchant: CreatedBiller;
  let references = 0;

  const bank = (): VietQrBankSimulator => hub.app.get(GatewaysService).simulators!.vietqr!;
  const payload = async (intent_id: string): Promise<string> =>
    (
      await db.pool.query<{ payload: string }>(
        `SELECT next_action->>'payload' AS payload FROM payment_intents WHERE id = $1`,
        [intent_id],
      )
    ).rows[0]!.payload;
  const succeeded = (intent_id: string) =>
    until(
      async () =>
        (
          await db.pool.query(`SELECT 1 FROM payment_intents WHERE id = $1 AND status = 'succeeded'`, [
            intent_id,
          ])
        ).rowCount === 1,
      `intent ${intent_id} succeeded`,
    );

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Phòng Tài nguyên và Môi trường', kind: 'agency' });
    merchant = await createBiller(hub, { name: 'Quán cà phê Hạ Long', kind: 'merchant' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('signs in only with a valid key of the right kind, behind a CSRF token, keeping only the biller and key ids', async () => {
    const client = new Client(hub.url);
    const first = await client.get('/merchant');
    assert.equal(first.response.status, 200);
    assert.match(first.text, /data-status="sign_in"/);
    assert.match(first.text, /<label for="api_key">/);
    const issued = client.set_cookies.find((cookie) => cookie.startsWith('payhub_session='));
    assert.ok(issued);
    for (const flag of ['Path=/', 'SameSite=Lax', 'HttpOnly', 'Max-Age=43200'])
      assert.ok(issued.includes(flag), `${flag} in ${issued}`);
    assert.ok(!issued.includes('Secure'), 'plain http: not Secure');
    const before_sign_in = client.session();

    // No token, a token of another session: refused, nothing signed in.
    const no_token = await client.post('/merchant/sign-in', { api_key: merchant.api_key });
    assert.equal(no_token.response.status, 403);
    assert.match(no_token.text, /data-status="form_expired"/);
    const other = new Client(hub.url);
    const foreign = await other.csrf('/merchant');
    assert.equal(
      (await client.post('/merchant/sign-in', { _csrf: foreign, api_key: merchant.api_key })).response.status,
      403,
    );
    assert.match((await client.get('/merchant')).text, /data-status="sign_in"/);

    // A wrong key, a revoked-looking key, the agency's key at the counter: refused, the key not echoed.
    for (const [key, status] of [
      ['sk_live_not_a_real_key_000000000000000000', 401],
      ['', 401],
      [agency.api_key, 403],
    ] as const) {
      const _csrf = await client.csrf('/merchant');
      const refused = await client.post('/merchant/sign-in', { _csrf, api_key: key });
      assert.equal(refused.response.status, status, key);
      assert.match(refused.text, /data-notice="sign_in_refused"/);
      if (key) assert.ok(!refused.text.includes(key));
    }
    // The merchant's key at the dashboard: refused too.
    const crossed = new Client(hub.url);
    assert.equal((await crossed.signIn('/agency', merchant.api_key)).status, 403);

    const signed = await client.signIn('/merchant', merchant.api_key);
    assert.equal(signed.status, 303);
    assert.equal(signed.headers.get('location'), '/merchant');
    const session = client.session()!;
    assert.notEqual(session, before_sign_in, 'a new session at sign-in');
    const data = JSON.parse(Buffer.from(session.split('.')[0]!, 'base64url').toString('utf8')) as {
      data: Record<string, string>;
    };
    const keys = await call<{ data: Array<{ id: string }> }>(
      hub,
      'GET',
      `/v1/billers/${merchant.id}/api_keys`,
    );
    assert.equal(keys.body.data.length, 1);
    assert.deepEqual(data.data, { biller: merchant.id, key: keys.body.data[0]!.id });
    assert.ok(!decodeURIComponent(session).includes(merchant.api_key));
    const counter = await client.get('/merchant');
    assert.match(counter.text, /data-status="ready"/);
    assert.match(counter.text, /Quán cà phê Hạ Long/);
    assert.ok(!counter.text.includes(merchant.api_key));
    // A merchant session does not open the dashboard.
    assert.match((await client.get('/agency')).text, /data-status="sign_in"/);

    const _csrf = await client.csrf('/merchant');
    assert.equal((await client.post('/merchant/sign-out', {})).response.status, 403);
    const out = await client.post('/merchant/sign-out', { _csrf });
    assert.equal(out.response.status, 303);
    assert.match((await client.get('/merchant')).text, /data-status="sign_in"/);
  });

  it('ends the page sessions signed in with a key once the key is revoked (at once, or when its grace ends)', async () => {
    const biller = await createBiller(hub, { name: 'Bãi đỗ xe Bạch Đằng', kind: 'parking_operator' });
    const path = `/v1/billers/${biller.id}/api_keys`;
    const second = await call<{ id: string; api_key: string }>(hub, 'POST', path, { token: biller.api_key });
    assert.equal(second.status, 201);
    const first_id = (await call<{ data: Array<{ id: string }> }>(hub, 'GET', path)).body.data.find(
      (key) => key.id !== second.body.id,
    )!.id;
    const with_first = new Client(hub.url);
    const with_second = new Client(hub.url);
    assert.equal((await with_first.signIn('/agency', biller.api_key)).status, 303);
    assert.equal((await with_second.signIn('/agency', second.body.api_key)).status, 303);
    for (const client of [with_first, with_second])
      assert.match((await client.get('/agency')).text, /Bãi đỗ xe Bạch Đằng/);

    // Revoked with a grace period: the session lasts as long as the key works.
    const graceful = await call(hub, 'POST', `${path}/${first_id}/revoke`, {
      body: { expires_in_seconds: 3600 },
    });
    assert.equal(graceful.status, 200);
    assert.match((await with_first.get('/agency')).text, /Bãi đỗ xe Bạch Đằng/);
    // Revoked at once: the next page is the sign-in form, the download refused; the other key's session
    // goes on.
    assert.equal((await call(hub, 'POST', `${path}/${first_id}/revoke`, { body: {} })).status, 200);
    const after_revoke = await with_first.get('/agency');
    assert.match(after_revoke.text, /data-status="sign_in"/);
    assert.doesNotMatch(after_revoke.text, /Bãi đỗ xe Bạch Đằng/);
    const day = formatVietnamTime(new Date(), 'yyyy-MM-dd');
    const statement = `/agency/statement.csv?from=${day}&to=${day}`;
    assert.equal((await with_first.get(statement)).response.status, 403);
    assert.match((await with_second.get('/agency')).text, /Bãi đỗ xe Bạch Đằng/);
    assert.equal((await with_second.get(statement)).response.status, 200);
    // Signing in again with the revoked key is refused.
    assert.equal((await with_first.signIn('/agency', biller.api_key)).status, 401);
  });

  it('makes a counter sale, follows it to paid when the bank pays it, and lists it in the day’s total', async () => {
    const client = new Client(hub.url);
    assert.equal((await client.signIn('/merchant', merchant.api_key)).status, 303);
    let _csrf = await client.csrf('/merchant');
    const invalid = await client.post('/merchant/sales', { _csrf, amount: '12abc', note: 'x' });
    assert.equal(invalid.response.status, 400);
    assert.match(invalid.text, /aria-invalid="true"/);
    assert.equal((await client.post('/merchant/sales', { amount: '45000', note: 'x' })).response.status, 403);

    _csrf = await client.csrf('/merchant');
    const sale = await client.post('/merchant/sales', { _csrf, amount: '45.000', note: '2 cà phê <sữa>' });
    assert.equal(sale.response.status, 303);
    const location = sale.response.headers.get('location')!;
    const intent_id = attribute(location, /^\/merchant\/sales\/(pi_[0-9A-Z]{26})$/);
    const page = await client.get(location);
    assert.equal(page.response.status, 200);
    assert.match(page.text, /data-status="pending"/);
    assert.match(page.text, /45\.000 ₫/);
    assert.match(page.text, /2 cà phê &lt;sữa&gt;/);
    assert.match(page.text, new RegExp(`/v1/payment_intents/${intent_id}/qr\\.png`));
    const png = await fetch(`${hub.url}/v1/payment_intents/${intent_id}/qr.png`);
    assert.equal(png.headers.get('content-type'), 'image/png');
    // Another session (not signed in) learns nothing of the sale.
    assert.equal((await new Client(hub.url).get(`${location}/status`)).response.status, 404);

    bank().payQr(await payload(intent_id));
    await succeeded(intent_id);
    const status = JSON.parse((await client.get(`${location}/status`)).text) as {
      state: string;
      title: string;
    };
    assert.equal(status.state, 'paid');
    assert.equal(status.title, 'Đã thanh toán');
    const today = await client.get('/merchant');
    assert.match(today.text, new RegExp(`data-intent="${intent_id}"`));
    assert.match(today.text, /data-field="today_total">45\.000 ₫</);
  });

  it('shows the agency the statements API’s totals, and downloads through the session only', async () => {
    for (const [amount, line] of [
      [120_000, 'Phí thẩm định hồ sơ'],
      [35_000, 'Lệ phí cấp giấy chứng nhận'],
    ] as const) {
      const bill_id = await createBill(hub, agency, feeBody(`TNMT-${++references}`, amount, { line }));
      const intent = await createIntent(hub, agency, bill_id, 'vietqr');
      bank().payQr(intent.next_action!.payload!);
      await succeeded(intent.id);
    }
    const cancelled = await createBill(hub, agency, feeBody(`TNMT-${++references}`, 10_000));
    assert.equal(
      (await call(hub, 'POST', `/v1/bills/${cancelled}/cancel`, { token: agency.api_key })).status,
      200,
    );

    const client = new Client(hub.url);
    assert.equal((await client.signIn('/agency', agency.api_key)).status, 303);
    const day = formatVietnamTime(new Date(), 'yyyy-MM-dd');
    const { response, text } = await client.get(`/agency?from=${day}&to=${day}`);
    assert.equal(response.status, 200);
    assert.match(text, /data-status="ready"/);
    const api = await call<{
      totals: {
        payments: { count: number; amount: number };
        refunds: { amount: number };
        gateway_fees: { amount: number };
        net: number;
        by_method: Array<{ method: string; payments: { amount: number } }>;
        by_fee: Array<{ fee_name: string; amount: number }>;
      };
      cashless_share: { percent: string | null };
    }>(hub, 'GET', `/v1/reports/statements?from=${day}&to=${day}`, { token: agency.api_key });
    assert.equal(api.status, 200, api.text);
    const { totals } = api.body;
    assert.equal(totals.payments.amount, 155_000);
    const figure = (key: string) =>
      Number(attribute(text, new RegExp(`data-total="${key}" data-amount="(-?\\d+)"`)));
    assert.equal(figure('payments'), totals.payments.amount);
    assert.equal(figure('refunds'), totals.refunds.amount);
    assert.equal(figure('fees'), totals.gateway_fees.amount);
    assert.equal(figure('net'), totals.net);
    assert.equal(figure('today_payments'), totals.payments.amount);
    for (const method of totals.by_method)
      assert.equal(
        Number(attribute(text, new RegExp(`data-method="${method.method}">[\\s\\S]*?data-amount="(\\d+)"`))),
        method.payments.amount,
      );
    for (const fee of totals.by_fee)
      assert.equal(
        Number(attribute(text, new RegExp(`data-fee="${fee.fee_name}">[\\s\\S]*?data-amount="(\\d+)"`))),
        fee.amount,
      );
    assert.equal(
      attribute(text, /data-total="cashless_percent">([^<]*)</),
      `${api.body.cashless_share.percent} %`,
    );
    assert.match(text, /<svg[^>]*role="img"/);
    assert.match(text, new RegExp(`data-day="${day}" data-total="155000"`));
    assert.match(text, /data-exceptions="0"/);

    const csv = await client.get(`/agency/statement.csv?from=${day}&to=${day}`);
    assert.equal(csv.response.status, 200);
    assert.equal(csv.response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      csv.response.headers.get('content-disposition') ?? '',
      /^attachment; filename="statement-blr_/,
    );
    assert.ok(csv.text.includes('Phí thẩm định hồ sơ'));
    const xlsx = await fetch(`${hub.url}/agency/statement.xlsx?from=${day}&to=${day}`, {
      headers: { cookie: `payhub_session=${client.session()}` },
    });
    assert.equal(xlsx.status, 200);
    assert.equal(
      xlsx.headers.get('content-type'),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    assert.equal(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
      'PK',
    );
    // Without the session, or with a merchant's: no file.
    assert.equal((await fetch(`${hub.url}/agency/statement.csv?from=${day}`)).status, 403);
    const bad = await client.get(`/agency?from=${day}&to=2000-01-01`);
    assert.equal(bad.response.status, 400);
    assert.match(bad.text, /data-status="invalid_period"/);
  });
});
