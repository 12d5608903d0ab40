// Cookie sessions and CSRF tokens for every page of the hub (checkout now; the merchant counter and the
// agency dashboard later). A session is a signed cookie, not a database row: `<payload>.<HMAC>`, the
// payload base64url JSON {id, iat, data}, the HMAC under a key derived from the hub secret
// (web-secrets.ts). It is HttpOnly, SameSite=Lax, Path=/, and Secure (named `__Host-payhub`) when
// HUB_PUBLIC_URL is https. A CSRF token is the HMAC of the session id under another key: bound to the
// session, checked in constant time on every POST, and worthless in any other session. docs/pages.md.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { DEFAULT_LANG, isLang, type Lang } from './i18n';
import { cookiesOf, setCookie } from './web-http';
import { mac, sameText, WebSecrets } from './web-secrets';

/** A session lives 12 hours from when it was issued; it is reissued (same id) once half of that passed. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** The form field (and header, for scripts) that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const LANG_COOKIE = 'payhub_lang';
const LANG_TTL_SECONDS = 365 * 24 * 60 * 60;
const DATA_BYTES_MAX = 2048;

export interface WebSession {
  /** 128 random bits, base64url. */
  readonly id: string;
  /** Unix seconds. */
  readonly iat: number;
  /** What a page keeps in the session (a signed-in merchant's id, say): short strings only. */
  readonly data: Readonly<Record<string, string>>;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

@Injectable()
export class WebSessions {
  readonly secure: boolean;
  readonly cookie_name: string;

  constructor(
    private readonly secrets: WebSecrets,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.secure = config.public_url.startsWith('https:');
    // __Host-: the browser only accepts it Secure, for Path=/, without Domain: no subdomain can plant it.
    this.cookie_name = this.secure ? '__Host-payhub' : 'payhub_session';
  }

  encode(session: WebSession): string {
    const payload = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    return `${payload}.${mac(this.secrets.key('session'), payload)}`;
  }

  decode(value: string | undefined): WebSession | null {
    if (!value) return null;
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), mac(this.secrets.key('session'), payload))) return null;
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<WebSession>;
      if (typeof parsed.id !== 'string' || typeof parsed.iat !== 'number' || typeof parsed.data !== 'object')
        return null;
      const age = nowSeconds() - parsed.iat;
      if (age < -60 || age > SESSION_TTL_SECONDS) return null;
      return { id: parsed.id, iat: parsed.iat, data: { ...(parsed.data as Record<string, string>) } };
    } catch {
      return null;
    }
  }

  /** The request's valid session, or null. */
  read(request: FastifyRequest): WebSession | null {
    return this.decode(cookiesOf(request)[this.cookie_name]);
  }

  /** The request's session, or a new one; sets the cookie when it is new or half its life has passed. */
  ensure(request: FastifyRequest, reply: FastifyReply): WebSession {
    const found = this.read(request);
    if (found && nowSeconds() - found.iat < SESSION_TTL_SECONDS / 2) return found;
    return this.save(reply, found ?? this.fresh({}));
  }

  /**
   * A new session (a new id) holding `data`: call it when a person signs in, so an id set before
   * signing in (by whoever could) is never the signed-in one.
   */
  renew(reply: FastifyReply, data: Record<string, string>): WebSession {
    return this.save(reply, this.fresh(data));
  }

  end(reply: FastifyReply): void {
    setCookie(reply, this.cookie_name, '', { max_age: 0, secure: this.secure });
  }

  /** The session's CSRF token, for a hidden `_csrf` field of every POST form (or the X-CSRF-Token header). */
  csrfToken(session: WebSession): string {
    return mac(this.secrets.key('csrf'), `csrf:${session.id}`);
  }

  /**
   * Whether a POST may act: the request carries a valid session, its token (form field or header) is
   * that session's, and the browser does not say it came from another site.
   */
  checkCsrf(request: FastifyRequest, submitted: unknown): boolean {
    if (request.headers['sec-fetch-site'] === 'cross-site') return false;
    const session = this.read(request);
    const header = request.headers[CSRF_HEADER];
    const token = typeof submitted === 'string' ? submitted : typeof header === 'string' ? header : null;
    return session !== null && token !== null && sameText(token, this.csrfToken(session));
  }

  /** The page language: `?lang=` (kept in a cookie), else the cookie, else Vietnamese. */
  language(request: FastifyRequest, reply: FastifyReply): Lang {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (isLang(asked)) {
      setCookie(reply, LANG_COOKIE, asked, { max_age: LANG_TTL_SECONDS, secure: this.secure });
      return asked;
    }
    const kept = cookiesOf(request)[LANG_COOKIE];
    return isLang(kept) ? kept : DEFAULT_LANG;
  }

  private fresh(data: Record<string, string>): WebSession {
    return { id: randomBytes(16).toString('base64url'), iat: nowSeconds(), data };
  }

  private save(reply: FastifyReply, session: WebSession): WebSession {
    const renewed = { ...session, iat: nowSeconds() };
    const value = this.encode(renewed);
    if (value.length > DATA_BYTES_MAX * 2) throw new Error('session data too large for a cookie');
    setCookie(reply, this.cookie_name, value, { max_age: SESSION_TTL_SECONDS, secure: this.secure });
    return renewed;
  }
}
