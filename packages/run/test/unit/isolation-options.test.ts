import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toServerOptions } from '../../src/cli/serve-options.ts';

test('the isolation flags of light-run serve become limits, runtime and gpus in one size grammar', () => {
  const options = toServerOptions({
    dataDir: '/tmp/x',
    memory: '64m',
    cpus: '1.5',
    pids: '50',
    disk: '1.5GiB',
    runtime: 'runsc',
    gpus: '2',
  });
  assert.deepEqual(options.limits, {
    memoryBytes: 64 * 1024 ** 2,
    cpus: 1.5,
    pids: 50,
    diskBytes: 1.5 * 1024 ** 3,
  });
  assert.equal(options.runtime, 'runsc');
  assert.equal(options.gpus, 2);
  assert.equal(toServerOptions({ dataDir: '/tmp/x', gpus: 'all' }).gpus, 'all');
});

test('an empty isolation setting counts as unset and leaves the defaults', () => {
  const options = toServerOptions({
    dataDir: '/tmp/x',
    memory: '',
    cpus: '',
    pids: '',
    gpus: '',
    runtime: '',
  });
  assert.equal(options.limits, undefined);
  assert.equal(options.gpus, undefined);
  assert.equal(options.runtime, undefined);
});

test('a bad isolation setting is refused naming its flag', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ memory: 'lots' }, /--memory must be a size/],
    [{ disk: '-1g' }, /--disk must be a size/],
    [{ cpus: 'x' }, /--cpus must be a number/],
    [{ cpus: '0' }, /--cpus must be above 0/],
    [{ pids: '1.5' }, /--pids must be a whole number/],
    [{ runtime: 'kata' }, /--runtime must be runc or runsc/],
    [{ gpus: '0' }, /--gpus must be all or a count/],
    [{ gpus: 'some' }, /--gpus must be all or a count/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(() => toServerOptions({ dataDir: '/tmp/x', ...flags }), message, JSON.stringify(flags));
  }
});
