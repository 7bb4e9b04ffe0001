import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../../test/support/leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import { HistoryStore } from '../../src/faces/server/store/history-store.ts';

const line = (text: string) => ({
  stream: 'stdout' as const,
  line: text,
  time: new Date().toISOString(),
  attempt: 1,
});

describe('HistoryStore', () => {
  after(async () => {
    await assertNoLeaks();
  });

  test('a finished run reads back with its node results and logs after the file is reopened', () => {
    using dir = tempDir('store');
    const path = join(dir.path, 'nested', 'history.db');
    {
      using store = HistoryStore.open({ path });
      store.createRun({ id: 'r1', workflowId: 'wf', workflowName: 'My flow', input: { n: 3 } });
      store.nodeStarted('r1', 'a', 1);
      store.appendLog('r1', 'a', line('hello'));
      store.nodeFinished('r1', 'a', {
        status: 'succeeded',
        output: { doubled: 6 },
        exitCode: 0,
        durationMs: 12.4,
        iterations: 1,
        attempts: 1,
        cached: false,
        lightRunId: 'lr-1',
      });
      store.finishRun('r1', { status: 'succeeded' });
    }
    using store = HistoryStore.open({ path });
    const run = store.getRun('r1');
    assert.ok(run);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.input, { n: 3 });
    assert.equal(run.workflowName, 'My flow');
    assert.equal(typeof run.durationMs, 'number');
    assert.equal(run.nodes.length, 1);
    const node = run.nodes[0];
    assert.equal(node?.status, 'succeeded');
    assert.deepEqual(node?.output, { doubled: 6 });
    assert.equal(node?.exitCode, 0);
    assert.equal(node?.durationMs, 12);
    assert.equal(node?.lightRunId, 'lr-1');
    assert.deepEqual(
      node?.logs.map((l) => l.line),
      ['hello'],
    );
  });

  test('logs past the per-node cap keep the newest lines and count the dropped ones', () => {
    using store = HistoryStore.open({ path: ':memory:', logLinesPerNode: 3 });
    store.createRun({ id: 'r', workflowId: 'wf', input: {} });
    store.nodeStarted('r', 'a', 1);
    for (let i = 1; i <= 5; i++) store.appendLog('r', 'a', line(`line ${i}`));
    const node = store.getRun('r')?.nodes[0];
    assert.deepEqual(
      node?.logs.map((l) => l.line),
      ['line 3', 'line 4', 'line 5'],
    );
    assert.equal(node?.logsDropped, 2);
  });

  test('listRuns filters by workflow and status and pages newest first', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    for (let i = 0; i < 5; i++) {
      store.createRun({ id: `r${i}`, workflowId: i % 2 === 0 ? 'even' : 'odd', input: {} });
      if (i !== 4) store.finishRun(`r${i}`, { status: i === 0 ? 'failed' : 'succeeded' });
    }
    const page1 = store.listRuns({ limit: 2 });
    assert.equal(page1.total, 5);
    assert.deepEqual(
      page1.runs.map((r) => r.id),
      ['r4', 'r3'],
    );
    assert.equal(page1.nextOffset, 2);
    const last = store.listRuns({ limit: 2, offset: 4 });
    assert.deepEqual(
      last.runs.map((r) => r.id),
      ['r0'],
    );
    assert.equal(last.nextOffset, null);
    assert.deepEqual(
      store.listRuns({ workflowId: 'even' }).runs.map((r) => r.id),
      ['r4', 'r2', 'r0'],
    );
    assert.deepEqual(
      store.listRuns({ status: 'failed' }).runs.map((r) => r.id),
      ['r0'],
    );
    assert.deepEqual(
      store.listRuns({ workflowId: 'even', status: 'running' }).runs.map((r) => r.id),
      ['r4'],
    );
  });

  test('markInterrupted fails running runs with the reason and returns what to clean up', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    store.createRun({ id: 'live', workflowId: 'wf', input: {} });
    store.nodeStarted('live', 'a', 1);
    store.lightRunStarted('live', 'lr-a', 'step');
    store.lightRunStarted('live', 'lr-done', 'step');
    store.lightRunEnded('live', 'lr-done');
    store.createRun({ id: 'done', workflowId: 'wf', input: {} });
    store.finishRun('done', { status: 'succeeded' });

    const interrupted = store.markInterrupted('light serve stopped while the run was in flight');
    assert.deepEqual(interrupted, [{ runId: 'live', lightRunIds: ['lr-a'] }]);
    const run = store.getRun('live');
    assert.equal(run?.status, 'failed');
    assert.equal(run?.error?.message, 'light serve stopped while the run was in flight');
    assert.equal(run?.nodes[0]?.status, 'cancelled');
    assert.equal(store.getRun('done')?.status, 'succeeded');
    assert.deepEqual(store.markInterrupted('again'), []);
  });

  test('retention by count keeps the newest finished runs and never deletes a running one', () => {
    using store = HistoryStore.open({ path: ':memory:', retention: { maxRuns: 2 } });
    store.createRun({ id: 'running', workflowId: 'wf', input: {} });
    for (let i = 0; i < 4; i++) {
      store.createRun({ id: `r${i}`, workflowId: 'wf', input: {} });
      store.finishRun(`r${i}`, { status: 'succeeded' });
    }
    assert.deepEqual(
      store.listRuns().runs.map((r) => r.id),
      ['r3', 'r2', 'running'],
    );
  });

  test('retention by age deletes finished runs older than maxAgeMs', () => {
    using store = HistoryStore.open({ path: ':memory:', retention: { maxAgeMs: 0 } });
    store.createRun({ id: 'old', workflowId: 'wf', input: {} });
    store.finishRun('old', { status: 'succeeded' });
    assert.equal(store.getRun('old'), undefined);
  });
});
