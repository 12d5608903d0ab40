import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, lazyChildLogger, loggableUrl, PinoNestLogger } from './logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('logger', () => {
  it('redacts the Authorization header and configured secrets wherever a caller logs them', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    logger.info({ headers: { authorization: 'Bearer s3cret-token', host: 'hub' } }, 'request');
    logger.info(
      { config: { admin_token: 's3cret-token', database_url: 'postgres://u:s3cret@db/x', port: 1 } },
      'config',
    );
    const text = JSON.stringify(lines());
    assert.ok(!text.includes('s3cret'), text);
    const [request, config] = lines();
    assert.deepEqual(request!.headers, {
      authorization: '[redacted]',
      host: 'hub',
    });
    assert.equal((config!.config as { port: number }).port, 1);
  });

  it('writes a request as method, path and only the harmless query values, never its headers', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    const request = {
      method: 'GET',
      url: '/pay/bill_01HZX?sig=c2VjcmV0LXNpZw&lang=en',
      host: 'hub',
      ip: '10.0.0.7',
      socket: { remotePort: 50123 },
      headers: { authorization: 'Bearer s3cret-token', cookie: 'payhub_session=s3cret' },
    };
    logger.info({ req: request }, 'incoming request');
    const text = JSON.stringify(lines());
    for (const secret of ['c2VjcmV0LXNpZw', 's3cret']) assert.ok(!text.includes(secret), text);
    assert.deepEqual(lines()[0]!.req, {
      method: 'GET',
      url: '/pay/bill_01HZX?sig=[redacted]&lang=en',
      host: 'hub',
      remoteAddress: '10.0.0.7',
      remotePort: 50123,
    });
  });

  it('keeps paging and filters in a logged URL and redacts every other value, and names that are data', () => {
    const cases: Array<[string, string]> = [
      ['/v1/bills', '/v1/bills'],
      ['/v1/bills?', '/v1/bills?'],
      ['/v1/bills?limit=10&starting_after=bill_01H', '/v1/bills?limit=10&starting_after=bill_01H'],
      [
        '/v1/gateways/vnpay/ipn?vnp_Amount=1000000&vnp_OrderInfo=Nguyen+Van+An&vnp_SecureHash=ab12',
        '/v1/gateways/vnpay/ipn?vnp_Amount=[redacted]&vnp_OrderInfo=[redacted]&vnp_SecureHash=[redacted]',
      ],
      ['/v1/no-such-thing?card=4111111111111111', '/v1/no-such-thing?card=[redacted]'],
      ['/v1/no-such-thing?4111111111111111', '/v1/no-such-thing?…=[redacted]'],
      [
        '/agency/statement.csv?from=2026-11-01&to=2026-11-30',
        '/agency/statement.csv?from=2026-11-01&to=2026-11-30',
      ],
      ['/receipts/verify?jws=eyJhbGciOiJFZERTQSJ9.e30.sig', '/receipts/verify?jws=[redacted]'],
      ['/x?%E0%A4%A=1&lang=vi', '/x?…=[redacted]&lang=vi'],
    ];
    for (const [url, logged] of cases) assert.equal(loggableUrl(url), logged, url);
  });

  it('writes Nest messages as JSON with their context, demoting bootstrap chatter to debug', () => {
    const { stream, lines } = capture();
    const nest = new PinoNestLogger(createLogger('info', stream));
    nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    nest.warn('something odd', 'HealthService');
    nest.error('it broke', 'Error: it broke\n    at x (y.ts:1:1)', 'ExceptionsHandler');
    assert.deepEqual(
      lines().map((line) => [line.level, line.context, line.msg]),
      [
        [40, 'HealthService', 'something odd'],
        [50, 'ExceptionsHandler', 'it broke'],
      ],
    );
    assert.match(String(lines()[1]!.stack), /at x/);
  });
});

describe('lazyChildLogger', () => {
  it('makes the child on its first enabled line, which carries the bindings, and never for a disabled one', () => {
    const { stream, lines } = capture();
    const parent = createLogger('warn', stream);
    let made = 0;
    const child = parent.child.bind(parent);
    parent.child = ((bindings, options) => {
      made++;
      return child(bindings, options);
    }) as typeof parent.child;
    const lazy = lazyChildLogger(parent, { reqId: 'r-1' }, {});
    lazy.info('not written');
    lazy.debug('not written');
    assert.equal(made, 0);
    assert.equal(lazy.level, 'warn');
    lazy.warn({ code: 'x' }, 'written');
    lazy.error('also written');
    lazy.info('still not written');
    assert.equal(made, 1);
    // pino's children inherit the parent's own properties: the spy goes before a child's child is made.
    delete (parent as { child?: unknown }).child;
    lazy.child({ part: 'inner' }).error('nested');
    assert.deepEqual(
      lines().map((line) => [line.msg, line.reqId, line.part ?? null]),
      [
        ['written', 'r-1', null],
        ['also written', 'r-1', null],
        ['nested', 'r-1', 'inner'],
      ],
    );
    lazy.level = 'info';
    lazy.info('now written');
    assert.equal(lines().at(-1)!.msg, 'now written');
    // A route's own level decides for its requests: debug lines written under a parent at warn.
    lazyChildLogger(parent, { reqId: 'r-2' }, { level: 'debug' }).debug('route level');
    assert.deepEqual([lines().at(-1)!.msg, lines().at(-1)!.reqId], ['route level', 'r-2']);
  });
});
