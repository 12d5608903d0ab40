// Every gateway's simulator tests need the merchant's callback endpoint on loopback (what src/ would
// serve); this is it, once. Not a test file itself.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackReply } from '../contract';

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
