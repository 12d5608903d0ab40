import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig, ModulesContainer } from '@nestjs/core';
import { IdempotencyInterceptor } from '../../src/idempotency/idempotency.interceptor';
import { IdempotencySweeper } from '../../src/idempotency/idempotency.sweeper';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub } from './support/hub';

describe('Idempotency-Key on POST', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let keySeq = 0;
  /** A key no other test uses. */
  const newKey = () => `test-key-${++keySeq}-${Date.now()}`;
  const billerCount = async (name: string) =>
    Number(
      (await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM billers WHERE name = $1', [name]))
        .rows[0]!.n,
    );
  const codeOf = (answer: { body: unknown }) => (answer.body as ErrorBody).error;
  const postBiller = (body: unknown, idempotency_key: string) =>
    call<CreatedBiller>(hub, 'POST', '/v1/billers', { body, idempotency_key });

  before(async () => {
    db = await createTestDatabase();
    // More connections than the default: the concurrency test holds one per request in flight.
    hub = await bootHub(db, { DB_POOL_MAX: '12' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('answers a retry with the same key and body with the first answer, byte for byte, and creates once', async () => {
    const key = newKey();
    const body = { name: 'Replay Agency', kind: 'agency', tax_id: '0312345678' };
    const first = await postBiller(body, key);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    // The same body with its fields in another order is the same request.
    const reordered = { tax_id: '0312345678', kind: 'agency', name: 'Replay Agency' };
    const again = await call<CreatedBiller>(hub, 'POST', '/v1/billers', {
      body: reordered,
      idempotency_key: key,
    });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.match(again.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(again.text, first.text);
    assert.equal(await billerCount('Replay Agency'), 1);
    // The replayed key is the real one: it works.
    const read = await call(hub, 'GET', `/v1/billers/${first.body.id}`, { token: again.body.api_key });
    assert.equal(read.status, 200);
  });

  it('keeps no secret of a replayable answer in the clear', async () => {
    const key = newKey();
    const created = await postBiller({ name: 'Sealed', kind: 'merchant' }, key);
    assert.equal(created.status, 201);
    const rows = await db.pool.query<{ row: string }>('SELECT t::text AS row FROM idempotency_keys t');
    assert.ok(rows.rows.length > 0);
    for (const { row } of rows.rows) {
      for (const secret of [created.body.api_key, created.body.webhook_secret, key]) {
        assert.ok(!row.includes(secret) && !row.includes(Buffer.from(secret).toString('hex')));
      }
    }
  });

  it('answers 409 idempotency_key_reused for the same key with another body or another path', async () => {
    const key = newKey();
    const first = await postBiller({ name: 'Reuse One', kind: 'agency' }, key);
    assert.equal(first.status, 201);
    const otherBody = await postBiller({ name: 'Reuse Two', kind: 'agency' }, key);
    assert.equal(otherBody.status, 409);
    assert.deepEqual(codeOf(otherBody).code, 'idempotency_key_reused');
    assert.deepEqual(codeOf(otherBody).param, 'Idempotency-Key');
    const otherPath = await call(hub, 'POST', `/v1/billers/${first.body.id as string}/api_keys`, {
      idempotency_key: key,
    });
    assert.equal(otherPath.status, 409);
    assert.equal(codeOf(otherPath).code, 'idempotency_key_reused');
    assert.equal(await billerCount('Reuse Two'), 0);
  });

  it('keeps each caller’s keys apart: a biller and the admin may use the same key', async () => {
    const biller = await createBiller(hub, { name: 'Scoped', kind: 'hospital' });
    const key = newKey();
    const asAdmin = await postBiller({ name: 'Scoped Other', kind: 'agency' }, key);
    assert.equal(asAdmin.status, 201);
    const asBiller = await call(hub, 'POST', `/v1/billers/${biller.id}/api_keys`, {
      token: biller.api_key,
      idempotency_key: key,
    });
    assert.equal(asBiller.status, 201);
    assert.equal(asBiller.headers.get('idempotent-replayed'), null);
  });

  it('runs concurrent requests with one key exactly once; the others hear in_use or get the replay', async () => {
    const key = newKey();
    const body = { name: 'Concurrent Hospital', kind: 'hospital' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => postBiller(body, key)));
    const fresh = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
    assert.equal(fresh.length, 1, answers.map((a) => `${a.status} ${a.text}`).join('\n'));
    for (const answer of answers) {
      if (answer.status === 201) assert.equal(answer.text, fresh[0]!.text);
      else {
        assert.equal(answer.status, 409);
        assert.equal(codeOf(answer).code, 'idempotency_key_in_use');
      }
    }
    assert.equal(await billerCount('Concurrent Hospital'), 1);
  });

  it('stores and replays a refusal (4xx), so the corrected request needs a new key', async () => {
    const key = newKey();
    const bad = await postBiller({ name: 'Bad', kind: 'bank' }, key);
    assert.equal(bad.status, 400);
    const again = await postBiller({ name: 'Bad', kind: 'bank' }, key);
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, bad.text);
    const corrected = await postBiller({ name: 'Bad', kind: 'agency' }, key);
    assert.equal(codeOf(corrected).code, 'idempotency_key_reused');
  });

  it('does not store a failure (5xx): the retry runs again', async () => {
    const key = newKey();
    const body = { name: 'After Outage', kind: 'agency' };
    await db.pool.query('ALTER TABLE billers RENAME TO billers_hidden');
    let failed;
    try {
      failed = await postBiller(body, key);
    } finally {
      await db.pool.query('ALTER TABLE billers_hidden RENAME TO billers');
    }
    assert.equal(failed.status, 500);
    const retried = await postBiller(body, key);
    assert.equal(retried.status, 201);
    assert.equal(retried.headers.get('idempotent-replayed'), null);
    assert.equal(await billerCount('After Outage'), 1);
  });

  it('refuses a key longer than 255 characters, empty, or with control characters', async () => {
    for (const key of ['k'.repeat(256), 'tab\there', '']) {
      const answer = await postBiller({ name: 'Never', kind: 'agency' }, key);
      assert.equal(answer.status, 400, JSON.stringify(key));
      assert.deepEqual(
        { code: codeOf(answer).code, param: codeOf(answer).param },
        {
          code: 'idempotency_key_invalid',
          param: 'Idempotency-Key',
        },
      );
    }
    assert.equal(await billerCount('Never'), 0);
    const longest = await postBiller({ name: 'Longest Key', kind: 'agency' }, 'k'.repeat(255));
    assert.equal(longest.status, 201);
  });

  it('forgets a key after 24 hours, and the sweep deletes it', async () => {
    const key = newKey();
    const first = await postBiller({ name: 'Old One', kind: 'agency' }, key);
    assert.equal(first.status, 201);
    await db.pool.query("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'");
    const later = await postBiller({ name: 'Old Two', kind: 'agency' }, key);
    assert.equal(later.status, 201);
    assert.equal(later.headers.get('idempotent-replayed'), null);
    const pruned = await hub.app.get(IdempotencySweeper).sweep();
    assert.ok(pruned >= 1);
    const left = await db.pool.query(
      "SELECT 1 FROM idempotency_keys WHERE created_at < clock_timestamp() - interval '24 hours'",
    );
    assert.equal(left.rowCount, 0);
    assert.equal((await db.pool.query('SELECT 1 FROM idempotency_keys')).rowCount! >= 1, true);
  });

  it('runs every POST without a key as a new request', async () => {
    const body = { name: 'No Key', kind: 'merchant' };
    assert.equal((await call(hub, 'POST', '/v1/billers', { body })).status, 201);
    assert.equal((await call(hub, 'POST', '/v1/billers', { body })).status, 201);
    assert.equal(await billerCount('No Key'), 2);
  });

  it("is carried by every POST route under /v1 but the gateways' callbacks, which run without interceptors", () => {
    const routes: Array<{ route: string; interceptors: unknown[] }> = [];
    for (const module of hub.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
        if (!controller) continue;
        const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
        const onClass = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ?? []) as unknown[];
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (typeof handler !== 'function' || name === 'constructor') continue;
          if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.POST) continue;
          const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '/');
          const route = `/${[base, path]
            .map((part) => part.replace(/^\/+|\/+$/g, ''))
            .filter(Boolean)
            .join('/')}`;
          const onMethod = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
          routes.push({ route, interceptors: [...onClass, ...onMethod] });
        }
      }
    }
    // No interceptor applies to every route (a global one would wrap the callbacks too).
    const config = hub.app.get(ApplicationConfig, { strict: false });
    assert.deepEqual([...config.getGlobalInterceptors(), ...config.getGlobalRequestInterceptors()], []);
    const v1 = routes.filter(({ route }) => route.startsWith('/v1/'));
    const callbacks = v1.filter(({ route }) => route.startsWith('/v1/gateways/'));
    assert.ok(v1.length >= 20, `${v1.length} POST routes under /v1`);
    assert.deepEqual(callbacks.map(({ route }) => route).sort(), [
      '/v1/gateways/bank-transfer/notify',
      '/v1/gateways/momo/ipn',
      '/v1/gateways/zalopay/callback',
    ]);
    for (const { route, interceptors } of callbacks) assert.deepEqual(interceptors, [], route);
    const without = v1
      .filter(({ route }) => !route.startsWith('/v1/gateways/'))
      .filter(({ interceptors }) => !interceptors.includes(IdempotencyInterceptor))
      .map(({ route }) => route);
    assert.deepEqual(without, [], 'POST routes under /v1 without Idempotency-Key');
  });
});
