// The pages' one escaping helper and their one layout: server-rendered HTML from template literals, no
// framework. `html\`…\`` escapes every interpolated value unless it is itself `html` (or `raw`), so a
// page is safe by construction; the layout is the same for every page (checkout, receipts, and the
// merchant and agency pages built on it): language switch, skip link, one stylesheet, scripts by name.
import { createHash } from 'node:crypto';
import type { Lang } from './i18n';
import { messages } from './i18n';

/** Markup that is already safe: made by `html` or, for trusted constants only, by `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped (arrays joined, null/undefined/false left out). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => (out += render(value) + (strings[index + 1] ?? '')));
  return new SafeHtml(out);
}

/** Trusted markup from the code itself (an SVG the QR encoder drew), never from a request or a row. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** 1234567 -> "1.234.567 ₫" (Vietnamese grouping), from an integer amount without a float. */
export function formatDong(amount: bigint | number | string): string {
  return `${BigInt(amount)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.')} ₫`;
}

/** A column of a data table: its heading, and whether it holds figures (right-aligned). */
export interface Column {
  readonly label: string;
  readonly num?: boolean;
}

/** A table of rows under column headings, with a caption and an optional foot. */
export function dataTable(table: {
  readonly caption: unknown;
  readonly columns: readonly Column[];
  readonly rows: unknown;
  readonly foot?: SafeHtml;
  /** Attributes of the `<table>` element (data-* for tests and tools). */
  readonly attributes?: SafeHtml;
}): SafeHtml {
  const headings = table.columns.map(
    (column) => html`<th scope="col" ${column.num ? html`class="num"` : ''}>${column.label}</th>`,
  );
  return html`<table ${table.attributes ?? ''}>
    <caption>
      ${table.caption}
    </caption>
    <thead>
      <tr>
        ${headings}
      </tr>
    </thead>
    <tbody>
      ${table.rows}
    </tbody>
    ${
      table.foot
        ? html`<tfoot>
            ${table.foot}
          </tfoot>`
        : ''
    }
  </table>`;
}

/** The hub's static files for the pages (src/web/assets), with a content hash for long caching. */
export interface AssetUrls {
  (name: string): string;
}

export function assetVersion(content: Buffer): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 10);
}

export interface PageInput {
  readonly lang: Lang;
  readonly title: string;
  /** The page's state for people and tests alike: `<main data-status>`. */
  readonly status: string;
  readonly body: SafeHtml;
  /** The path and query of this page, for the language switch (it keeps the query, e.g. a link's sig). */
  readonly here: string;
  /** Script file names under /assets/, loaded deferred. */
  readonly scripts?: readonly string[];
  readonly asset: AssetUrls;
}

/** `here` with `lang` set to the other language. */
export function switchLanguageHref(here: string, to: Lang): string {
  const url = new URL(here, 'http://page.invalid');
  url.searchParams.set('lang', to);
  return `${url.pathname}${url.search}`;
}

export function layout(page: PageInput): string {
  const t = messages(page.lang);
  const other: Lang = page.lang === 'vi' ? 'en' : 'vi';
  const scripts = (page.scripts ?? []).map(
    (name) => html`<script src="${page.asset(name)}" defer></script> `,
  );
  return html`<!doctype html>
    <html lang="${page.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${page.title} · ${t.site_name}</title>
        <link rel="stylesheet" href="${page.asset('web.css')}" />
        ${scripts}
      </head>
      <body>
        <a class="skip" href="#main">${t.skip_to_content}</a>
        <header class="site">
          <p class="brand">${t.site_name}</p>
          <nav aria-label="${t.language}">
            <a href="${switchLanguageHref(page.here, other)}" lang="${other}" hreflang="${other}"
              >${messages(other).switch_to}</a
            >
          </nav>
        </header>
        <main id="main" tabindex="-1" data-status="${page.status}">${page.body}</main>
        <footer class="site"><p>${t.footer}</p></footer>
      </body>
    </html> `.value;
}
