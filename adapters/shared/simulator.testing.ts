// Every gateway's simulator tests need the merchant's callback endpoint on loopback (what src/ would
// serve); this is it, once. Not a test file itself.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackReply } from '../contract';
import { FeeError, type FeeRule } from '../fees';

/** A request the merchant endpoint received, with its whole body. */
export interface MerchantRequest {
  readonly method: string;
  /** Parsed against the endpoint's own base, so `searchParams` holds the query. */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
}

export interface MerchantEndpoint {
  /** `http://127.0.0.1:<port><path>`: where the simulator sends its callbacks. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that reads each request whole and answers what `answer` returns (a
 * client's callbackReply, typically). Any path reaches `answer`; `path` only completes the URL.
 */
export async function startMerchantEndpoint(
  path: string,
  answer: (request: MerchantRequest) => CallbackReply | Promise<CallbackReply>,
): Promise<MerchantEndpoint> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const reply = await answer({
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', 'http://merchant.local'),
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
        });
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      })();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Fee rules that adapters/fees.ts refuses, each with the param its FeeError names. */
const INVALID_FEE_RULES: readonly (readonly [FeeRule, string])[] = [
  [{ percent: '1,1' }, 'fee.percent'],
  [{ percent: '101' }, 'fee.percent'],
  [{ fixed: -1n }, 'fee.fixed'],
  [{ min: 2_000n, max: 1_000n }, 'fee.min'],
];

/**
 * Asserts that a simulator refuses at start every fee rule the hub's configuration would refuse: its
 * settlement fees use the same rule, so the same rules must be out of reach.
 */
export async function assertRefusesInvalidFeeRules(start: (fee: FeeRule) => Promise<unknown>): Promise<void> {
  for (const [fee, param] of INVALID_FEE_RULES) {
    await assert.rejects(start(fee), (error) => {
      assert.ok(error instanceof FeeError);
      assert.deepEqual([error.code, error.param], ['fee_rule_invalid', param]);
      return true;
    });
  }
}
