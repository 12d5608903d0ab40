import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, configurationMarkdownTable, parseConfig, type Environment } from './config.schema';

/** Every gateway configured, with production-shaped values. */
const GATEWAY_ENV: Environment = {
  VNPAY_TMN_CODE: 'PAYHUB01',
  VNPAY_HASH_SECRET: 'vnpay-hash-secret-x1',
  VNPAY_PAY_URL: 'https://pay.vnpay.vn/vpcpay.html',
  VNPAY_API_URL: 'https://merchant.vnpay.vn/merchant_webapi/api/transaction',
  MOMO_PARTNER_CODE: 'MOMOPAYHUB',
  MOMO_ACCESS_KEY: 'momo-access-key-x2',
  MOMO_SECRET_KEY: 'momo-secret-key-x3',
  MOMO_ENDPOINT: 'https://payment.momo.vn/v2/gateway/api/',
  ZALOPAY_APP_ID: '2553',
  ZALOPAY_KEY1: 'zalopay-key1-x4',
  ZALOPAY_KEY2: 'zalopay-key2-x5',
  ZALOPAY_ENDPOINT: 'https://openapi.zalopay.vn/v2',
  VIETQR_BIN: '970436',
  VIETQR_ACCOUNT_NO: '0011001234567',
  VIETQR_ACCOUNT_NAME: 'Sở Tài chính',
  BANK_NOTIFY_SECRET: 'bank-notify-secret-x6',
};

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
      janitor_query_after_seconds: 900,
      janitor_interval_seconds: 60,
      gateway_fees: null,
      fee_bearer: 'hub',
      refund_receipts: 'cancel_when_full',
      gateways: { vnpay: null, momo: null, zalopay: null, vietqr: null },
      recon_drop_dir: null,
      recon_cron: '30 6 * * *',
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
        JANITOR_QUERY_AFTER_SECONDS: '0',
        JANITOR_INTERVAL_SECONDS: '0',
        GATEWAY_FEES:
          '{"vnpay":{"gateway_choice":{"percent":"1.1","min":"2000"}},"momo":{"wallet":{"fixed":1500}}}',
        FEE_BEARER: 'biller',
        REFUND_RECEIPTS: 'refund_receipt',
        RECON_DROP_DIR: 'drop',
        RECON_CRON: '15 7 * * 1-5',
        ...GATEWAY_ENV,
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
      janitor_query_after_seconds: 0,
      janitor_interval_seconds: 0,
      gateway_fees: {
        vnpay: { gateway_choice: { percent: '1.1', fixed: undefined, min: 2000n, max: undefined } },
        momo: { wallet: { percent: undefined, fixed: 1500n, min: undefined, max: undefined } },
      },
      fee_bearer: 'biller',
      recon_drop_dir: '/srv/payhub/drop',
      recon_cron: '15 7 * * 1-5',
      refund_receipts: 'refund_receipt',
      gateways: {
        vnpay: {
          tmn_code: 'PAYHUB01',
          hash_secret: 'vnpay-hash-secret-x1',
          pay_url: 'https://pay.vnpay.vn/vpcpay.html',
          api_url: 'https://merchant.vnpay.vn/merchant_webapi/api/transaction',
        },
        momo: {
          partner_code: 'MOMOPAYHUB',
          access_key: 'momo-access-key-x2',
          secret_key: 'momo-secret-key-x3',
          endpoint: 'https://payment.momo.vn/v2/gateway/api',
        },
        zalopay: {
          app_id: 2553,
          key1: 'zalopay-key1-x4',
          key2: 'zalopay-key2-x5',
          endpoint: 'https://openapi.zalopay.vn/v2',
        },
        vietqr: {
          bin: '970436',
          account_no: '0011001234567',
          account_name: 'Sở Tài chính',
          notify_secret: 'bank-notify-secret-x6',
        },
      },
    });
  });

  it('configures a gateway all or nothing, naming each missing variable', () => {
    assert.deepEqual(problems({ VNPAY_TMN_CODE: 'PAYHUB01', VNPAY_HASH_SECRET: 'x' }), [
      'VNPAY_PAY_URL',
      'VNPAY_API_URL',
    ]);
    assert.deepEqual(problems({ BANK_NOTIFY_SECRET: 'x' }), [
      'VIETQR_BIN',
      'VIETQR_ACCOUNT_NO',
      'VIETQR_ACCOUNT_NAME',
    ]);
    assert.deepEqual(problems({ ...GATEWAY_ENV, MOMO_ACCESS_KEY: '' }), ['MOMO_ACCESS_KEY']);
    // One gateway set and the others left to their simulators is the normal partial roll-out.
    const only = parseConfig({
      ZALOPAY_APP_ID: '1',
      ZALOPAY_KEY1: 'a',
      ZALOPAY_KEY2: 'b',
      ZALOPAY_ENDPOINT: 'http://zp.local/v2/',
    });
    assert.deepEqual(only.gateways.zalopay, {
      app_id: 1,
      key1: 'a',
      key2: 'b',
      endpoint: 'http://zp.local/v2',
    });
    assert.equal(only.gateways.vnpay, null);
  });

  it('names the gateway variable for each bad value and never echoes a gateway secret', () => {
    const cases: [Environment, string][] = [
      [{ VNPAY_TMN_CODE: 'PAYHUB1' }, 'VNPAY_TMN_CODE'],
      [{ VNPAY_PAY_URL: 'ftp://pay.vnpay.vn' }, 'VNPAY_PAY_URL'],
      [{ MOMO_ENDPOINT: 'momo' }, 'MOMO_ENDPOINT'],
      [{ ZALOPAY_APP_ID: '0' }, 'ZALOPAY_APP_ID'],
      [{ VIETQR_BIN: '97043' }, 'VIETQR_BIN'],
      [{ VIETQR_ACCOUNT_NO: '001-100' }, 'VIETQR_ACCOUNT_NO'],
      [{ VIETQR_ACCOUNT_NAME: 'Sở Tài chính tỉnh Bình Dương mới' }, 'VIETQR_ACCOUNT_NAME'],
    ];
    for (const [env, variable] of cases)
      assert.deepEqual(problems({ ...GATEWAY_ENV, ...env }), [variable], JSON.stringify(env));
    const secrets = [
      'VNPAY_HASH_SECRET',
      'MOMO_ACCESS_KEY',
      'MOMO_SECRET_KEY',
      'ZALOPAY_KEY1',
      'ZALOPAY_KEY2',
    ];
    for (const name of [...secrets, 'BANK_NOTIFY_SECRET']) {
      assert.throws(
        () => parseConfig({ [name]: 'hunter4-secret' }),
        (error: Error) => error instanceof ConfigError && !error.message.includes('hunter4'),
        name,
      );
    }
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
      [{ JANITOR_QUERY_AFTER_SECONDS: '-1' }, 'JANITOR_QUERY_AFTER_SECONDS'],
      [{ JANITOR_INTERVAL_SECONDS: '86401' }, 'JANITOR_INTERVAL_SECONDS'],
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

  it('refuses a fee table that is not JSON, names an unknown gateway or carries a float percentage', () => {
    for (const [value, message] of [
      ['{vnpay', /GATEWAY_FEES: must be a JSON object/],
      ['{"paypal":{}}', /GATEWAY_FEES: fees\.paypal is not a known gateway/],
      ['{"vnpay":{"gateway_choice":{"percent":1.1}}}', /GATEWAY_FEES: .*percent must be a decimal string/],
      ['{"momo":{"wallet":{"fixed":-5}}}', /GATEWAY_FEES: .*fixed must be a whole number of dong/],
      ['{"momo":{"wallet":{"min":"9","max":"1"}}}', /GATEWAY_FEES: .*min is above/],
    ] as const) {
      assert.throws(
        () => parseConfig({ GATEWAY_FEES: value }),
        (error: Error) => message.test(error.message),
      );
    }
    assert.throws(
      () => parseConfig({ FEE_BEARER: 'citizen' }),
      (error: Error) => /FEE_BEARER: must be one of hub, biller/.test(error.message),
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
