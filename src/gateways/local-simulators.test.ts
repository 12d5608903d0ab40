// The local simulators as `npm run sim` and an unconfigured hub run them: keys generated once and kept
// private, and each gateway's signed callback arriving at the hub's fixed route, verifiable with the
// keys the hub would use.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallbackRequest, GatewayAdapter, PaymentOrder } from '../../adapters/contract';
import { MomoClient } from '../../adapters/momo/momo.client';
import { VietQrClient } from '../../adapters/vietqr/vietqr.client';
import { VnpayClient } from '../../adapters/vnpay/vnpay.client';
import { ZalopayClient } from '../../adapters/zalopay/zalopay.client';
import {
  CALLBACK_PATHS,
  SIMULATOR_KEYS_FILE,
  loadSimulatorKeys,
  startLocalSimulators,
  type LocalSimulators,
} from './local-simulators';

/** A stand-in for the hub: records every request by path and acknowledges as each gateway wants. */
class HubStub {
  readonly received: Array<CallbackRequest & { path: string }> = [];
  #server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://hub.local');
        this.received.push({
          path: url.pathname,
          method: req.method ?? 'GET',
          query: Object.fromEntries(url.searchParams.entries()),
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
        });
        if (url.pathname === CALLBACK_PATHS.momo) {
          res.writeHead(204).end();
        } else if (url.pathname === CALLBACK_PATHS.zalopay) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"return_code":1}');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"RspCode":"00","Message":"ok"}');
        }
      });
    });
    await new Promise<void>((done) => this.#server!.listen(0, '127.0.0.1', () => done()));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  async waitFor(path: string): Promise<CallbackRequest> {
    for (let i = 0; i < 200; i++) {
      const found = this.received.find((r) => r.path === path);
      if (found) return found;
      await new Promise((done) => setTimeout(done, 10));
    }
    throw new Error(`nothing arrived at ${path}`);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((done) => this.#server?.close(() => done()));
  }
}

const order = (merchant_ref: string, method: PaymentOrder['method']): PaymentOrder => ({
  merchant_ref,
  amount: 150_000n,
  currency: 'VND',
  description: 'Le phi ho so HS-2026-000123',
  method,
  return_url: 'http://127.0.0.1:3000/v1/checkout/return',
  payer_ip: '127.0.0.1',
  locale: 'vi',
  created_at: new Date(),
});

async function created(client: GatewayAdapter, o: PaymentOrder): Promise<string> {
  const result = await client.createPayment(o);
  assert.ok(
    result.ok,
    JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
  return result.action.type === 'vietqr' ? result.action.payload : result.action.url;
}

describe('local simulators', () => {
  let dataDir: string;
  let hub: HubStub;
  let sims: LocalSimulators;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payhub-sim-'));
    hub = new HubStub();
    await hub.start();
    sims = await startLocalSimulators({
      keys: loadSimulatorKeys(dataDir).keys,
      hub_url: hub.url,
      retry_intervals_ms: [5],
    });
  });
  after(async () => {
    await sims.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates the keys once, private to the owner, and reuses them', () => {
    const path = join(dataDir, SIMULATOR_KEYS_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const again = loadSimulatorKeys(dataDir);
    assert.equal(again.created, false);
    assert.deepEqual(again.keys, JSON.parse(readFileSync(path, 'utf8')));
    const other = mkdtempSync(join(tmpdir(), 'payhub-sim-'));
    try {
      const fresh = loadSimulatorKeys(other);
      assert.equal(fresh.created, true);
      assert.notEqual(fresh.keys.vnpay.hash_secret, again.keys.vnpay.hash_secret);
      writeFileSync(join(other, SIMULATOR_KEYS_FILE), '{"vnpay":{}}');
      assert.throws(() => loadSimulatorKeys(other), /does not hold simulator keys/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('sends a verified VNPay IPN to the hub route', async () => {
    const client = new VnpayClient(sims.vnpay.clientConfig());
    const url = await created(client, order('simvnp0001', 'gateway_choice'));
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 200);
    sims.vnpay.approve('simvnp0001');
    const ipn = await hub.waitFor(CALLBACK_PATHS.vnpay);
    const event = client.parseCallback(ipn);
    assert.ok(event.ok);
    assert.equal(event.event.merchant_ref, 'simvnp0001');
    assert.equal(event.event.status, 'succeeded');
  });

  it('sends a verified MoMo IPN to the hub route', async () => {
    const client = new MomoClient(sims.momo.clientConfig(`${hub.url}${CALLBACK_PATHS.momo}`));
    await created(client, order('simmomo0001', 'wallet'));
    sims.momo.approve('simmomo0001');
    const ipn = await hub.waitFor(CALLBACK_PATHS.momo);
    const event = client.parseCallback(ipn);
    assert.ok(event.ok);
    assert.equal(event.event.merchant_ref, 'simmomo0001');
    assert.equal(event.event.amount, 150_000n);
  });

  it('sends a verified ZaloPay callback to the hub route', async () => {
    const client = new ZalopayClient(sims.zalopay.clientConfig());
    await created(client, order('simzlp0001', 'wallet'));
    sims.zalopay.approve('simzlp0001');
    const callback = await hub.waitFor(CALLBACK_PATHS.zalopay);
    const event = client.parseCallback(callback);
    assert.ok(event.ok);
    assert.equal(event.event.merchant_ref, 'simzlp0001');
  });

  it('sends a signed bank-transfer notification for a paid VietQR to the hub route', async () => {
    const client = new VietQrClient(sims.vietqr.clientConfig());
    const payload = await created(client, order('PZ0123456789AB', 'bank_transfer'));
    sims.vietqr.payQr(payload);
    const notification = await hub.waitFor(CALLBACK_PATHS.bank_transfer);
    const event = client.parseCallback(notification);
    assert.ok(event.ok);
    assert.equal(event.event.merchant_ref, 'PZ0123456789AB');
    assert.equal(event.event.amount, 150_000n);
  });
});

describe('npm run sim', () => {
  it('starts the four simulators, prints where they listen without a key, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'payhub-sim-'));
    const root = resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['--require', '@swc-node/register', 'scripts/sim.ts'], {
      cwd: root,
      env: { ...process.env, HUB_DATA_DIR: dataDir, SIM_PORT_BASE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 600 && !out.includes('VietQR'); i++) await new Promise((d) => setTimeout(d, 25));
      assert.match(out, /VNPay +http:\/\/127\.0\.0\.1:\d+/);
      assert.match(out, /VietQR +http:\/\/127\.0\.0\.1:\d+/);
      const keys = loadSimulatorKeys(dataDir).keys;
      for (const secret of [keys.vnpay.hash_secret, keys.momo.secret_key, keys.zalopay.key2]) {
        assert.equal(out.includes(secret), false, 'a key was printed');
      }
      const vnpayUrl = /VNPay +(http:\/\/\S+)/.exec(out)![1]!;
      assert.equal((await fetch(`${vnpayUrl}/no-such-page`)).status, 404);
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
