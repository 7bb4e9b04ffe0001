import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNoLeaks } from '../../../../test/support/leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import { StateCorruptError } from '../../src/index.ts';
import type { RunRecord } from '../../src/state/run-record.ts';
import { StateStore } from '../../src/state/state-store.ts';

after(() => assertNoLeaks());

function record(id: string, status: RunRecord['status'] = 'running'): RunRecord {
  return {
    id,
    status,
    image: 'localhost/light-sh',
    detached: false,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    durationMs: null,
    artifacts: [],
  };
}

test('StateStore writes atomically, reads back validated records and leaves no temp files', async () => {
  await using dir = tempDir('unit-state');
  const store = new StateStore(join(dir.path, 'nested'));
  await Promise.all([store.write(record('a')), store.write(record('b'))]);
  assert.deepEqual((await store.list()).map((r) => r.id).sort(), ['a', 'b']);
  assert.deepEqual(readdirSync(join(dir.path, 'nested')).sort(), ['a.json', 'b.json']);
  assert.equal(await store.read('missing'), undefined);
  writeFileSync(join(dir.path, 'nested', 'bad.json'), JSON.stringify({ id: 'bad' }));
  await assert.rejects(store.read('bad'), StateCorruptError);
  assert.equal((await store.list()).length, 2);
});

test('StateStore never turns a terminal record back into an active one', async () => {
  await using dir = tempDir('unit-state');
  const store = new StateStore(dir.path);
  await store.write(record('r'));
  await store.update('r', (r) => ({ ...r, status: 'paused' }));
  assert.equal((await store.read('r'))?.status, 'paused');
  await store.write({ ...record('r'), status: 'succeeded' });
  const after = await store.update('r', (r) => ({ ...r, status: 'running' }));
  assert.equal(after?.status, 'succeeded');
  assert.equal((await store.read('r'))?.status, 'succeeded');
});

test('StateStore hands the finalize lock to exactly one claimant', async () => {
  await using dir = tempDir('unit-state');
  const one = new StateStore(dir.path);
  const two = new StateStore(dir.path);
  const claims = await Promise.all([one.claimFinalize('x'), two.claimFinalize('x'), one.claimFinalize('x')]);
  assert.deepEqual(claims.filter(Boolean).length, 1);
  await one.releaseFinalize('x');
  assert.equal(await two.claimFinalize('x'), true);
  await two.releaseFinalize('x');
});

test('StateStore takes over a finalize lock whose holder process no longer exists', async () => {
  await using dir = tempDir('unit-state');
  const store = new StateStore(dir.path);
  // PID 2^22 + 1 is above Linux's pid_max limit, so no process can hold it.
  writeFileSync(join(dir.path, 'y.finalizing'), `${2 ** 22 + 1}@${hostname()}`);
  assert.equal(await store.claimFinalize('y'), true);
  writeFileSync(join(dir.path, 'z.finalizing'), `${process.pid}@${hostname()}`);
  assert.equal(await store.claimFinalize('z'), false);
});
