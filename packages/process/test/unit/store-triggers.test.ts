import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { assertNoLeaksOf, leakScope } from '../../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import { HistoryStore } from '../../src/faces/server/store/history-store.ts';

// The history's side of triggers and admission: queued runs, trigger, startedAt, schedule state.

describe('HistoryStore: queued runs, triggers and schedules', () => {
  const dir = tempDir('store-triggers');
  after(async () => {
    dir[Symbol.dispose]();
    const scope = leakScope();
    scope.tempPaths.add(dir.path);
    await assertNoLeaksOf(scope);
  });

  test('a queued run has no startedAt until it starts; its duration counts from the start', async () => {
    using store = HistoryStore.open({ path: ':memory:' });
    store.createRun({ id: 'q', workflowId: 'wf', input: { a: 1 }, trigger: 'webhook', status: 'queued' });
    const queued = store.getRun('q');
    assert.equal(queued?.status, 'queued');
    assert.equal(queued?.trigger, 'webhook');
    assert.equal(queued?.startedAt, null);
    assert.deepEqual(store.queuedRuns(), [
      { id: 'q', workflowId: 'wf', input: { a: 1 }, trigger: 'webhook' },
    ]);
    await new Promise((r) => setTimeout(r, 30));
    store.runStarted('q');
    const started = store.getRun('q');
    assert.equal(started?.status, 'running');
    assert.ok(started?.startedAt && started.startedAt > started.createdAt);
    store.finishRun('q', { status: 'succeeded' });
    const done = store.getRun('q');
    assert.ok(done?.durationMs !== null && done?.durationMs !== undefined);
    assert.ok(
      done.durationMs <= Date.parse(done.finishedAt ?? '') - Date.parse(done.createdAt) - 25,
      'the time spent queued is not counted',
    );
    assert.deepEqual(store.queuedRuns(), []);
  });

  test('runs filter by trigger; retention never deletes a queued run', () => {
    using store = HistoryStore.open({ path: ':memory:', retention: { maxRuns: 1 } });
    store.createRun({ id: 'm', workflowId: 'wf', input: {} });
    store.createRun({ id: 's', workflowId: 'wf', input: {}, trigger: 'schedule' });
    store.createRun({ id: 'w', workflowId: 'wf', input: {}, trigger: 'webhook', status: 'queued' });
    assert.deepEqual(
      store.listRuns({ trigger: 'schedule' }).runs.map((r) => r.id),
      ['s'],
    );
    assert.equal(store.getRun('m')?.trigger, 'manual');
    store.finishRun('m', { status: 'succeeded' });
    store.finishRun('s', { status: 'succeeded' });
    assert.deepEqual(
      store
        .listRuns()
        .runs.map((r) => r.id)
        .sort(),
      ['s', 'w'],
    );
  });

  test('schedule state: first seen is the catch-up base; pause and fire times are kept', () => {
    const path = join(dir.path, 'schedules.db');
    {
      using store = HistoryStore.open({ path });
      const first = store.scheduleState('wf', 0, new Date('2026-01-01T00:00:00Z'));
      assert.deepEqual(first, {
        workflowId: 'wf',
        index: 0,
        paused: false,
        lastFireAt: '2026-01-01T00:00:00.000Z',
      });
      store.scheduleFired('wf', 0, new Date('2026-01-01T01:00:00Z'));
      store.setSchedulePaused('wf', 0, true, new Date('2026-01-01T01:30:00Z'));
    }
    using store = HistoryStore.open({ path });
    assert.deepEqual(store.scheduleState('wf', 0, new Date('2026-02-01T00:00:00Z')), {
      workflowId: 'wf',
      index: 0,
      paused: true,
      lastFireAt: '2026-01-01T01:30:00.000Z',
    });
  });

  test('a history file of the first schema is upgraded in place: old runs are manual, started when created', () => {
    const path = join(dir.path, 'old.db');
    {
      const db = new Database(path);
      db.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, workflow_name TEXT,
        status TEXT NOT NULL, input TEXT NOT NULL, error TEXT, created_at TEXT NOT NULL, finished_at TEXT,
        duration_ms INTEGER);
        CREATE TABLE node_results (run_id TEXT NOT NULL, node_id TEXT NOT NULL, status TEXT NOT NULL, output TEXT,
        exit_code INTEGER, duration_ms INTEGER, iterations INTEGER NOT NULL DEFAULT 1, light_run_id TEXT, error TEXT,
        started_at TEXT NOT NULL, finished_at TEXT, logs_dropped INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, node_id));
        CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, node_id TEXT NOT NULL,
        stream TEXT NOT NULL, line TEXT NOT NULL, time TEXT NOT NULL);
        CREATE TABLE light_runs (run_id TEXT NOT NULL, light_run_id TEXT NOT NULL, kind TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (run_id, light_run_id));
        INSERT INTO runs VALUES ('old', 'wf', NULL, 'succeeded', '{}', NULL, '2025-05-05T05:05:05.000Z',
        '2025-05-05T05:05:06.000Z', 1000);
        PRAGMA user_version = 1;`);
      db.close();
    }
    using store = HistoryStore.open({ path });
    const run = store.getRun('old');
    assert.equal(run?.trigger, 'manual');
    assert.equal(run?.startedAt, '2025-05-05T05:05:05.000Z');
  });
});
