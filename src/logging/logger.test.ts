import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, lazyChildLogger, PinoNestLogger } from './logger';

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
    logger.info({ req: { headers: { authorization: 'Bearer s3cret-token', host: 'hub' } } }, 'request');
    logger.info(
      { config: { admin_token: 's3cret-token', database_url: 'postgres://u:s3cret@db/x', port: 1 } },
      'config',
    );
    const text = JSON.stringify(lines());
    assert.ok(!text.includes('s3cret'), text);
    const [request, config] = lines();
    assert.deepEqual((request!.req as { headers: unknown }).headers, {
      authorization: '[redacted]',
      host: 'hub',
    });
    assert.equal((config!.config as { port: number }).port, 1);
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
