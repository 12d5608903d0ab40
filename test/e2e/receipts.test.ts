// Receipts over real HTTP on real Postgres: gapless numbering under concurrency and rollback, the JWS
// against a freshly fetched JWKS, key rotation by the CLI, verification reasons, cancellation, scoping,
// and no private key in the clear in the database or the logs.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
} from 'jose';
import { BillersRepository } from '../../src/billers/billers.repository';
import { Db } from '../../src/database/db';
import type { RunningHub } from '../../src/main';
import type { ReceiptDto } from '../../src/receipts/dto/receipt.dto';
import type { ReceiptVerificationDto } from '../../src/receipts/dto/verify-receipt.dto';
import { KEK_FILE, openPrivateKey, resolveKeyEncryptionKey } from '../../src/receipts/key-encryption';
import { ReceiptsRepository, type SigningKeyRow } from '../../src/receipts/receipts.repository';
import { type IssueReceiptInput, ReceiptsService } from '../../src/receipts/receipts.service';
import { ReceiptSigningKeys, SigningKeyError } from '../../src/receipts/signing-keys';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import { bootHub, LogCapture, payhub } from './support/hub';

const PUBLIC_URL = 'https://payhub.example.vn';

function errorOf(answer: { status: number; body: unknown }) {
  const { error } = answer.body as ErrorBody;
  return { status: answer.status, code: error.code, param: error.param };
}

function fee(biller_id: string, amount = 150000n): IssueReceiptInput {
  return {
    biller_id,
    bill_id: null,
    payment_intent_id: null,
    payer: { name: 'Nguyễn Văn An', id_number: '001090012345', address: null },
    lines: [
      { fee_name: 'Lệ phí cấp giấy phép lái xe', amount: amount - 15000n },
      { fee_name: 'Phí sát hạch', amount: 15000n },
    ],
    amount,
    payment_method: 'vnpay',
    gateway_transaction_id: '14223344',
    paid_at: new Date('2026-11-30T03:04:05Z'),
  };
}

/** A JWS whose payload segment is replaced: the signature no longer matches. */
function withPayload(jws: string, payload: Record<string, unknown>): string {
  const [header, , signature] = jws.split('.');
  return [header, Buffer.from(JSON.stringify(payload)).toString('base64url'), signature].join('.');
}

function payloadOf(jws: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('receipts', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let dataDir: string;
  const logs = new LogCapture();
  let agency: CreatedBiller;
  let other: CreatedBiller;
  let receipts: ReceiptsService;
  let hubDb: Db;
  let first: ReceiptDto;

  const verify = (jws: unknown) =>
    call<ReceiptVerificationDto>(hub, 'POST', '/v1/receipts/verify', { token: null, body: { jws } });
  const fetchJwks = () => call<JSONWebKeySet>(hub, 'GET', '/.well-known/jwks.json', { token: null });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payhub-receipts-'));
    db = await createTestDatabase();
    hub = await bootHub(
      db,
      { LOG_LEVEL: 'debug', HUB_DATA_DIR: dataDir, HUB_PUBLIC_URL: PUBLIC_URL, DB_POOL_MAX: '10' },
      { log_destination: logs },
    );
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency', tax_id: '0312345678' });
    other = await createBiller(hub, { name: 'Bệnh viện Đa khoa Tỉnh', kind: 'hospital' });
    receipts = hub.app.get(ReceiptsService);
    hubDb = hub.app.get(Db);
  });
  after(async () => {
    await hub?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a signing key on first start, sealed under a KEK generated into HUB_DATA_DIR with mode 0600', async () => {
    const keys = await db.pool.query<SigningKeyRow>('SELECT * FROM receipt_signing_keys');
    assert.equal(keys.rows.length, 1);
    assert.equal(keys.rows[0]!.status, 'active');
    assert.equal(statSync(join(dataDir, KEK_FILE)).mode & 0o777, 0o600);
  });

  it('serves placeholder symbols until the admin sets the series, and refuses bad ones changing nothing', async () => {
    const path = `/v1/billers/${agency.id}/receipt_series`;
    const initial = await call(hub, 'GET', path, { token: agency.api_key });
    assert.equal(initial.status, 200);
    assert.equal(initial.body.is_default, true);

    const bad = await call(hub, 'PUT', path, {
      body: { template_symbol: '01BLP0-001', series_symbol: 'A A' },
    });
    assert.deepEqual(errorOf(bad), { status: 400, code: 'parameter_invalid', param: 'series_symbol' });
    const missing = await call(hub, 'PUT', path, { body: { series_symbol: 'AA/26E' } });
    assert.deepEqual(errorOf(missing), { status: 400, code: 'parameter_missing', param: 'template_symbol' });
    const byBiller = await call(hub, 'PUT', path, {
      token: agency.api_key,
      body: { template_symbol: '01BLP0-001', series_symbol: 'AA/26E' },
    });
    assert.equal(errorOf(byBiller).status, 401);
    assert.equal((await call(hub, 'GET', path, { token: agency.api_key })).body.is_default, true);

    const set = await call(hub, 'PUT', path, {
      body: { template_symbol: '01BLP0-001', series_symbol: 'AA/26E', collector_address: '1 Lê Lợi, Huế' },
    });
    assert.equal(set.status, 200);
    assert.deepEqual(
      { ...set.body },
      {
        object: 'receipt_series',
        biller: agency.id,
        receipt_name: 'Biên lai thu phí, lệ phí',
        template_symbol: '01BLP0-001',
        series_symbol: 'AA/26E',
        collector_address: '1 Lê Lợi, Huế',
        is_default: false,
      },
    );
    const unknown = await call(hub, 'PUT', `/v1/billers/blr_00000000000000000000000000/receipt_series`, {
      body: { template_symbol: 'X', series_symbol: 'Y' },
    });
    assert.deepEqual(errorOf(unknown), { status: 404, code: 'biller_not_found', param: 'id' });
    const othersSeries = await call(hub, 'GET', path, { token: other.api_key });
    assert.deepEqual(errorOf(othersSeries), { status: 404, code: 'biller_not_found', param: 'id' });
  });

  it('numbers 50 concurrent receipts from two processes 1..50 in one series, no gap and no repeat', async () => {
    // A second "hub process": its own pool, repository and key holder, over the same database and KEK.
    const secondDb = new Db(db.newPool(10));
    const secondRepository = new ReceiptsRepository(secondDb);
    const second = new ReceiptsService(
      secondDb,
      secondRepository,
      new BillersRepository(secondDb),
      new ReceiptSigningKeys(secondRepository, resolveKeyEncryptionKey(hub.config)),
      hub.config,
    );
    const issued = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? receipts : second).issueReceipt(fee(agency.id, 150000n + BigInt(index))),
      ),
    );
    const numbers = issued.map((receipt) => Number(receipt.number)).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 50 }, (_, index) => index + 1),
    );
    assert.ok(issued.every((receipt) => receipt.series_symbol === 'AA/26E'));
    first = issued[0]!;
    const stored = await db.pool.query<{ count: number }>(
      'SELECT count(DISTINCT number)::int AS count FROM receipts WHERE biller_id = $1',
      [agency.id],
    );
    assert.equal(stored.rows[0]!.count, 50);
  });

  it('gives the number of a rolled-back payment to the next receipt, and the rolled-back JWS never verifies', async () => {
    let rolledBack: ReceiptDto | null = null;
    await assert.rejects(
      hubDb.transaction(async () => {
        rolledBack = await receipts.issueReceipt(fee(agency.id));
        throw new Error('the payment failed after the receipt');
      }),
      /the payment failed/,
    );
    assert.equal(rolledBack!.number, '51');
    const next = await receipts.issueReceipt(fee(agency.id));
    assert.equal(next.number, '51');
    const answer = await verify(rolledBack!.jws);
    assert.deepEqual([answer.body.valid, answer.body.reason], [false, 'unknown_receipt']);
  });

  it('signs a compact JWS that verifies against a freshly fetched JWKS with jose', async () => {
    const jwks = await fetchJwks();
    assert.equal(jwks.status, 200);
    assert.match(jwks.headers.get('cache-control') ?? '', /max-age=\d+/);
    assert.equal(jwks.body.keys.length, 1);
    assert.deepEqual(Object.keys(jwks.body.keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const verified = await compactVerify(first.jws, createLocalJWKSet(jwks.body));
    assert.equal(verified.protectedHeader.alg, 'EdDSA');
    assert.equal(verified.protectedHeader.kid, jwks.body.keys[0]!.kid);
    const payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
    const { status: _s, jws: _j, cancellation: _c, cancellation_jws: _cj, ...body } = first;
    assert.deepEqual(payload, { iss: PUBLIC_URL, iat: first.issued_at, ...body });
    assert.equal(payload.amount, '150000');
    assert.equal(payload.amount_in_words, 'Một trăm năm mươi nghìn đồng');
    assert.deepEqual(payload.lines, [
      { fee_name: 'Lệ phí cấp giấy phép lái xe', amount: '135000' },
      { fee_name: 'Phí sát hạch', amount: '15000' },
    ]);
    assert.deepEqual(payload.collector, {
      name: 'Sở Tư pháp',
      id_number: '0312345678',
      address: '1 Lê Lợi, Huế',
    });
  });

  it('shows a receipt to its biller and the admin, and answers 404 to another biller', async () => {
    const own = await call<ReceiptDto>(hub, 'GET', `/v1/receipts/${first.id}`, { token: agency.api_key });
    assert.equal(own.status, 200);
    assert.deepEqual(own.body, JSON.parse(JSON.stringify(first)));
    assert.equal((await call(hub, 'GET', `/v1/receipts/${first.id}`)).status, 200);
    const others = await call(hub, 'GET', `/v1/receipts/${first.id}`, { token: other.api_key });
    assert.deepEqual(errorOf(others), { status: 404, code: 'receipt_not_found', param: 'id' });
    const unknown = await call(hub, 'GET', '/v1/receipts/rcp_00000000000000000000000000', {
      token: agency.api_key,
    });
    assert.deepEqual(errorOf(unknown), { status: 404, code: 'receipt_not_found', param: 'id' });
  });

  it('answers valid for a genuine receipt and invalid with the reason for anything else, publicly', async () => {
    const good = await verify(first.jws);
    assert.equal(good.status, 200);
    assert.deepEqual([good.body.valid, good.body.reason, good.body.kind], [true, null, 'receipt']);
    assert.equal(good.body.receipt!.number, first.number);

    const tampered = await verify(withPayload(first.jws, { ...payloadOf(first.jws), amount: '1500000' }));
    assert.deepEqual(
      [tampered.body.valid, tampered.body.reason, tampered.body.receipt],
      [false, 'bad_signature', null],
    );
    const [header, payload, signature] = first.jws.split('.');
    const flipped = signature![0] === 'A' ? 'B' : 'A';
    const badSignature = await verify(`${header}.${payload}.${flipped}${signature!.slice(1)}`);
    assert.equal(badSignature.body.reason, 'bad_signature');

    for (const garbage of ['abc', 'a.b.c', `${header}.${payload}`, `${first.jws}.x`]) {
      const answer = await verify(garbage);
      assert.deepEqual(
        [answer.status, answer.body.valid, answer.body.reason],
        [200, false, 'malformed'],
        garbage,
      );
    }

    const stranger = generateKeyPairSync('ed25519').privateKey;
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(payloadOf(first.jws))))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'x'.repeat(43), typ: 'receipt+jws' })
      .sign(stranger);
    const unknownKid = await verify(forged);
    assert.deepEqual([unknownKid.body.valid, unknownKid.body.reason], [false, 'unknown_kid']);
    // The hub's own kid on a stranger's signature is a bad signature, not a new key.
    const forgedKid = await new CompactSign(new TextEncoder().encode(JSON.stringify(payloadOf(first.jws))))
      .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(first.jws).kid!, typ: 'receipt+jws' })
      .sign(stranger);
    assert.equal((await verify(forgedKid)).body.reason, 'bad_signature');

    assert.deepEqual(errorOf(await verify(undefined)), {
      status: 400,
      code: 'parameter_missing',
      param: 'jws',
    });
    assert.deepEqual(errorOf(await verify(42)), { status: 400, code: 'parameter_invalid', param: 'jws' });
  });

  it('cancels a receipt: it keeps its number, carries a signed cancellation and no longer verifies as valid', async () => {
    const target = await receipts.issueReceipt(fee(agency.id, 50000n));
    const cancelled = await receipts.cancelReceipt(target.id, 'Thu nhầm hồ sơ');
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.number, target.number);
    assert.equal(cancelled.jws, target.jws);
    assert.deepEqual(cancelled.cancellation && { ...cancelled.cancellation, cancelled_at: 0 }, {
      object: 'receipt_cancellation',
      receipt: target.id,
      biller: agency.id,
      template_symbol: '01BLP0-001',
      series_symbol: 'AA/26E',
      number: target.number,
      cancelled_at: 0,
      reason: 'Thu nhầm hồ sơ',
    });

    const asReceipt = await verify(target.jws);
    assert.deepEqual([asReceipt.body.valid, asReceipt.body.reason], [false, 'cancelled']);
    assert.equal(asReceipt.body.cancellation!.reason, 'Thu nhầm hồ sơ');
    const asCancellation = await verify(cancelled.cancellation_jws);
    assert.deepEqual(
      [asCancellation.body.valid, asCancellation.body.kind, asCancellation.body.cancellation!.number],
      [true, 'receipt_cancellation', target.number],
    );
    const jwks = await fetchJwks();
    await compactVerify(cancelled.cancellation_jws!, createLocalJWKSet(jwks.body));

    await assert.rejects(receipts.cancelReceipt(target.id, 'again'), { code: 'receipt_already_cancelled' });
    const next = await receipts.issueReceipt(fee(agency.id));
    assert.equal(BigInt(next.number), BigInt(target.number) + 1n);
  });

  it('rotates the key with `payhub keys rotate`: old receipts still verify, new ones carry the new kid', async () => {
    const oldKid = decodeProtectedHeader(first.jws).kid!;
    const rotated = await payhub(['keys', 'rotate'], { DATABASE_URL: db.url, HUB_DATA_DIR: dataDir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const kids = JSON.parse(rotated.stdout) as { retired: string; active: string };
    assert.equal(kids.retired, oldKid);
    assert.notEqual(kids.active, oldKid);

    const jwks = await fetchJwks();
    assert.deepEqual(
      jwks.body.keys.map((key) => key.kid),
      [kids.active, oldKid],
    );
    await compactVerify(first.jws, createLocalJWKSet(jwks.body));
    assert.equal((await verify(first.jws)).body.valid, true);

    const fresh = await receipts.issueReceipt(fee(agency.id));
    assert.equal(decodeProtectedHeader(fresh.jws).kid, kids.active);
    await compactVerify(fresh.jws, createLocalJWKSet(jwks.body));
    assert.equal((await verify(fresh.jws)).body.valid, true);
  });

  it('refuses to sign with keys sealed under another key-encryption key', async () => {
    const repository = new ReceiptsRepository(new Db(db.pool));
    const stranger = new ReceiptSigningKeys(
      repository,
      resolveKeyEncryptionKey({ data_dir: dataDir, receipt_key_encryption_key: 'ab'.repeat(32) }),
    );
    assert.equal((await stranger.check()).usable, false);
    await assert.rejects(stranger.ensureActiveKey(), SigningKeyError);
    await assert.rejects(stranger.sign({ any: 'thing' }, 'receipt+jws'), SigningKeyError);
  });

  it('keeps no private key in the clear in any table nor in the logs', async () => {
    const kek = resolveKeyEncryptionKey(hub.config);
    const rows = await db.pool.query<SigningKeyRow>('SELECT * FROM receipt_signing_keys');
    assert.equal(rows.rows.length, 2);
    const secrets: string[] = [kek.key.toString('hex'), kek.key.toString('base64url')];
    for (const row of rows.rows) {
      const der = openPrivateKey(kek, row.kid, row.private_key_sealed);
      const d = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d!;
      const seed = Buffer.from(d, 'base64url');
      secrets.push(
        d,
        seed.toString('hex'),
        seed.toString('base64'),
        der.toString('base64'),
        der.toString('hex'),
      );
      assert.ok(!row.private_key_sealed.includes(seed), 'the sealed key holds the seed in the clear');
    }
    const tables = await db.pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    for (const { tablename } of tables.rows) {
      const dump = await db.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${tablename} t`);
      for (const { row } of dump.rows)
        for (const secret of secrets) assert.ok(!row.includes(secret), `${tablename} holds a secret`);
    }
    const text = logs.text();
    assert.ok(text.includes('receipt signing key ready'), 'the capture saw the hub logs');
    for (const secret of secrets) assert.ok(!text.includes(secret), 'the logs hold a secret');
    assert.equal(readFileSync(join(dataDir, KEK_FILE), 'utf8').trim(), kek.key.toString('hex'));
  });
});
