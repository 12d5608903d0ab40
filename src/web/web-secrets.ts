// Keys for the pages (session cookies, CSRF tokens, signed checkout links), each derived with HKDF from
// the hub's one stored secret, the receipt key-encryption key (RECEIPT_KEY_ENCRYPTION_KEY, or the file
// HUB_DATA_DIR/receipt-kek: src/receipts/key-encryption.ts). Every hub process sharing that secret
// accepts the others' cookies and links; nothing derived here is ever logged or put in a page.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Module } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { resolveKeyEncryptionKey } from '../receipts/key-encryption';

/** What each derived key is for; a key never serves two purposes. */
export type WebKeyPurpose = 'session' | 'csrf' | 'checkout-link';

export function deriveWebKey(secret: Buffer, purpose: WebKeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `payhub web ${purpose} v1`, 32));
}

/** HMAC-SHA256 of `message`, base64url, cut to `bytes` (at least 16). */
export function mac(key: Buffer, message: string, bytes = 32): string {
  return createHmac('sha256', key).update(message, 'utf8').digest().subarray(0, bytes).toString('base64url');
}

/** Constant-time equality of two strings (false for different lengths). */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

@Injectable()
export class WebSecrets {
  readonly #keys: Record<WebKeyPurpose, Buffer>;

  constructor(@Inject(HUB_CONFIG) config: HubConfig, @Inject(HUB_LOGGER) logger: Logger) {
    const kek = resolveKeyEncryptionKey(config);
    // Whichever of the receipts and this module reads it first creates it: say so once (where, never what).
    if (kek.created) logger.info({ path: kek.path }, 'generated the receipt key-encryption key');
    const secret = kek.key;
    this.#keys = {
      session: deriveWebKey(secret, 'session'),
      csrf: deriveWebKey(secret, 'csrf'),
      'checkout-link': deriveWebKey(secret, 'checkout-link'),
    };
  }

  key(purpose: WebKeyPurpose): Buffer {
    return this.#keys[purpose];
  }
}

/**
 * The link a biller gives the payer: `HUB_PUBLIC_URL/pay/<bill id>?sig=<HMAC of the id>`. The bill id
 * alone is unguessable too, but the signature makes the hub, not the id's secrecy, vouch for the link,
 * and lets a biller's leaked id list open nothing.
 */
@Injectable()
export class CheckoutLinks {
  constructor(
    private readonly secrets: WebSecrets,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  signature(bill_id: string): string {
    return mac(this.secrets.key('checkout-link'), `checkout:${bill_id}`, 16);
  }

  verify(bill_id: string, sig: unknown): boolean {
    return typeof sig === 'string' && sameText(sig, this.signature(bill_id));
  }

  /** The checkout page's path with its signature (no host): `/pay/<id>?sig=…`. */
  path(bill_id: string, sub = ''): string {
    return `/pay/${encodeURIComponent(bill_id)}${sub}?sig=${this.signature(bill_id)}`;
  }

  /** The absolute link: the checkout (`checkout_url`), or one of its sub-pages (`/return`). */
  url(bill_id: string, sub = ''): string {
    return `${this.config.public_url}${this.path(bill_id, sub)}`;
  }
}

/** WebSecrets and CheckoutLinks, for the pages and for the bills API (which answers `checkout_url`). */
@Module({ providers: [WebSecrets, CheckoutLinks], exports: [WebSecrets, CheckoutLinks] })
export class WebSecretsModule {}
