import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toServerOptions } from '../../src/cli/serve-options.ts';
import { resolveOptions } from '../../src/server/options.ts';

test('--warm-pool and --warm-pool-size become the warmPool server option', () => {
  const options = toServerOptions({
    dataDir: '/tmp/x',
    warmPool: 'localhost/light-sh, localhost/light-node,',
    warmPoolSize: '3',
  });
  assert.deepEqual(options.warmPool, { images: ['localhost/light-sh', 'localhost/light-node'], size: 3 });
  assert.equal(toServerOptions({ dataDir: '/tmp/x' }).warmPool, undefined);
  assert.deepEqual(toServerOptions({ dataDir: '/tmp/x', warmPool: 'localhost/light-sh' }).warmPool, {
    images: ['localhost/light-sh'],
  });
  assert.throws(() => toServerOptions({ dataDir: '/tmp/x', warmPool: ' , ' }), /warm-pool|warmPool/);
  assert.throws(() =>
    toServerOptions({ dataDir: '/tmp/x', warmPool: 'localhost/light-sh', warmPoolSize: '0' }),
  );
});

test('the warmPool server option is validated and kept', () => {
  const resolved = resolveOptions({
    dataDir: '/tmp/x',
    warmPool: { images: ['localhost/light-sh'], size: 2 },
  });
  assert.deepEqual(resolved.warmPool, { images: ['localhost/light-sh'], size: 2 });
  assert.throws(() => resolveOptions({ dataDir: '/tmp/x', warmPool: { images: [] } }));
  assert.throws(() => resolveOptions({ dataDir: '/tmp/x', warmPool: { images: ['a b'] } }));
});
