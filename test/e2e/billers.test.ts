import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub, LogCapture } from './support/hub';

interface ApiKey {
  id: string;
  object: string;
  biller: string;
  prefix: string;
  active: boolean;
  created: number;
  expires_at: number | null;
  revoked_at: number | null;
  api_key?: string;
}

interface List<T> {
  object: string;
  data: T[];
  has_more: boolean;
}

function errorOf(answer: { status: number; body: unknown }): {
  status: number;
  code: string;
  param: string | null;
} {
  const { error } = answer.body as ErrorBody;
  return { status: answer.status, code: error.code, param: error.param };
}

describe('billers and their API keys', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const logs = new LogCapture();
  let first: CreatedBiller;
  let second: CreatedBiller;

  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db, { LOG_LEVEL: 'info' }, { log_destination: logs });
    first = await createBiller(hub, {
      name: 'Sở Giao thông Vận tải',
      kind: 'agency',
      tax_id: '0312345678',
      webhook_url: 'https://sgtvt.example.vn/payhub',
    });
    second = await createBiller(hub, { name: 'Bãi đỗ xe Trung tâm', kind: 'parking_operator' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('creates a biller as the admin and shows its API key and webhook secret once', async () => {
    assert.match(first.id, /^blr_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.match(first.api_key, /^phk_[A-Za-z0-9_-]{43}$/);
    assert.match(first.webhook_secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      { ...first, id: undefined, api_key: undefined, webhook_secret: undefined, created: undefined },
      {
        id: undefined,
        object: 'biller',
        name: 'Sở Giao thông Vận tải',
        kind: 'agency',
        tax_id: '0312345678',
        webhook_url: 'https://sgtvt.example.vn/payhub',
        created: undefined,
        api_key: undefined,
        webhook_secret: undefined,
      },
    );
    assert.ok(Math.abs(first.created - Date.now() / 1000) < 60);
    assert.equal(second.tax_id, null);
    assert.equal(second.webhook_url, null);
  });

  it('refuses to create a biller without the admin token, or with a biller key instead', async () => {
    const body = { name: 'X', kind: 'merchant' };
    assert.deepEqual(errorOf(await call(hub, 'POST', '/v1/billers', { token: null, body })), {
      status: 401,
      code: 'admin_token_missing',
      param: null,
    });
    assert.deepEqual(errorOf(await call(hub, 'POST', '/v1/billers', { token: first.api_key, body })), {
      status: 401,
      code: 'admin_token_invalid',
      param: null,
    });
    assert.deepEqual(errorOf(await call(hub, 'GET', '/v1/billers', { token: first.api_key })), {
      status: 401,
      code: 'admin_token_invalid',
      param: null,
    });
  });

  it('keeps only the SHA-256 of the API key, and no secret anywhere but the webhook secret column', async () => {
    const keys = await db.pool.query<{ key_hash: Buffer; key_prefix: string }>(
      'SELECT key_hash, key_prefix FROM biller_api_keys WHERE biller_id = $1',
      [first.id],
    );
    assert.equal(keys.rows.length, 1);
    assert.deepEqual(keys.rows[0]!.key_hash, createHash('sha256').update(first.api_key).digest());
    assert.equal(keys.rows[0]!.key_prefix, first.api_key.slice(0, 12));
    // Every row of every table of the hub, as text: the key appears nowhere.
    const tables = await db.pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    for (const { tablename } of tables.rows) {
      const dump = await db.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${tablename} t`);
      for (const { row } of dump.rows) {
        assert.ok(!row.includes(first.api_key), `${tablename} holds the API key`);
        assert.ok(!row.includes(first.api_key.slice(4)), `${tablename} holds the API key`);
      }
    }
  });

  it('lets a biller read its own record with its key, never showing a key or the webhook secret', async () => {
    const answer = await call(hub, 'GET', `/v1/billers/${first.id}`, { token: first.api_key });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body).sort(), [
      'created',
      'id',
      'kind',
      'name',
      'object',
      'tax_id',
      'webhook_url',
    ]);
    assert.equal(answer.body.id, first.id);
    const asAdmin = await call(hub, 'GET', `/v1/billers/${first.id}`);
    assert.equal(asAdmin.status, 200);
    assert.deepEqual(asAdmin.body, answer.body);
  });

  it('answers 401 without a key, and with an unknown or malformed one', async () => {
    const path = `/v1/billers/${first.id}`;
    assert.deepEqual(errorOf(await call(hub, 'GET', path, { token: null })), {
      status: 401,
      code: 'api_key_missing',
      param: null,
    });
    const unknown = 'phk_' + 'A'.repeat(43);
    for (const headers of [
      { authorization: `Bearer ${unknown}` },
      { authorization: 'Bearer not-a-key' },
      { authorization: `Basic ${first.api_key}` },
    ]) {
      const answer = await call(hub, 'GET', path, { token: null, headers });
      assert.deepEqual(errorOf(answer), { status: 401, code: 'api_key_invalid', param: null });
      assert.equal((answer.body as unknown as ErrorBody).error.type, 'authentication_error');
      assert.ok(!answer.text.includes(first.api_key));
    }
  });

  it("answers 404, never 403, when a biller asks for another biller's objects", async () => {
    const other = second.id;
    const expected = { status: 404, code: 'biller_not_found', param: 'id' };
    const token = first.api_key;
    assert.deepEqual(errorOf(await call(hub, 'GET', `/v1/billers/${other}`, { token })), expected);
    assert.deepEqual(errorOf(await call(hub, 'GET', `/v1/billers/${other}/api_keys`, { token })), expected);
    assert.deepEqual(errorOf(await call(hub, 'POST', `/v1/billers/${other}/api_keys`, { token })), expected);
    const secondKeys = await call<List<ApiKey>>(hub, 'GET', `/v1/billers/${other}/api_keys`);
    const secondKey = secondKeys.body.data[0]!.id;
    assert.deepEqual(
      errorOf(await call(hub, 'POST', `/v1/billers/${other}/api_keys/${secondKey}/revoke`, { token })),
      expected,
    );
    // Through its own path, the other biller's key is simply not one of its keys.
    assert.deepEqual(
      errorOf(await call(hub, 'POST', `/v1/billers/${first.id}/api_keys/${secondKey}/revoke`, { token })),
      { status: 404, code: 'api_key_not_found', param: 'key_id' },
    );
    // An id that does not exist answers exactly the same as another biller's.
    const missing = await call(hub, 'GET', '/v1/billers/blr_00000000000000000000000000');
    assert.deepEqual(errorOf(missing), expected);
    // The other biller's key still works: nothing was revoked.
    assert.equal((await call(hub, 'GET', `/v1/billers/${other}`, { token: second.api_key })).status, 200);
  });

  it('rotates keys without downtime: old and new both work until the old is revoked', async () => {
    const biller = await createBiller(hub, { name: 'Chợ Bến Thành', kind: 'merchant' });
    const path = `/v1/billers/${biller.id}`;
    const created = await call<ApiKey>(hub, 'POST', `${path}/api_keys`, { token: biller.api_key });
    assert.equal(created.status, 201);
    const fresh = created.body;
    assert.match(fresh.api_key!, /^phk_/);
    assert.notEqual(fresh.api_key, biller.api_key);
    assert.deepEqual(
      { object: fresh.object, biller: fresh.biller, active: fresh.active, prefix: fresh.prefix },
      { object: 'api_key', biller: biller.id, active: true, prefix: fresh.api_key!.slice(0, 12) },
    );
    for (const token of [biller.api_key, fresh.api_key!]) {
      assert.equal((await call(hub, 'GET', path, { token })).status, 200);
    }

    const listed = await call<List<ApiKey>>(hub, 'GET', `${path}/api_keys`, { token: fresh.api_key! });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data.length, 2);
    assert.equal(listed.body.has_more, false);
    assert.deepEqual(
      listed.body.data.map((key) => key.prefix).sort(),
      [biller.api_key.slice(0, 12), fresh.prefix].sort(),
    );
    assert.ok(!listed.text.includes(biller.api_key) && !listed.text.includes(fresh.api_key!));

    const oldKey = listed.body.data.find((key) => key.id !== fresh.id)!;
    const revoked = await call<ApiKey>(hub, 'POST', `${path}/api_keys/${oldKey.id}/revoke`, {
      token: fresh.api_key!,
    });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.active, false);
    assert.ok(revoked.body.revoked_at !== null && revoked.body.expires_at !== null);
    assert.equal(revoked.body.api_key, undefined);
    assert.deepEqual(errorOf(await call(hub, 'GET', path, { token: biller.api_key })), {
      status: 401,
      code: 'api_key_invalid',
      param: null,
    });
    assert.equal((await call(hub, 'GET', path, { token: fresh.api_key! })).status, 200);
  });

  it('keeps a key revoked with a grace period working until it ends, and can end it at once after', async () => {
    const biller = await createBiller(hub, { name: 'Trung tâm Y tế Huyện', kind: 'hospital' });
    const path = `/v1/billers/${biller.id}`;
    const keys = await call<List<ApiKey>>(hub, 'GET', `${path}/api_keys`);
    const keyId = keys.body.data[0]!.id;
    const graceful = await call<ApiKey>(hub, 'POST', `${path}/api_keys/${keyId}/revoke`, {
      body: { expires_in_seconds: 3600 },
    });
    assert.equal(graceful.status, 200);
    assert.equal(graceful.body.active, true);
    assert.ok(Math.abs(graceful.body.expires_at! - (Date.now() / 1000 + 3600)) < 60);
    assert.equal((await call(hub, 'GET', path, { token: biller.api_key })).status, 200);

    // A second revocation cannot push the end later, only nearer.
    const longer = await call<ApiKey>(hub, 'POST', `${path}/api_keys/${keyId}/revoke`, {
      body: { expires_in_seconds: 7200 },
    });
    assert.equal(longer.body.expires_at, graceful.body.expires_at);
    const now = await call<ApiKey>(hub, 'POST', `${path}/api_keys/${keyId}/revoke`, {
      body: { expires_in_seconds: 0 },
    });
    assert.equal(now.body.active, false);
    assert.equal((await call(hub, 'GET', path, { token: biller.api_key })).status, 401);
  });

  it('stops a key once its expiry has passed', async () => {
    const biller = await createBiller(hub, { name: 'Bãi xe Chợ Lớn', kind: 'parking_operator' });
    const path = `/v1/billers/${biller.id}`;
    assert.equal((await call(hub, 'GET', path, { token: biller.api_key })).status, 200);
    await db.pool.query(
      `UPDATE biller_api_keys SET created_at = created_at - interval '1 hour',
         expires_at = clock_timestamp() - interval '1 second' WHERE biller_id = $1`,
      [biller.id],
    );
    assert.equal((await call(hub, 'GET', path, { token: biller.api_key })).status, 401);
  });

  it('refuses an eleventh active key with 409 api_key_limit_reached', async () => {
    const biller = await createBiller(hub, { name: 'Siêu thị Co.op', kind: 'merchant' });
    const path = `/v1/billers/${biller.id}/api_keys`;
    for (let i = 1; i < 10; i++) assert.equal((await call(hub, 'POST', path)).status, 201);
    assert.deepEqual(errorOf(await call(hub, 'POST', path)), {
      status: 409,
      code: 'api_key_limit_reached',
      param: null,
    });
  });

  it('refuses invalid bodies with a code and the parameter at fault', async () => {
    const cases: [unknown, string, string | null][] = [
      [[], 'body_invalid', null],
      ['text', 'body_invalid', null],
      [{ name: 'A', kind: 'agency', colour: 'red' }, 'parameter_unknown', 'colour'],
      [{ kind: 'agency' }, 'parameter_missing', 'name'],
      [{ name: '   ', kind: 'agency' }, 'parameter_invalid', 'name'],
      [{ name: 42, kind: 'agency' }, 'parameter_invalid', 'name'],
      [{ name: 'x'.repeat(201), kind: 'agency' }, 'parameter_invalid', 'name'],
      [{ name: 'A' }, 'parameter_missing', 'kind'],
      [{ name: 'A', kind: 'bank' }, 'parameter_invalid', 'kind'],
      [{ name: 'A', kind: 'agency', tax_id: '12345' }, 'parameter_invalid', 'tax_id'],
      [{ name: 'A', kind: 'agency', tax_id: 312345678 }, 'parameter_invalid', 'tax_id'],
      [{ name: 'A', kind: 'agency', webhook_url: 'ftp://example.vn/x' }, 'parameter_invalid', 'webhook_url'],
      [{ name: 'A', kind: 'agency', webhook_url: 'not a url' }, 'parameter_invalid', 'webhook_url'],
      [
        { name: 'A', kind: 'agency', webhook_url: 'https://u:p@example.vn/' },
        'parameter_invalid',
        'webhook_url',
      ],
    ];
    for (const [body, code, param] of cases) {
      const answer = await call(hub, 'POST', '/v1/billers', { body });
      assert.deepEqual(errorOf(answer), { status: 400, code, param }, JSON.stringify(body));
      assert.equal((answer.body as unknown as ErrorBody).error.type, 'invalid_request_error');
    }
    const keyPath = `/v1/billers/${first.id}/api_keys`;
    const keyId = (await call<List<ApiKey>>(hub, 'GET', keyPath)).body.data[0]!.id;
    for (const body of [
      { expires_in_seconds: -1 },
      { expires_in_seconds: 1.5 },
      { expires_in_seconds: '60' },
    ]) {
      const answer = await call(hub, 'POST', `${keyPath}/${keyId}/revoke`, { body });
      assert.deepEqual(errorOf(answer), {
        status: 400,
        code: 'parameter_invalid',
        param: 'expires_in_seconds',
      });
    }
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['starting_after=bill_x', 'starting_after'],
    ] as const) {
      const answer = await call(hub, 'GET', `/v1/billers?${query}`);
      assert.deepEqual(errorOf(answer), { status: 400, code: 'parameter_invalid', param }, query);
    }
  });

  it('lists billers newest first, a page at a time, with limit and starting_after', async () => {
    const total = Number(
      (await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM billers')).rows[0]!.n,
    );
    assert.ok(total >= 6);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const query: string = cursor ? `?limit=2&starting_after=${cursor}` : '?limit=2';
      const page: { status: number; body: List<{ id: string; object: string }> } = await call(
        hub,
        'GET',
        `/v1/billers${query}`,
      );
      assert.equal(page.status, 200);
      assert.equal(page.body.object, 'list');
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((biller) => biller.id));
      if (!page.body.has_more) break;
      cursor = page.body.data.at(-1)!.id;
    }
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.deepEqual(seen, [...seen].sort().reverse(), 'newest first');
    const all = await call<List<{ id: string }>>(hub, 'GET', '/v1/billers');
    assert.equal(all.body.data.length, Math.min(total, 10));
  });

  it('documents the billers API, its bodies, its error body and the Idempotency-Key header', async () => {
    const document = (await (await fetch(`${hub.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    const create = document.paths['/v1/billers']!.post!;
    assert.deepEqual(create.security, [{ admin: [] }]);
    assert.ok((create.responses as Record<string, unknown>)['201']);
    assert.ok((create.responses as Record<string, unknown>)['400']);
    assert.ok((create.responses as Record<string, unknown>)['409']);
    assert.ok(JSON.stringify(create.requestBody).includes('CreateBillerDto'));
    const headers = (create.parameters as { name: string; in: string }[]).filter((p) => p.in === 'header');
    assert.deepEqual(
      headers.map((p) => p.name),
      ['Idempotency-Key'],
    );
    assert.ok(document.paths['/v1/billers']!.get);
    assert.deepEqual(document.paths['/v1/billers/{id}']!.get!.security, [{ admin: [] }, { biller: [] }]);
    assert.ok(document.paths['/v1/billers/{id}/api_keys']!.post);
    assert.ok(document.paths['/v1/billers/{id}/api_keys']!.get);
    assert.ok(document.paths['/v1/billers/{id}/api_keys/{key_id}/revoke']!.post);
    for (const schema of ['CreateBillerDto', 'CreatedBillerDto', 'BillerDto', 'ApiKeyDto', 'ErrorBodyDto']) {
      assert.ok(document.components.schemas[schema], schema);
    }
    assert.ok(document.components.securitySchemes.biller);
  });

  it('never writes an API key or a webhook secret to the log', async () => {
    const text = logs.text();
    assert.ok(text.includes('request completed'), 'the suite captured the request logs');
    for (const secret of [first.api_key, first.webhook_secret, second.api_key, second.webhook_secret]) {
      assert.ok(!text.includes(secret), 'a secret reached the log');
    }
  });
});
