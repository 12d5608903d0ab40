// HTTP plumbing the pages share: cookies (read without a plugin, written with the hub's flags), and
// sending a page or a small JSON answer with the pages' security headers.
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Same-origin only: scripts and styles are the hub's own files (no inline script, no CDN); images may
 * be data: URLs. No form-action: the checkout form's answer redirects to the gateway's pay page.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie; undefined makes a browser-session cookie. */
  max_age?: number;
  /** Default true: page scripts never need to read the pages' cookies. */
  http_only?: boolean;
  secure: boolean;
}

/** The request's cookies by name (first one wins; values URI-decoded when they can be). */
export function cookiesOf(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie;
  const found: Record<string, string> = {};
  if (typeof header !== 'string') return found;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in found) continue;
    const value = part.slice(eq + 1).trim();
    try {
      found[name] = decodeURIComponent(value);
    } catch {
      found[name] = value;
    }
  }
  return found;
}

/** Adds a Set-Cookie header (others already set are kept): Path=/, SameSite=Lax, HttpOnly by default. */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'SameSite=Lax'];
  if (options.max_age !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.max_age))}`);
  if (options.http_only !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  void reply.header('set-cookie', [...list.map(String), parts.join('; ')]);
}

/** An HTML page with the pages' headers; never cached (it may show a payment's state or a form token). */
export function sendPage(reply: FastifyReply, status: number, page: string): void {
  void reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .send(page);
}

/** A 303 to a page (after a POST, so a reload does not post again). */
export function seeOther(reply: FastifyReply, location: string): void {
  void reply.status(303).header('location', location).header('cache-control', 'no-store').send('');
}

/** A small JSON answer for a page's script; never cached (it says a payment's state). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  void reply.status(status).header('cache-control', 'no-store').send(body);
}

/** A posted form's text field, or null when it is missing or not a single string. */
export function formField(body: unknown, name: string): string | null {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : null;
}

/** The request's path and query, for the language switch. */
export function hereOf(request: FastifyRequest): string {
  return request.url;
}
