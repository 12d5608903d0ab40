import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, configurationMarkdownTable, parseConfig, type Environment } from './config.schema';

function problems(env: Environment): string[] {
  try {
    parseConfig(env, '/srv/payhub');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((problem) => problem.variable);
  }
  assert.fail('expected a ConfigError');
}

describe('configuration schema', () => {
  it('answers the documented defaults for an empty environment', () => {
    assert.deepEqual(parseConfig({}, '/srv/payhub'), {
      port: 3000,
      host: '127.0.0.1',
      database_url: null,
      data_dir: '/srv/payhub/.data',
      admin_token: null,
      public_url: 'http://127.0.0.1:3000',
      log_level: 'info',
      db_pool_max: 20,
      ledger_expiry_sweep_ms: 1000,
      receipt_key_encryption_key: null,
      jobs_polling_interval_ms: 2000,
      webhook_timeout_ms: 10000,
      webhook_retry_limit: 10,
      webhook_retry_delay_seconds: 90,
      webhook_retry_backoff: true,
    });
  });

  it('reads every variable', () => {
    const token = 'a'.repeat(24);
    const config = parseConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgresql://hub:p%40ss@db.internal:5432/payhub',
        HUB_DATA_DIR: '/var/lib/payhub',
        HUB_ADMIN_TOKEN: token,
        HUB_PUBLIC_URL: 'https://pay.example.vn/hub/',
        LOG_LEVEL: 'debug',
        DB_POOL_MAX: '5',
        LEDGER_EXPIRY_SWEEP_MS: '250',
        JOBS_POLLING_INTERVAL_MS: '750',
        WEBHOOK_TIMEOUT_MS: '3000',
        WEBHOOK_RETRY_LIMIT: '0',
        WEBHOOK_RETRY_DELAY_SECONDS: '5',
        WEBHOOK_RETRY_BACKOFF: 'false',
      },
      '/srv/payhub',
    );
    assert.deepEqual(config, {
      port: 8080,
      host: '0.0.0.0',
      database_url: 'postgresql://hub:p%40ss@db.internal:5432/payhub',
      data_dir: '/var/lib/payhub',
      admin_token: token,
      public_url: 'https://pay.example.vn/hub',
      log_level: 'debug',
      db_pool_max: 5,
      ledger_expiry_sweep_ms: 250,
      receipt_key_encryption_key: null,
      jobs_polling_interval_ms: 750,
      webhook_timeout_ms: 3000,
      webhook_retry_limit: 0,
      webhook_retry_delay_seconds: 5,
      webhook_retry_backoff: false,
    });
  });

  it('derives the default public URL from PORT and resolves HUB_DATA_DIR against the working directory', () => {
    const config = parseConfig({ PORT: '4000', HUB_DATA_DIR: 'state' }, '/srv/payhub');
    assert.equal(config.public_url, 'http://127.0.0.1:4000');
    assert.equal(config.data_dir, resolve('/srv/payhub', 'state'));
  });

  it('treats an empty value as unset', () => {
    const config = parseConfig({ PORT: '', DATABASE_URL: ' ', HUB_ADMIN_TOKEN: '' }, '/srv/payhub');
    assert.equal(config.port, 3000);
    assert.equal(config.database_url, null);
    assert.equal(config.admin_token, null);
  });

  it('names the variable for each bad value', () => {
    const cases: [Environment, string][] = [
      [{ PORT: 'abc' }, 'PORT'],
      [{ PORT: '65536' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ PORT: '80.5' }, 'PORT'],
      [{ HOST: 'local host' }, 'HOST'],
      [{ DATABASE_URL: 'mysql://db/payhub' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ HUB_ADMIN_TOKEN: 'a'.repeat(23) }, 'HUB_ADMIN_TOKEN'],
      [{ HUB_ADMIN_TOKEN: 'a'.repeat(20) + ' ' + 'a'.repeat(20) }, 'HUB_ADMIN_TOKEN'],
      [{ HUB_PUBLIC_URL: 'ftp://example.vn' }, 'HUB_PUBLIC_URL'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ LOG_LEVEL: 'INFO' }, 'LOG_LEVEL'],
      [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
      [{ DB_POOL_MAX: 'many' }, 'DB_POOL_MAX'],
      [{ LEDGER_EXPIRY_SWEEP_MS: '5' }, 'LEDGER_EXPIRY_SWEEP_MS'],
      [{ LEDGER_EXPIRY_SWEEP_MS: '1e3' }, 'LEDGER_EXPIRY_SWEEP_MS'],
      [{ JOBS_POLLING_INTERVAL_MS: '100' }, 'JOBS_POLLING_INTERVAL_MS'],
      [{ WEBHOOK_TIMEOUT_MS: '0' }, 'WEBHOOK_TIMEOUT_MS'],
      [{ WEBHOOK_RETRY_LIMIT: '31' }, 'WEBHOOK_RETRY_LIMIT'],
      [{ WEBHOOK_RETRY_DELAY_SECONDS: '-1' }, 'WEBHOOK_RETRY_DELAY_SECONDS'],
      [{ WEBHOOK_RETRY_BACKOFF: 'yes' }, 'WEBHOOK_RETRY_BACKOFF'],
    ];
    for (const [env, variable] of cases) assert.deepEqual(problems(env), [variable], JSON.stringify(env));
  });

  it('reports every bad variable at once, in one message that names each', () => {
    assert.deepEqual(problems({ PORT: 'abc', LOG_LEVEL: 'loud', DB_POOL_MAX: '0' }), [
      'PORT',
      'LOG_LEVEL',
      'DB_POOL_MAX',
    ]);
    assert.throws(
      () => parseConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }),
      (error: Error) =>
        /PORT/.test(error.message) && /LOG_LEVEL/.test(error.message) && /"abc"/.test(error.message),
    );
  });

  it('never echoes the value of a secret in its message', () => {
    const secrets = { DATABASE_URL: 'mysql://root:hunter2@db/x', HUB_ADMIN_TOKEN: 'tooshort-hunter3' };
    assert.throws(
      () => parseConfig(secrets),
      (error: Error) => !error.message.includes('hunter2') && !error.message.includes('hunter3'),
    );
  });

  it('is documented in docs/configuration.md by the table generated from the schema', () => {
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const table = configurationMarkdownTable();
    assert.ok(docs.includes(table), `docs/configuration.md must contain this table:\n${table}`);
  });
});
