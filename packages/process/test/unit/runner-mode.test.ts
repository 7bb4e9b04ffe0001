import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modeFromEnv } from '../../src/adapters/light-run/local/connect.ts';
import { UsageError } from '../../src/definition/errors.ts';

test('modeFromEnv without LIGHT_RUN_URL is all-in-one and carries the isolation settings', () => {
  assert.deepEqual(modeFromEnv({}, { memory: '64m', gpus: 'all' }), {
    mode: 'all-in-one',
    isolation: { memory: '64m', gpus: 'all' },
  });
  assert.deepEqual(modeFromEnv({ LIGHT_RUN_BIN: '/x/light-run.js' }), {
    mode: 'all-in-one',
    bin: '/x/light-run.js',
  });
});

test('modeFromEnv with LIGHT_RUN_URL and isolation settings is a UsageError naming the flags', () => {
  assert.throws(
    () => modeFromEnv({ LIGHT_RUN_URL: 'http://127.0.0.1:3001' }, { memory: '64m', pids: 50 }),
    (err: unknown) =>
      err instanceof UsageError && /--memory, --pids/.test(err.message) && /LIGHT_RUN_URL/.test(err.message),
  );
  assert.deepEqual(modeFromEnv({ LIGHT_RUN_URL: 'http://127.0.0.1:3001', LIGHT_RUN_TOKEN: 't' }, {}), {
    mode: 'explicit',
    url: 'http://127.0.0.1:3001',
    token: 't',
  });
});
