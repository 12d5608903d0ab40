// A payment's state as a person is told it (the checkout's payer, the counter's merchant), shared by
// both pages: the intent's status mapped to what people read, the view a page renders first and its
// script (status.js, counter.js) keeps current from the status JSON, and the notice that shows it.
import { html, type SafeHtml } from './html';

export type PayState = 'paid' | 'processing' | 'pending' | 'failed' | 'expired';

export function payStateOf(intent_status: string): PayState {
  switch (intent_status) {
    case 'succeeded':
      return 'paid';
    case 'processing':
      return 'processing';
    case 'requires_action':
      return 'pending';
    case 'expired':
      return 'expired';
    default:
      return 'failed';
  }
}

export type Tone = 'ok' | 'warn' | 'bad';

/** What the page's script shows, and what the first render shows: the same texts either way. */
export interface StateView {
  state: PayState;
  tone: Tone;
  title: string;
  text: string;
  link_url: string | null;
  link_label: string | null;
}

/** The view of a state from each state's [title, text, tone] and the link it offers, if any. */
export function viewOf(
  state: PayState,
  texts: Record<PayState, [string, string, Tone]>,
  link: { url: string; label: string } | null,
): StateView {
  const [title, text, tone] = texts[state];
  return { state, tone, title, text, link_url: link?.url ?? null, link_label: link?.label ?? null };
}

/** How a page shows its state notice (the script that updates it keeps the same classes). */
export interface NoticeLook {
  /** How a change is announced. */
  readonly live: 'polite' | 'assertive';
  /** A class after `notice <tone>`. */
  readonly extra_class?: string;
  /** The link's class. */
  readonly link_class?: string;
  /** How often status.js asks, in ms (its default: 2,000). */
  readonly poll_ms?: number;
}

/** The state notice; with a poll URL, the page's script updates it in place. */
export function stateNotice(view: StateView, poll_url: string | null, look: NoticeLook): SafeHtml {
  return html`<div
    class="notice ${view.tone}${look.extra_class ? ` ${look.extra_class}` : ''}"
    role="status"
    aria-live="${look.live}"
    data-state="${view.state}"
    ${poll_url ? html` data-poll-url="${poll_url}"` : ''}
    ${poll_url && look.poll_ms ? html` data-poll-ms="${String(look.poll_ms)}"` : ''}
  >
    <p><strong data-part="title">${view.title}</strong></p>
    <p data-part="text">${view.text}</p>
    <p>
      <a
        ${look.link_class ? html`class="${look.link_class}"` : ''}
        data-part="link"
        href="${view.link_url ?? '#'}"
        ${view.link_url ? '' : html` hidden`}
        >${view.link_label ?? ''}</a
      >
    </p>
  </div>`;
}
