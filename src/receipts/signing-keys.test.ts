// The receipt signer writes the compact JWS itself (node:crypto, no async hop): it must be exactly the
// JWS jose would write for the same key, header and payload (Ed25519 is deterministic), and verify.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompactSign, compactVerify } from 'jose';
import { sealPrivateKey, type KeyEncryptionKey } from './key-encryption';
import type { ReceiptsRepository, SigningKeyRow } from './receipts.repository';
import { JWS_ALGORITHM, ReceiptSigningKeys } from './signing-keys';

describe('receipt signing keys', () => {
  const kek: KeyEncryptionKey = { key: randomBytes(32), id: 'test-kek', created: false, path: null };
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const row: SigningKeyRow = {
    kid: 'kid-under-test',
    public_jwk: { kty: 'OKP', crv: 'Ed25519', x: publicKey.export({ format: 'jwk' }).x! },
    private_key_sealed: sealPrivateKey(
      kek,
      'kid-under-test',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
    ),
    kek_id: kek.id,
    status: 'active',
    created_at: new Date(),
    retired_at: null,
  };
  const keys = new ReceiptSigningKeys({} as ReceiptsRepository, kek);

  it('writes the same compact JWS as jose, byte for byte, and jose verifies it', async () => {
    const payloads = [
      { iss: 'https://hub.example.vn', number: '0000042', amount: '150000', payer: 'Nguyễn Văn An' },
      { nested: { lines: [{ fee_name: 'Lệ phí “hộ tịch”', amount: '20000' }] }, emoji: '🧾', n: 7 },
    ];
    const signed = keys.signAllWith(row, payloads, 'receipt+jws');
    assert.equal(signed.length, 2);
    for (const [index, payload] of payloads.entries()) {
      const expected = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: JWS_ALGORITHM, kid: row.kid, typ: 'receipt+jws' })
        .sign(privateKey);
      assert.equal(signed[index]!.jws, expected);
      assert.equal(signed[index]!.kid, row.kid);
      const verified = await compactVerify(signed[index]!.jws, publicKey, { algorithms: [JWS_ALGORITHM] });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(verified.payload)), payload);
      assert.deepEqual(verified.protectedHeader, { alg: 'EdDSA', kid: row.kid, typ: 'receipt+jws' });
    }
  });

  it('refuses to sign with a retired key', () => {
    assert.throws(
      () => keys.signAllWith({ ...row, status: 'retired' }, [{ a: 1 }], 'receipt+jws'),
      /retired/,
    );
  });
});
