import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bootHub } from './support/hub';

interface OpenApi {
  openapi: string;
  info: { title: string };
  servers?: { url: string }[];
  paths: Record<
    string,
    Record<string, { security?: Record<string, string[]>[]; responses: Record<string, unknown> }>
  >;
  components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

describe('API documentation', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  before(async () => {
    db = await createTestDatabase();
    hub = await bootHub(db, { HUB_PUBLIC_URL: 'https://payhub.example.vn/' });
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('serves an OpenAPI 3 document at /docs/json listing the health and ledger routes', async () => {
    const response = await fetch(`${hub.url}/docs/json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const document = (await response.json()) as OpenApi;
    assert.match(document.openapi, /^3\.\d+\.\d+$/);
    assert.equal(document.info.title, 'payhub');
    assert.deepEqual(
      document.servers?.map((server) => server.url),
      ['https://payhub.example.vn'],
    );
    for (const path of [
      '/health',
      '/health/ready',
      '/metrics',
      '/v1/ledger/verify',
      '/v1/bills',
      '/v1/payment_intents',
      '/v1/events',
      '/v1/payment_reviews',
      '/v1/gateways/vnpay/ipn',
      '/.well-known/jwks.json',
    ]) {
      assert.ok(document.paths[path]?.get, `GET ${path} is documented`);
    }
    // Idempotency-Key is documented where it is honoured: authenticated POSTs, not the gateways' callbacks.
    const headers = (path: string) =>
      (
        (document.paths[path]?.post as { parameters?: Array<{ name: string; in: string }> } | undefined)
          ?.parameters ?? []
      )
        .filter((parameter) => parameter.in === 'header')
        .map((parameter) => parameter.name);
    assert.deepEqual(headers('/v1/bills'), ['Idempotency-Key']);
    assert.deepEqual(headers('/v1/refunds'), ['Idempotency-Key']);
    for (const callback of ['/v1/gateways/momo/ipn', '/v1/gateways/zalopay/callback'])
      assert.ok(!headers(callback).includes('Idempotency-Key'), callback);
    const verify = document.paths['/v1/ledger/verify']!.get!;
    assert.deepEqual(verify.security, [{ admin: [] }]);
    assert.ok(verify.responses['200'] && verify.responses['401']);
    assert.deepEqual(document.components.securitySchemes?.admin, {
      type: 'http',
      scheme: 'bearer',
      description: 'The admin token.',
    });
  });

  it('serves a Swagger UI at /docs that loads nothing from another origin', async () => {
    const response = await fetch(`${hub.url}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(references.length >= 3, html);
    for (const reference of references) {
      assert.ok(reference.startsWith('/docs/'), `same-origin reference: ${reference}`);
      const asset = await fetch(`${hub.url}${reference}`);
      assert.equal(asset.status, 200, reference);
      assert.ok((await asset.arrayBuffer()).byteLength > 0, reference);
    }
    const init = await (await fetch(`${hub.url}/docs/assets/init.js`)).text();
    assert.match(init, /url: "\/docs\/json"/);
  });

  it('serves only the listed Swagger UI files, never a path taken from the request', async () => {
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/index.html',
    ]) {
      assert.equal((await fetch(`${hub.url}${path}`)).status, 404, path);
    }
  });
});
