import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { type RunHandle, RunNotActiveError } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const t = testRunner('control', { limits: { memoryBytes: 32 * 1024 * 1024 } });
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

/** Resolves once the run printed `line` (its process is up and past setup). */
function startedRun(
  request: Parameters<typeof t.runner.run>[0],
  line = 'ready',
): { run: RunHandle; ready: Promise<void> } {
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const run = t.runner.run(request, { onLog: (l) => l.line === line && markReady() });
  return { run, ready };
}

test('a sleep 60 with a 1 s timeout ends quickly with status timeout', async () => {
  const began = Date.now();
  const result = await t.runner.run({ image: 'localhost/light-sh', entrypoint: 'sleep 60', timeoutMs: 1000 })
    .result;
  assert.equal(result.status, 'timeout');
  assert.equal(result.error?.code, 'TIMEOUT');
  assert.ok(Date.now() - began < 30_000, 'did not hang');
});

test('cancel kills a running run at once and it ends cancelled', async () => {
  const { run, ready } = startedRun({ image: 'localhost/light-sh', entrypoint: 'echo ready; sleep 60' });
  await ready;
  const began = Date.now();
  await run.cancel();
  const result = await run.result;
  assert.equal(result.status, 'cancelled');
  assert.ok(Date.now() - began < 30_000, 'did not hang');
  await assert.rejects(run.pause(), RunNotActiveError);
  assert.equal((await t.runner.get(run.id))?.status, 'cancelled');
});

test('cancel right after run() ends cancelled without the entrypoint running to completion', async () => {
  const run = t.runner.run({ image: 'localhost/light-sh', entrypoint: 'sleep 60' });
  await run.cancel();
  assert.equal((await run.result).status, 'cancelled');
});

test('stop sends SIGTERM, which a trapping process handles before exiting; status cancelled', async () => {
  const lines: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const run = t.runner.run(
    {
      image: 'localhost/light-sh',
      entrypoint: "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done",
    },
    {
      onLog: (l) => {
        lines.push(l.line);
        if (l.line === 'ready') markReady();
      },
    },
  );
  await ready;
  await run.stop({ graceMs: 20_000 });
  const result = await run.result;
  assert.equal(result.status, 'cancelled');
  assert.ok(lines.includes('got-term'), `lines: ${lines.join('|')}`);
});

test('stop ends a plain command that has no signal handler of its own well before the grace period', async () => {
  const { run, ready } = startedRun({ image: 'localhost/light-sh', entrypoint: 'echo ready; sleep 60' });
  await ready;
  const began = Date.now();
  await run.stop({ graceMs: 60_000 });
  assert.equal((await run.result).status, 'cancelled');
  assert.ok(Date.now() - began < 30_000, 'SIGTERM reached the command instead of waiting for the kill');
});

test('stop kills a process that ignores the signal once the grace period is over', async () => {
  const { run, ready } = startedRun({
    image: 'localhost/light-sh',
    entrypoint: "trap '' TERM; echo ready; sleep 60 & wait",
  });
  await ready;
  const began = Date.now();
  await run.stop({ graceMs: 500 });
  assert.equal((await run.result).status, 'cancelled');
  assert.ok(Date.now() - began < 30_000, 'did not hang');
});

test('pause freezes the run and resume continues it; both states are persisted', async () => {
  const lines: string[] = [];
  const run = t.runner.run(
    { image: 'localhost/light-sh', entrypoint: 'echo ready; read line; echo "got $line"', input: 'unused' },
    { onLog: (l) => lines.push(l.line) },
  );
  const ticker = startedRun({
    image: 'localhost/light-sh',
    entrypoint: 'echo ready; i=0; while [ $i -lt 400 ]; do i=$((i+1)); sleep 0.05; done; echo done',
  });
  await ticker.ready;
  await assert.rejects(ticker.run.resume(), RunNotActiveError);
  await ticker.run.pause();
  assert.equal((await t.runner.get(ticker.run.id))?.status, 'paused');
  await assert.rejects(ticker.run.pause(), RunNotActiveError);
  await ticker.run.resume();
  assert.equal((await t.runner.get(ticker.run.id))?.status, 'running');
  await ticker.run.cancel();
  assert.equal((await ticker.run.result).status, 'cancelled');
  const result = await run.result;
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(lines, ['ready', 'got "unused"']);
});

test('a process over the memory limit ends failed with OUT_OF_MEMORY naming the limit', async () => {
  const result = await t.runner.run({
    image: 'localhost/light-sh',
    entrypoint: 'head -c 200000000 /dev/zero | tail > /dev/null',
  }).result;
  assert.equal(result.status, 'failed');
  assert.equal(result.exitCode, 137);
  assert.equal(result.error?.code, 'OUT_OF_MEMORY');
  assert.match(result.error?.message ?? '', new RegExp(String(32 * 1024 * 1024)));
});
