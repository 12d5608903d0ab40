// Signing a biller in to its pages (the merchant counter, the agency dashboard) with one of its API
// keys: the key is posted once (CSRF-checked), looked up by its SHA-256 hash as the API does, and only
// the biller's id and the key's id (key_..., not the key) are kept in the signed session cookie (a new
// session id, WebSessions.renew); the key itself is never stored, logged or echoed. Every page checks
// that key again: revoking it (or its grace period ending) signs out whoever signed in with it. Each
// page admits the biller kinds it is for.
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey, looksLikeApiKey } from '../billers/api-key-material';
import { type BillerKind, type BillerRow, BillersRepository } from '../billers/billers.repository';
import { html, type SafeHtml } from './html';
import type { Messages } from './i18n';
import { CSRF_FIELD, WebSessions } from './session';
import { formField, seeOther } from './web-http';
import { type FormContext, type PageContext, type PageLink, WebPages } from './web-pages';

/** The session field that names the signed-in biller. */
export const SESSION_BILLER = 'biller';
/** The session field that names the API key (its id) the biller signed in with. */
export const SESSION_KEY = 'key';

export type SignInResult = { ok: true; biller: BillerRow } | { ok: false; reason: 'invalid' | 'wrong_kind' };

@Injectable()
export class BillerSignIn {
  constructor(
    private readonly billers: BillersRepository,
    private readonly sessions: WebSessions,
  ) {}

  /** Checks a posted key; on success the session is renewed holding the biller's id only. */
  async signIn(reply: FastifyReply, key: string | null, kinds: readonly BillerKind[]): Promise<SignInResult> {
    const token = key?.trim() ?? '';
    if (!looksLikeApiKey(token)) return { ok: false, reason: 'invalid' };
    const found = await this.billers.findActiveKey(hashApiKey(token));
    const biller = found && (await this.billers.findBiller(found.biller_id));
    if (!biller) return { ok: false, reason: 'invalid' };
    if (!kinds.includes(biller.kind)) return { ok: false, reason: 'wrong_kind' };
    this.sessions.renew(reply, { [SESSION_BILLER]: biller.id, [SESSION_KEY]: found.key_id });
    return { ok: true, biller };
  }

  /**
   * The signed-in biller of one of these kinds, or null: no session, another kind, or the key it
   * signed in with no longer active (revoked, expired; a session from before keys were kept has none).
   */
  async current(request: FastifyRequest, kinds: readonly BillerKind[]): Promise<BillerRow | null> {
    const data = this.sessions.read(request)?.data;
    const id = data?.[SESSION_BILLER];
    const key_id = data?.[SESSION_KEY];
    if (!id || !key_id) return null;
    const biller = await this.billers.findBillerWithActiveKey(id, key_id);
    return biller && kinds.includes(biller.kind) ? biller : null;
  }
}

/** The sign-in form (a password field: the key is a secret) with an optional refusal. */
export function signInBody(
  t: Messages,
  form: { action: string; csrf_field: SafeHtml; heading: string; error: string | null },
): SafeHtml {
  return html`<h1>${form.heading}</h1>
    <h2>${t.sign_in_title}</h2>
    ${
      form.error
        ? html`<div class="notice bad" role="alert" data-notice="sign_in_refused"><p>${form.error}</p></div>`
        : ''
    }
    <form method="post" action="${form.action}">
      ${form.csrf_field}
      <p>
        <label for="api_key">${t.api_key_label}</label>
        <input
          type="password"
          id="api_key"
          name="api_key"
          autocomplete="off"
          spellcheck="false"
          required
          aria-describedby="api_key_hint"
        />
        <span class="hint" id="api_key_hint">${t.api_key_hint}</span>
      </p>
      <button type="submit">${t.sign_in_button}</button>
    </form>`;
}

/** Who is signed in, and the sign-out form. */
export function signedInBar(t: Messages, biller: BillerRow, action: string, csrf_field: SafeHtml): SafeHtml {
  return html`<form class="signed-in" method="post" action="${action}">
    ${csrf_field}
    <p><span class="muted">${t.signed_in_as}</span> <strong data-field="biller">${biller.name}</strong></p>
    <button type="submit" class="secondary">${t.sign_out_button}</button>
  </form>`;
}

/** What differs between the pages a biller signs in to (the merchant counter, the agency dashboard). */
export interface BillerPage {
  /** The page's path: sign-in and sign-out answer 303 to it, its forms post under it. */
  readonly path: string;
  /** The biller kinds it admits. */
  readonly kinds: readonly BillerKind[];
  /** The page's name: the sign-in form's heading and the label of the way back to it. */
  readonly heading: (t: Messages) => string;
  /** The refusal of a valid key of a kind this page does not admit. */
  readonly wrong_kind: (t: Messages) => string;
}

/**
 * The sign-in side of a biller's page, the same for each: who is signed in, the sign-in and sign-out
 * POSTs (CSRF-checked), the sign-in form and the signed-in bar. The controller keeps its routes (and
 * their OpenAPI descriptions) and hands them here.
 */
export class BillerPageSignIn {
  constructor(
    private readonly pages: WebPages,
    private readonly signIn: BillerSignIn,
    private readonly page: BillerPage,
  ) {}

  /** The signed-in biller of one of the page's kinds, or null. */
  current(request: FastifyRequest): Promise<BillerRow | null> {
    return this.signIn.current(request, this.page.kinds);
  }

  /** POST <path>/sign-in: 303 to the page; a wrong key 401, another kind's 403 (the form again). */
  async signInPost(body: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = this.pages.formContext(request, reply);
    if (!this.csrfChecked(body, request, reply, context)) return;
    const result = await this.signIn.signIn(reply, formField(body, 'api_key'), this.page.kinds);
    if (result.ok) return seeOther(reply, this.page.path);
    const wrongKind = result.reason === 'wrong_kind';
    const error = wrongKind ? this.page.wrong_kind(context.t) : context.t.sign_in_invalid;
    this.renderSignIn(reply, context, wrongKind ? 403 : 401, error);
  }

  /** POST <path>/sign-out: ends the session, 303 to the page. */
  signOut(body: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const context = this.pages.context(request, reply);
    if (!this.csrfChecked(body, request, reply, context)) return;
    this.pages.sessions.end(reply);
    seeOther(reply, this.page.path);
  }

  /** True when the posted form's CSRF token is good; else the 403 page has been sent. */
  csrfChecked(body: unknown, request: FastifyRequest, reply: FastifyReply, context: PageContext): boolean {
    if (this.pages.sessions.checkCsrf(request, formField(body, CSRF_FIELD))) return true;
    this.pages.sendFormExpired(reply, context, this.back(context.t));
    return false;
  }

  /** The sign-in form, with a refusal or none. */
  renderSignIn(reply: FastifyReply, context: FormContext, status: number, error: string | null): void {
    this.pages.send(reply, context, status, {
      title: context.t.sign_in_title,
      status: 'sign_in',
      body: signInBody(context.t, {
        action: `${this.page.path}/sign-in`,
        csrf_field: context.csrf_field,
        heading: this.page.heading(context.t),
        error,
      }),
    });
  }

  /** Who is signed in, and the sign-out form. */
  bar(context: FormContext, biller: BillerRow): SafeHtml {
    return signedInBar(context.t, biller, `${this.page.path}/sign-out`, context.csrf_field);
  }

  /** The way back to the page, for the pages that only say what went wrong. */
  back(t: Messages): PageLink {
    return { href: this.page.path, label: this.page.heading(t) };
  }
}
