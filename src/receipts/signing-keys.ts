// The Ed25519 keys that sign receipts as compact JWS (EdDSA, with `kid`): created on first start,
// rotated by `payhub keys rotate`, shared by every hub process through the database with the private
// half sealed under the KEK; retired keys stay in the JWKS so old receipts keep verifying.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as signBytes,
  type KeyObject,
} from 'node:crypto';
import {
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  errors as joseErrors,
  type ProtectedHeaderParameters,
} from 'jose';
import { openPrivateKey, sealPrivateKey, type KeyEncryptionKey } from './key-encryption';
import type { ReceiptsRepository, SigningKeyRow } from './receipts.repository';

export const JWS_ALGORITHM = 'EdDSA';
/** The JWKS lists at most this many keys: decades of yearly rotations. */
export const JWKS_KEYS_MAX = 100;

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof JWS_ALGORITHM;
  use: 'sig';
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export type VerifyFailure = 'malformed' | 'unknown_kid' | 'bad_signature';

export type VerifiedJws =
  | { ok: true; typ: string | undefined; kid: string; payload: Record<string, unknown> }
  | { ok: false; reason: VerifyFailure };

/** Thrown at start-up (and by the CLI) when this process cannot open the keys the database holds. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

function toPublicJwk(row: SigningKeyRow): PublicJwk {
  return { ...row.public_jwk, kid: row.kid, alg: JWS_ALGORITHM, use: 'sig' };
}

export class ReceiptSigningKeys {
  /** Opened private keys by kid: the database and the KEK are read once per key per process. */
  private readonly opened = new Map<string, KeyObject>();

  constructor(
    private readonly repository: ReceiptsRepository,
    private readonly kek: KeyEncryptionKey,
  ) {}

  /** The active key, creating the first one if there is none; fails if it was sealed under another KEK. */
  async ensureActiveKey(): Promise<SigningKeyRow> {
    const active =
      (await this.repository.findActiveKey()) ??
      (await this.repository.withSigningKeyLock(
        async () => (await this.repository.findActiveKey()) ?? this.createKey(),
      ));
    this.open(active);
    return active;
  }

  /** Whether this process can sign with the active key, without throwing: for start-up's report. */
  async check(): Promise<{ kid: string; usable: true } | { kid: string; usable: false; problem: string }> {
    const active = await this.repository.findActiveKey();
    if (!active) return { kid: (await this.ensureActiveKey()).kid, usable: true };
    try {
      this.open(active);
      return { kid: active.kid, usable: true };
    } catch (error) {
      if (!(error instanceof SigningKeyError)) throw error;
      return { kid: active.kid, usable: false, problem: error.message };
    }
  }

  /** Retires the active key (it still verifies) and makes a new one active; answers both kids. */
  async rotate(): Promise<{ retired: string | null; active: string }> {
    return this.repository.withSigningKeyLock(async () => {
      const old = await this.repository.findActiveKey();
      if (old) this.assertSameKek(old);
      await this.repository.retireActiveKey();
      const created = await this.createKey();
      return { retired: old?.kid ?? null, active: created.kid };
    });
  }

  /** Signs with the key active now (read each time: another process may have rotated it). */
  async sign(payload: Record<string, unknown>, typ: string): Promise<{ jws: string; kid: string }> {
    const [signed] = this.signAllWith(await this.ensureActiveKey(), [payload], typ);
    return signed!;
  }

  /**
   * Signs with this key row (the active key, read by the caller in its own round trip; null: read
   * it now). A compact JWS as RFC 7515 writes it: BASE64URL(header) '.' BASE64URL(payload) '.'
   * BASE64URL(Ed25519 signature), in this thread (Ed25519 signs in microseconds; WebCrypto's async
   * hop cost more than the signature). Verified by jose (verify) like any other JWS.
   */
  signAllWith(
    key: SigningKeyRow,
    payloads: ReadonlyArray<Record<string, unknown>>,
    typ: string,
  ): Array<{ jws: string; kid: string }> {
    if (key.status !== 'active') throw new Error(`signing key ${key.kid} is ${key.status}`);
    const opened = this.open(key);
    const header = base64url(JSON.stringify({ alg: JWS_ALGORITHM, kid: key.kid, typ }));
    return payloads.map((payload) => {
      const input = `${header}.${base64url(JSON.stringify(payload))}`;
      const signature = signBytes(null, Buffer.from(input, 'ascii'), opened).toString('base64url');
      return { jws: `${input}.${signature}`, kid: key.kid };
    });
  }

  /** Checks a compact JWS against the hub's own keys, active or retired. */
  async verify(jws: string): Promise<VerifiedJws> {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (header.alg !== JWS_ALGORITHM || typeof header.kid !== 'string' || jws.split('.').length !== 3) {
      return { ok: false, reason: 'malformed' };
    }
    const row = await this.repository.findKey(header.kid);
    if (!row) return { ok: false, reason: 'unknown_kid' };
    let payload: unknown;
    try {
      const verified = await compactVerify(jws, createPublicKey({ key: row.public_jwk, format: 'jwk' }), {
        algorithms: [JWS_ALGORITHM],
      });
      payload = JSON.parse(new TextDecoder().decode(verified.payload));
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        return { ok: false, reason: 'bad_signature' };
      return { ok: false, reason: 'malformed' };
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return { ok: false, reason: 'malformed' };
    return { ok: true, typ: header.typ, kid: row.kid, payload: payload as Record<string, unknown> };
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return { keys: (await this.repository.listKeys(JWKS_KEYS_MAX)).map(toPublicJwk) };
  }

  private async createKey(): Promise<SigningKeyRow> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const public_jwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x! } as const;
    const kid = await calculateJwkThumbprint(public_jwk, 'sha256');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const row = await this.repository.insertActiveKey({
      kid,
      public_jwk,
      private_key_sealed: sealPrivateKey(this.kek, kid, der),
      kek_id: this.kek.id,
    });
    der.fill(0);
    this.opened.set(kid, privateKey);
    return row;
  }

  private assertSameKek(row: SigningKeyRow): void {
    if (row.kek_id !== this.kek.id) {
      // Names the setting, never a key.
      throw new SigningKeyError(
        `the receipt signing key ${row.kid} was sealed under another key-encryption key; give every hub ` +
          'process the same RECEIPT_KEY_ENCRYPTION_KEY (or the same HUB_DATA_DIR/receipt-kek)',
      );
    }
  }

  private open(row: SigningKeyRow): KeyObject {
    const cached = this.opened.get(row.kid);
    if (cached) return cached;
    this.assertSameKek(row);
    const der = openPrivateKey(this.kek, row.kid, row.private_key_sealed);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    this.opened.set(row.kid, key);
    return key;
  }
}
