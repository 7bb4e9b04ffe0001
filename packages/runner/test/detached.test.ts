import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import {
  RunActiveError,
  type RunHandle,
  RunNotActiveError,
  RunNotFoundError,
  type RunResult,
  StateCorruptError,
} from '../src/index.ts';
import { startElsewhere } from './support/start-elsewhere.ts';
import { testRunner } from './support/test-runner.ts';

const detachedCancelId = `detached-cancel-${randomUUID().slice(0, 8)}`;
const orphanedRunId = `orphaned-run-${randomUUID().slice(0, 8)}`;
const takenIdId = `taken-id-${randomUUID().slice(0, 8)}`;
const t = testRunner('detached');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

/** Waits until the record says the container has started; fails at once if the run ended first. */
async function startedRecord(run: RunHandle): Promise<void> {
  let ended: RunResult | undefined;
  void run.result.then((result) => {
    ended = result;
  });
  for (let i = 0; i < 1200; i++) {
    if ((await t.runner.get(run.id))?.startedAt) return;
    if (ended) throw new Error(`run ${run.id} ended before it was seen running: ${JSON.stringify(ended)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${run.id} never started`);
}

test('a new runner over the same state dir lists, re-attaches to and cancels a detached run', async () => {
  const first = t.runner.run({
    image: 'localhost/light-sh',
    id: detachedCancelId,
    detached: true,
    entrypoint: 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
  });
  await startedRecord(first);

  const restarted = t.sibling();
  const listed = await restarted.list();
  assert.deepEqual(
    listed.map((r) => [r.id, r.status, r.detached]),
    [[detachedCancelId, 'running', true]],
  );
  const ticks: string[] = [];
  const gotTick = new Promise<void>((resolve) => {
    void restarted.attach(first.id, {
      onLog: (l) => {
        ticks.push(l.line);
        resolve();
      },
    });
  });
  await gotTick;
  const again = await restarted.attach(first.id);
  await again.pause();
  assert.equal((await restarted.get(first.id))?.status, 'paused');
  await again.resume();
  await again.cancel();

  const [fromOwner, fromSibling] = await Promise.all([first.result, again.result]);
  assert.equal(fromOwner.status, 'cancelled');
  assert.deepEqual(fromSibling, fromOwner);
  assert.match(ticks[0] ?? '', /^tick \d+$/);
  assert.equal((await t.runner.get(first.id))?.status, 'cancelled');
});

test('a new runner stops a detached run with SIGTERM and both handles see it cancelled', async () => {
  const first = t.runner.run({
    image: 'localhost/light-sh',
    detached: true,
    entrypoint: "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done",
  });
  await startedRecord(first);
  const lines: string[] = [];
  const other = await t.sibling().attach(first.id, { onLog: (l) => lines.push(l.line) });
  await other.stop({ graceMs: 20_000 });
  const [a, b] = await Promise.all([first.result, other.result]);
  assert.equal(a.status, 'cancelled');
  assert.deepEqual(a, b);
  assert.deepEqual(lines, ['bye']);
});

test('attaching to a finished run gives its result at once; unknown ids throw RunNotFoundError', async () => {
  const run = t.runner.run({
    image: 'localhost/light-sh',
    detached: true,
    entrypoint: 'echo hi > out.txt',
    extract: ['out.txt'],
  });
  const result = await run.result;
  assert.equal(result.status, 'succeeded');
  const other = t.sibling();
  const handle = await other.attach(run.id);
  assert.deepEqual(await handle.result, result);
  await assert.rejects(handle.cancel(), RunNotActiveError);
  await assert.rejects(other.attach('no-such-run'), RunNotFoundError);
  await assert.rejects(other.remove('no-such-run'), RunNotFoundError);
  await other.remove(run.id);
  assert.equal(await other.get(run.id), undefined);
});

test('a detached run whose starter process exited is re-attached, finished and cleaned up by another', async () => {
  startElsewhere(t, orphanedRunId, 'echo working; sleep 1; echo finished > out.txt', 'detached');
  assert.equal((await t.runner.get(orphanedRunId))?.status, 'running');

  const lines: string[] = [];
  const handle = await t.runner.attach(orphanedRunId, { onLog: (l) => lines.push(l.line) });
  await assert.rejects(t.runner.remove(orphanedRunId), RunActiveError);
  const result = await handle.result;
  assert.equal(result.status, 'succeeded', JSON.stringify(result));
  assert.deepEqual(result.artifacts, [{ path: 'out.txt', bytes: 9, type: 'text/plain' }]);
  assert.equal(readFileSync(join(t.artifactsDir, orphanedRunId, 'out.txt'), 'utf8'), 'finished\n');
  assert.deepEqual(lines, ['working']);
  await t.runner.remove(orphanedRunId);
});

test('a record that does not parse is reported as StateCorruptError and skipped by list()', async () => {
  writeFileSync(join(t.stateDir, 'broken.json'), '{ not json');
  await assert.rejects(t.runner.get('broken'), StateCorruptError);
  assert.ok(!(await t.runner.list()).some((r) => r.id === 'broken'));
});

test('a caller-chosen id that is already recorded is refused without touching the record', async () => {
  const first = await t.runner.run({ image: 'localhost/light-sh', id: takenIdId, entrypoint: 'true' }).result;
  assert.equal(first.status, 'succeeded');
  const second = await t.runner.run({ image: 'localhost/light-sh', id: takenIdId, entrypoint: 'exit 1' })
    .result;
  assert.equal(second.error?.code, 'INVALID_REQUEST');
  assert.equal((await t.runner.get(takenIdId))?.status, 'succeeded');
});
