// Signing a biller in to its pages (the merchant counter, the agency dashboard) with one of its API
// keys: the key is posted once (CSRF-checked), looked up by its SHA-256 hash as the API does, and only
// the biller's id is kept in the signed session cookie (a new session id, WebSessions.renew); the key
// itself is never stored, logged or echoed. Each page admits the biller kinds it is for.
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey, looksLikeApiKey } from '../billers/api-key-material';
import { type BillerKind, type BillerRow, BillersRepository } from '../billers/billers.repository';
import { html, type SafeHtml } from './html';
import type { Messages } from './i18n';
import { WebSessions } from './session';

/** The session field that names the signed-in biller. */
export const SESSION_BILLER = 'biller';

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
    this.sessions.renew(reply, { [SESSION_BILLER]: biller.id });
    return { ok: true, biller };
  }

  /** The signed-in biller of one of these kinds, or null (no session, another kind, a deleted biller). */
  async current(request: FastifyRequest, kinds: readonly BillerKind[]): Promise<BillerRow | null> {
    const id = this.sessions.read(request)?.data[SESSION_BILLER];
    if (!id) return null;
    const biller = await this.billers.findBiller(id);
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
