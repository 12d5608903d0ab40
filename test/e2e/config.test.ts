import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from './support/hub';

const START = ['--require', '@swc-node/register', 'src/main.ts'];

describe('start-up with a bad configuration', () => {
  it('exits 1 naming PORT when PORT=abc, without a stack trace', async () => {
    const result = await run(START, { PORT: 'abc' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\bPORT\b/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.equal(result.stdout, '', 'nothing started, so nothing was logged');
  });

  it('exits 1 naming every bad variable, and never echoes a secret', async () => {
    const secret = 'short-secret';
    const result = await run(START, { LOG_LEVEL: 'loud', HUB_ADMIN_TOKEN: secret, DB_POOL_MAX: '0' });
    assert.equal(result.code, 1);
    for (const variable of ['LOG_LEVEL', 'HUB_ADMIN_TOKEN', 'DB_POOL_MAX'])
      assert.match(result.stderr, new RegExp(variable));
    assert.ok(!result.stderr.includes(secret), result.stderr);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
