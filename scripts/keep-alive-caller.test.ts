// The benchmarks' keep-alive caller against node:http on loopback: answers by Content-Length, chunked
// and 204, the body and headers a POST carries, one connection kept across requests, a new one once
// the server closed it; and the parser's refusals of a truncated answer.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KeepAliveCaller, KeepAliveCallers, parseAnswer } from './keep-alive-caller';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

describe('keep-alive caller', () => {
  let server: Server;
  let port: number;
  const seen: Seen[] = [];
  let connections = 0;

  before(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          method: request.method!,
          url: request.url!,
          contentType: request.headers['content-type'],
          body,
        });
        const path = request.url!.split('?')[0];
        if (path === '/empty') return void response.writeHead(204).end();
        if (path === '/chunked') {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('first half, ');
          setTimeout(() => response.end('second half'), 5);
          return;
        }
        if (path === '/close') return void response.writeHead(200, { connection: 'close' }).end('bye');
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ echo: body, ấ: 'đ' }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('sends a POST with its body and reads the answer by Content-Length, then reuses the connection', async () => {
    const caller = new KeepAliveCaller('127.0.0.1', port);
    const before = connections;
    const body = JSON.stringify({ orderId: 'PZ1', amount: 150000, note: 'phí trước bạ' });
    const answer = await caller.request('POST', '/v1/gateways/momo/ipn', body);
    assert.equal(answer.status, 201);
    assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { echo: body, ấ: 'đ' });
    assert.deepEqual(seen.at(-1), {
      method: 'POST',
      url: '/v1/gateways/momo/ipn',
      contentType: 'application/json',
      body,
    });
    const empty = await caller.request('GET', '/empty?vnp_Amount=1', null);
    assert.equal(empty.status, 204);
    assert.equal(empty.body.length, 0);
    assert.equal(seen.at(-1)!.url, '/empty?vnp_Amount=1');
    const chunked = await caller.request('GET', '/chunked', null);
    assert.equal(chunked.status, 200);
    assert.equal(chunked.body.toString('utf8'), 'first half, second half');
    assert.equal(connections - before, 1, 'three requests on one connection');
    caller.close();
  });

  it('opens a new connection once the server has closed one', async () => {
    const caller = new KeepAliveCaller('127.0.0.1', port);
    const before = connections;
    const closing = await caller.request('GET', '/close', null);
    assert.equal(closing.status, 200);
    assert.equal(closing.body.toString('utf8'), 'bye');
    const next = await caller.request('POST', '/again', '{}');
    assert.equal(next.status, 201);
    assert.equal(connections - before, 2);
    caller.close();
  });

  it('refuses a second request while one is in flight; a pool hands out one caller per request', async () => {
    const caller = new KeepAliveCaller('127.0.0.1', port);
    const first = caller.request('GET', '/chunked', null);
    await assert.rejects(caller.request('GET', '/empty', null), /one request at a time/);
    assert.equal((await first).status, 200);
    caller.close();

    const pool = new KeepAliveCallers(`http://127.0.0.1:${port}`);
    const before = connections;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => pool.request('POST', `/p${i}`, `{"i":${i}}`)),
    );
    assert.deepEqual(
      answers.map((answer) => JSON.parse(answer.body.toString('utf8')).echo),
      [0, 1, 2, 3, 4].map((i) => `{"i":${i}}`),
    );
    await pool.request('GET', '/empty', null);
    assert.equal(connections - before, 5, 'five at once open five connections; the next reuses one');
    pool.close();
  });

  it('parses answers only once they are whole, and refuses one cut short by a close', () => {
    const whole = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No');
    const parsed = parseAnswer(whole, false)!;
    assert.equal(parsed.answer.status, 200);
    assert.equal(parsed.answer.body.toString(), 'hello');
    assert.equal(whole.subarray(parsed.used).toString(), 'HTTP/1.1 204 No');
    assert.equal(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'), false), null);
    assert.throws(
      () => parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'), true),
      /closed/,
    );
    assert.throws(() => parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nContent-'), true), /closed/);
    assert.throws(() => parseAnswer(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), false), /not an HTTP answer/);
    const untilClose = parseAnswer(Buffer.from('HTTP/1.0 200 OK\r\n\r\nall of it'), true)!;
    assert.equal(untilClose.answer.body.toString(), 'all of it');
    assert.equal(untilClose.close, true);
  });
});
