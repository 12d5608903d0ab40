// The pages' foundation as plain code: the escaping template, amounts, the language switch link, the
// dictionaries, signed session cookies, CSRF tokens and checkout link signatures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubConfig } from '../config/config.schema';
import type { Logger } from '../logging/logger';
import { formatDong, html, raw, switchLanguageHref } from './html';
import { dictionaryKeys } from './i18n';
import { SESSION_TTL_SECONDS, WebSessions } from './session';
import { CheckoutLinks, deriveWebKey, WebSecrets } from './web-secrets';

function config(public_url = 'http://127.0.0.1:3000', secret = randomBytes(32).toString('hex')): HubConfig {
  return { public_url, data_dir: '/nonexistent', receipt_key_encryption_key: secret } as HubConfig;
}

const silent = { info: () => undefined } as unknown as Logger;

function request(cookie: string | null, extra: Record<string, string> = {}): FastifyRequest {
  return { headers: { ...(cookie ? { cookie } : {}), ...extra }, query: {} } as unknown as FastifyRequest;
}

/** A reply that only records its headers. */
function reply(): FastifyReply & { cookies(): string[] } {
  const headers: Record<string, unknown> = {};
  const fake = {
    getHeader: (name: string) => headers[name],
    header(name: string, value: unknown) {
      headers[name] = value;
      return fake;
    },
    cookies: () => (headers['set-cookie'] as string[] | undefined) ?? [],
  };
  return fake as unknown as FastifyReply & { cookies(): string[] };
}

describe('html``', () => {
  it('escapes every interpolation unless it is html itself', () => {
    const name = `<script>alert("x")</script>&'`;
    assert.equal(
      html`<p title="${name}">${name}</p>`.value,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
    assert.equal(
      html`<ul>
        ${['<a>', html`<li>b</li>`]}
      </ul>`.value.replace(/\s+/g, ''),
      '<ul>&lt;a&gt;<li>b</li></ul>',
    );
    assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
    assert.equal(html`${raw('<svg></svg>')}`.value, '<svg></svg>');
  });

  it('formats dong with Vietnamese grouping, exactly, from bigints', () => {
    assert.equal(formatDong(0n), '0 ₫');
    assert.equal(formatDong(1_234_567), '1.234.567 ₫');
    assert.equal(formatDong('9007199254740993'), '9.007.199.254.740.993 ₫');
  });

  it('switches language keeping the rest of the query', () => {
    assert.equal(switchLanguageHref('/pay/bill_X?sig=abc', 'en'), '/pay/bill_X?sig=abc&lang=en');
    assert.equal(switchLanguageHref('/pay/bill_X?sig=abc&lang=en', 'vi'), '/pay/bill_X?sig=abc&lang=vi');
  });

  it('has the same words in both languages', () => {
    const keys = dictionaryKeys();
    assert.deepEqual(keys.en, keys.vi);
  });
});

describe('sessions and CSRF', () => {
  it('round-trips a signed session and refuses an altered, foreign or expired one', () => {
    const hub = config();
    const sessions = new WebSessions(new WebSecrets(hub, silent), hub);
    const out = reply();
    const session = sessions.ensure(request(null), out);
    const [cookie] = out.cookies();
    assert.match(cookie!, /^payhub_session=[^;]+; Path=\/; SameSite=Lax; Max-Age=43200; HttpOnly$/);
    const value = decodeURIComponent(cookie!.split(';')[0]!.split('=')[1]!);
    assert.deepEqual(sessions.decode(value), session);

    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...session, data: { merchant: 'blr_X' } })).toString(
      'base64url',
    );
    assert.equal(sessions.decode(`${forged}.${mac}`), null);
    assert.equal(sessions.decode(`${payload}.${mac.slice(1)}A`), null);
    assert.equal(sessions.decode(payload), null);
    const other = new WebSessions(new WebSecrets(config(), silent), config());
    assert.equal(other.decode(value), null, 'another hub secret');
    const old = sessions.encode({ ...session, iat: session.iat - SESSION_TTL_SECONDS - 1 });
    assert.equal(sessions.decode(old), null);

    // An existing fresh session is kept, without a new cookie.
    const again = reply();
    assert.deepEqual(sessions.ensure(request(`payhub_session=${encodeURIComponent(value)}`), again), session);
    assert.deepEqual(again.cookies(), []);
  });

  it('binds CSRF tokens to their session', () => {
    const hub = config();
    const sessions = new WebSessions(new WebSecrets(hub, silent), hub);
    const a = sessions.renew(reply(), {});
    const b = sessions.renew(reply(), {});
    const cookieOf = (s: typeof a) => `payhub_session=${encodeURIComponent(sessions.encode(s))}`;
    assert.equal(sessions.checkCsrf(request(cookieOf(a)), sessions.csrfToken(a)), true);
    assert.equal(
      sessions.checkCsrf(request(cookieOf(a), { 'x-csrf-token': sessions.csrfToken(a) }), null),
      true,
    );
    assert.equal(sessions.checkCsrf(request(cookieOf(a)), sessions.csrfToken(b)), false);
    assert.equal(sessions.checkCsrf(request(null), sessions.csrfToken(a)), false);
    assert.equal(sessions.checkCsrf(request(cookieOf(a)), undefined), false);
    assert.equal(
      sessions.checkCsrf(request(cookieOf(a), { 'sec-fetch-site': 'cross-site' }), sessions.csrfToken(a)),
      false,
    );
  });

  it('marks cookies Secure under an https public URL', () => {
    const hub = config('https://payhub.example.vn');
    const sessions = new WebSessions(new WebSecrets(hub, silent), hub);
    const out = reply();
    sessions.ensure(request(null), out);
    assert.match(
      out.cookies()[0]!,
      /^__Host-payhub=[^;]+; Path=\/; SameSite=Lax; Max-Age=43200; HttpOnly; Secure$/,
    );
  });
});

describe('checkout links', () => {
  it('signs a bill id so that only the hub’s own link verifies', () => {
    const hub = config('https://payhub.example.vn');
    const links = new CheckoutLinks(new WebSecrets(hub, silent), hub);
    const id = 'bill_01JD3M0Q8XK6W1E9T3V4R5S6P7';
    const sig = links.signature(id);
    assert.match(sig, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(links.url(id), `https://payhub.example.vn/pay/${id}?sig=${sig}`);
    assert.equal(links.verify(id, sig), true);
    assert.equal(links.verify('bill_01JD3M0Q8XK6W1E9T3V4R5S6P8', sig), false);
    assert.equal(links.verify(id, sig.slice(0, -1)), false);
    assert.equal(links.verify(id, undefined), false);
    assert.equal(links.verify(id, [sig]), false);
  });

  it('derives a different key for each purpose', () => {
    const secret = randomBytes(32);
    const keys = (['session', 'csrf', 'checkout-link'] as const).map((p) =>
      deriveWebKey(secret, p).toString('hex'),
    );
    assert.equal(new Set(keys).size, 3);
    assert.notEqual(keys[0], secret.toString('hex'));
  });
});
