// The KEK that seals receipt signing keys: generated once with mode 0600 and reused, and a sealed key
// opens only under the same KEK and the same kid.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KEK_FILE, openPrivateKey, resolveKeyEncryptionKey, sealPrivateKey } from './key-encryption';

describe('receipt key-encryption key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhub-kek-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fromFile = () => resolveKeyEncryptionKey({ data_dir: dir, receipt_key_encryption_key: null });

  it('is generated once into HUB_DATA_DIR with mode 0600, then read back', () => {
    const created = fromFile();
    assert.equal(created.created, true);
    assert.equal(statSync(join(dir, KEK_FILE)).mode & 0o777, 0o600);
    const again = fromFile();
    assert.equal(again.created, false);
    assert.deepEqual(again.key, created.key);
    assert.equal(again.id, created.id);
  });

  it('comes from RECEIPT_KEY_ENCRYPTION_KEY when set, with another id than the file’s', () => {
    const configured = resolveKeyEncryptionKey({
      data_dir: dir,
      receipt_key_encryption_key: 'ab'.repeat(32),
    });
    assert.equal(configured.path, null);
    assert.deepEqual(configured.key, Buffer.alloc(32, 0xab));
    assert.notEqual(configured.id, fromFile().id);
  });

  it('opens a sealed key only with the same KEK and kid', () => {
    const kek = fromFile();
    const other = resolveKeyEncryptionKey({ data_dir: dir, receipt_key_encryption_key: 'cd'.repeat(32) });
    const plain = Buffer.from('a private key, in PKCS#8 DER');
    const sealed = sealPrivateKey(kek, 'kid-1', plain);
    assert.ok(!sealed.includes(plain));
    assert.deepEqual(openPrivateKey(kek, 'kid-1', sealed), plain);
    assert.throws(() => openPrivateKey(kek, 'kid-2', sealed));
    assert.throws(() => openPrivateKey(other, 'kid-1', sealed));
  });
});
