// `payhub qr decode` as operators run it: the real bin/payhub.js in a child process, with no database
// reachable and no configuration set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadVietQrVectors } from '../../adapters/vietqr/vietqr.vectors';
import { payhub } from './support/hub';

// An unreachable database and an unset data directory: the command must need neither.
const ENV = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', HUB_DATA_DIR: '/nonexistent/payhub' };

describe('payhub qr decode', () => {
  const vector = loadVietQrVectors().payloads[2]!;

  it('prints the fields as JSON, the amount as a string, and exits 0', async () => {
    const result = await payhub(['qr', 'decode', `--payload=${vector.payload}`], ENV);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { ok: boolean; value: Record<string, unknown> };
    assert.equal(printed.ok, true);
    assert.equal(printed.value.bin, vector.bin);
    assert.equal(printed.value.account, vector.account);
    assert.equal(printed.value.amount, String(vector.amount));
    assert.equal(printed.value.bill_number, vector.bill_number);
    assert.equal(printed.value.purpose, vector.purpose);
  });

  it('prints the reason and exits 1 for a corrupted payload', async () => {
    const corrupted = vector.payload.replace('50000', '90000');
    const result = await payhub(['qr', 'decode', '--compact', `--payload=${corrupted}`], ENV);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 1, '--compact prints one line');
    assert.deepEqual(
      { ...(JSON.parse(result.stdout) as object), detail: undefined },
      { ok: false, reason: 'crc_mismatch', detail: undefined },
    );
  });

  it('takes the payload as an argument, as operators type it, whatever the configuration says', async () => {
    const result = await payhub(['qr', 'decode', vector.payload], { ...ENV, LOG_LEVEL: 'loud', PORT: 'abc' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      (JSON.parse(result.stdout) as { value: { amount: string } }).value.amount,
      String(vector.amount),
    );
    const corrupted = await payhub(['qr', 'decode', vector.payload.slice(0, -1)], ENV);
    assert.equal(corrupted.code, 1);
    assert.equal((JSON.parse(corrupted.stdout) as { ok: boolean }).ok, false);
  });

  it('refuses a second argument', async () => {
    const result = await payhub(['qr', 'decode', vector.payload, 'extra'], ENV);
    assert.equal(result.code, 2);
  });

  it('exits 2 without a payload', async () => {
    const result = await payhub(['qr', 'decode'], ENV);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
  });
});
