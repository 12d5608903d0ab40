// What every page handler starts and ends with: the request's language and dictionary, its session and
// CSRF token when it shows a form, and sending the laid-out page with the pages' headers. The static
// files (one stylesheet, small scripts) are read once from src/web/assets and served by name only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Injectable, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assetVersion, html, layout, type SafeHtml } from './html';
import { type Lang, messages, type Messages } from './i18n';
import { CSRF_FIELD, type WebSession, WebSessions } from './session';
import { hereOf, sendPage } from './web-http';

const ASSET_TYPES: Readonly<Record<string, string>> = {
  'web.css': 'text/css; charset=utf-8',
  'status.js': 'application/javascript; charset=utf-8',
  'verify.js': 'application/javascript; charset=utf-8',
  'counter.js': 'application/javascript; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

export interface PageContext {
  readonly lang: Lang;
  readonly t: Messages;
  /** This page's path and query. */
  readonly here: string;
}

export interface FormContext extends PageContext {
  readonly session: WebSession;
  /** `<input type="hidden" name="_csrf" value="…">` for this session. */
  readonly csrf_field: SafeHtml;
}

/** A link back, as a page that only says what went wrong offers it. */
export interface PageLink {
  readonly href: string;
  readonly label: string;
}

export interface PageContent {
  readonly title: string;
  readonly status: string;
  readonly body: SafeHtml;
  readonly scripts?: readonly string[];
}

@Injectable()
export class WebPages {
  readonly #assets = new Map<string, Asset>();

  constructor(readonly sessions: WebSessions) {
    for (const [name, type] of Object.entries(ASSET_TYPES)) {
      const body = readFileSync(join(__dirname, 'assets', name));
      this.#assets.set(name, { body, type, version: assetVersion(body) });
    }
  }

  asset(name: string): Asset | undefined {
    return this.#assets.get(name);
  }

  /** `/assets/<name>?v=<hash>`: a changed file gets a new URL, so it can be cached for long. */
  assetUrl = (name: string): string => {
    const asset = this.#assets.get(name);
    if (!asset) throw new Error(`no such page asset: ${name}`);
    return `/assets/${name}?v=${asset.version}`;
  };

  context(request: FastifyRequest, reply: FastifyReply): PageContext {
    const lang = this.sessions.language(request, reply);
    return { lang, t: messages(lang), here: hereOf(request) };
  }

  /** A page with a POST form: ensures a session cookie and gives its CSRF field. */
  formContext(request: FastifyRequest, reply: FastifyReply): FormContext {
    const session = this.sessions.ensure(request, reply);
    return {
      ...this.context(request, reply),
      session,
      csrf_field: html`<input
        type="hidden"
        name="${CSRF_FIELD}"
        value="${this.sessions.csrfToken(session)}"
      />`,
    };
  }

  send(reply: FastifyReply, context: PageContext, status: number, content: PageContent): void {
    sendPage(
      reply,
      status,
      layout({ ...content, lang: context.lang, here: context.here, asset: this.assetUrl }),
    );
  }

  /** A page that only says what went wrong (and what to do), with an optional way back. */
  sendMessage(
    reply: FastifyReply,
    context: PageContext,
    status: number,
    message: { state: string; title: string; text: string; back?: PageLink },
  ): void {
    this.send(reply, context, status, {
      title: message.title,
      status: message.state,
      body: html`<h1>${message.title}</h1>
        <div class="notice bad" role="alert"><p>${message.text}</p></div>
        ${message.back ? html`<p><a class="button secondary" href="${message.back.href}">${message.back.label}</a></p>` : ''}`,
    });
  }

  /** 404: no such thing here (or not this visitor's), with an optional way back. */
  sendNotFound(reply: FastifyReply, context: PageContext, back?: PageLink): void {
    this.sendMessage(reply, context, 404, {
      state: 'not_found',
      title: context.t.not_found_title,
      text: context.t.not_found_text,
      back,
    });
  }

  /** 403: a POST whose CSRF token is missing or wrong; it changed nothing. */
  sendFormExpired(reply: FastifyReply, context: PageContext, back: PageLink): void {
    this.sendMessage(reply, context, 403, {
      state: 'form_expired',
      title: context.t.form_expired_title,
      text: context.t.form_expired_text,
      back,
    });
  }
}

@ApiTags('pages')
@Controller('assets')
export class WebAssetsController {
  constructor(private readonly pages: WebPages) {}

  @Get(':name')
  @ApiOperation({
    summary: 'The pages’ stylesheet and scripts (web.css, status.js, verify.js), by name only.',
  })
  @ApiOkResponse({ description: 'The file; cached for a year when ?v= is its current version.' })
  @ApiNotFoundResponse({ description: 'No such file.' })
  serve(@Param('name') name: string, @Query('v') version: unknown, @Res() reply: FastifyReply): void {
    const asset = this.pages.asset(name);
    if (!asset) throw new NotFoundException();
    void reply
      .header('content-type', asset.type)
      .header('x-content-type-options', 'nosniff')
      .header(
        'cache-control',
        version === asset.version ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      )
      .send(asset.body);
  }
}
