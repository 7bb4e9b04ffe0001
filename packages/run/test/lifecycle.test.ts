import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { ErrorBody, RunState } from '../src/index.ts';
import { logText, startDetached, waitForEnd, waitForLog } from './support/runs.ts';
import { json, startServer, type TestServer } from './support/server.ts';

const counter = 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done';

describe('run control: cancel, stop, pause, resume, delete, logs', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    await assertNoLeaks();
  });

  test('POST /runs/:id/cancel kills a running run and answers its cancelled state', async () => {
    const run = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'echo up; sleep 60' });
    await waitForLog(t, run.id, 'up');
    const res = await t.post(`/runs/${run.id}/cancel`);
    assert.equal(res.status, 200);
    const state = await json<RunState>(res);
    assert.equal(state.status, 'cancelled');
    assert.ok(state.finishedAt);
    const again = await t.post(`/runs/${run.id}/cancel`);
    assert.equal(again.status, 409);
    assert.equal((await json<ErrorBody>(again)).error.code, 'RUN_NOT_ACTIVE');
  });

  test('POST /runs/:id/stop delivers the signal so the workload can clean up', async () => {
    const run = await startDetached(t, {
      image: 'localhost/light-sh',
      entrypoint: "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.2; done",
    });
    await waitForLog(t, run.id, 'ready');
    const res = await t.post(`/runs/${run.id}/stop`, { signal: 'SIGTERM', grace: 10_000 });
    assert.equal(res.status, 200);
    assert.equal((await json<RunState>(res)).status, 'cancelled');
    assert.match(await logText(t, run.id), /got-term/);
  });

  test('a stop body with a bad signal answers 400 naming signal', async () => {
    const res = await t.post('/runs/whatever/stop', { signal: 'KILL-ALL' });
    assert.equal(res.status, 400);
    const body = await json<ErrorBody>(res);
    assert.match(body.error.message, /^signal: /);
  });

  test('pause freezes a run (its output stops) and resume thaws it', async () => {
    const run = await startDetached(t, { image: 'localhost/light-sh', entrypoint: counter });
    await waitForLog(t, run.id, 'tick-2');
    const paused = await t.post(`/runs/${run.id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal((await json<RunState>(paused)).status, 'paused');
    assert.equal((await json<RunState>(await t.api(`/runs/${run.id}`))).status, 'paused');
    const twice = await t.post(`/runs/${run.id}/pause`);
    assert.equal(twice.status, 409);
    await sleep(400);
    const frozen = await logText(t, run.id);
    await sleep(1200);
    assert.equal(await logText(t, run.id), frozen, 'a paused run kept printing');
    const resumed = await t.post(`/runs/${run.id}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal((await json<RunState>(resumed)).status, 'running');
    const lastTick = Number(/tick-(\d+)\n$/.exec(frozen)?.[1]);
    await waitForLog(t, run.id, `tick-${lastTick + 2}`);
    assert.equal((await json<RunState>(await t.post(`/runs/${run.id}/cancel`))).status, 'cancelled');
    const late = await t.post(`/runs/${run.id}/resume`);
    assert.equal(late.status, 409);
  });

  test('DELETE /runs/:id answers 409 while the run is active, then 204, then the run is gone', async () => {
    const run = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'echo up; sleep 60' });
    await waitForLog(t, run.id, 'up');
    const busy = await t.api(`/runs/${run.id}`, { method: 'DELETE' });
    assert.equal(busy.status, 409);
    assert.equal((await json<ErrorBody>(busy)).error.code, 'RUN_ACTIVE');
    await t.post(`/runs/${run.id}/cancel`);
    const gone = await t.api(`/runs/${run.id}`, { method: 'DELETE' });
    assert.equal(gone.status, 204);
    assert.equal((await t.api(`/runs/${run.id}`)).status, 404);
    assert.equal((await t.api(`/runs/${run.id}/logs`)).status, 404);
  });

  test('GET /runs/:id/logs?follow=1 streams lines as they come and ends with the run', async () => {
    const run = await startDetached(t, {
      image: 'localhost/light-sh',
      entrypoint: 'for i in 1 2 3 4; do echo line-$i; sleep 0.4; done',
    });
    const res = await t.api(`/runs/${run.id}/logs?follow=1`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.equal(text, 'line-1\nline-2\nline-3\nline-4\n');
    assert.equal((await waitForEnd(t, run.id)).status, 'succeeded');
    const ndjson = await t.api(`/runs/${run.id}/logs?format=ndjson&follow=1`);
    const lines = (await ndjson.text()).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { line: string }).line),
      ['line-1', 'line-2', 'line-3', 'line-4'],
    );
  });

  test('a synchronous run whose client hangs up is cancelled', async () => {
    const client = new AbortController();
    const request = t
      .api('/run', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: 'localhost/light-sh', entrypoint: 'echo hang-up-test; sleep 60' }),
        signal: client.signal,
      })
      .catch((err: unknown) => err);
    let id: string | undefined;
    while (!id) {
      const { runs } = await json<{ runs: RunState[] }>(await t.api('/runs?status=running'));
      id = runs.find((r) => !r.detached)?.id;
      if (!id) await sleep(100);
    }
    await waitForLog(t, id, 'hang-up-test');
    client.abort();
    assert.equal(((await request) as Error).name, 'AbortError');
    assert.equal((await waitForEnd(t, id)).status, 'cancelled');
  });

  test('GET /runs/:id?wait= with a bad duration answers 400 naming wait', async () => {
    const run = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'true' });
    const res = await t.api(`/runs/${run.id}?wait=forever`);
    assert.equal(res.status, 400);
    assert.match((await json<ErrorBody>(res)).error.message, /^wait: /);
    assert.equal((await waitForEnd(t, run.id)).status, 'succeeded');
  });
});

describe('queueing', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ maxConcurrent: 1 });
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    await assertNoLeaks();
  });

  test('past maxConcurrent a run waits as queued, and a queued run can be cancelled', async () => {
    const first = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'echo up; sleep 60' });
    const second = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'echo second' });
    const third = await startDetached(t, { image: 'localhost/light-sh', entrypoint: 'echo third' });
    assert.equal(second.status, 'queued');
    assert.equal(third.status, 'queued');
    const cancelled = await json<RunState>(await t.post(`/runs/${third.id}/cancel`));
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.startedAt, null);
    await t.post(`/runs/${first.id}/cancel`);
    assert.equal((await waitForEnd(t, second.id)).status, 'succeeded');
  });
});
