import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import type { WorkflowDefinition } from '../../src/definition/definitions.ts';
import { CATCH_UP_MAX_RUNS } from '../../src/definition/triggers/cron.ts';
import type { CatchUpPolicy } from '../../src/definition/triggers/triggers.ts';
import { CronScheduler } from '../../src/faces/server/schedules/scheduler.ts';
import { HistoryStore } from '../../src/faces/server/store/history-store.ts';
import { FakeClock } from './fake-clock.ts';

// The schedule logic against a hand-driven clock: no test waits for a real second.

const silent = { warn: () => {}, error: () => {}, info: () => {} } as unknown as FastifyBaseLogger;

function workflow(cron: string, extra: { timezone?: string; catchUp?: CatchUpPolicy; input?: unknown } = {}) {
  return {
    id: 'wf',
    nodes: [{ id: 'a', image: 'localhost/light-sh' }],
    links: [],
    networkDefs: [],
    services: [],
    triggers: [{ webhook: { secretEnv: 'HOOK' } }, { schedule: { cron, ...extra } }],
  } as WorkflowDefinition;
}

function setup(store: HistoryStore, clock: FakeClock) {
  const fired: { workflowId: string; index: number; input: unknown; at: string }[] = [];
  const scheduler = new CronScheduler({
    store,
    clock,
    log: silent,
    fire: (workflowId, index, input, at) => fired.push({ workflowId, index, input, at: at.toISOString() }),
  });
  return { scheduler, fired };
}

describe('CronScheduler (controllable clock)', () => {
  test('a six-field expression fires at each of its seconds, with the trigger index and input', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-03-01T10:00:00.500Z');
    const { scheduler, fired } = setup(store, clock);
    scheduler.sync([workflow('*/10 * * * * *', { input: { n: 1 } })]);
    clock.advance(35_000);
    assert.deepEqual(
      fired.map((f) => f.at),
      ['2026-03-01T10:00:10.000Z', '2026-03-01T10:00:20.000Z', '2026-03-01T10:00:30.000Z'],
    );
    assert.deepEqual(fired[0], {
      workflowId: 'wf',
      index: 1,
      input: { n: 1 },
      at: '2026-03-01T10:00:10.000Z',
    });
    scheduler.stop();
    clock.advance(60_000);
    assert.equal(fired.length, 3, 'nothing fires after stop');
    assert.equal(clock.pending, 0);
  });

  test('a five-field expression is read in its timezone, daylight saving included', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-03-27T12:00:00Z');
    const { scheduler, fired } = setup(store, clock);
    scheduler.sync([workflow('0 9 * * *', { timezone: 'Europe/Paris' })]);
    assert.deepEqual(scheduler.list()[0]?.nextRuns, [
      '2026-03-28T08:00:00.000Z', // CET, UTC+1
      '2026-03-29T07:00:00.000Z', // CEST from 29 March, UTC+2
      '2026-03-30T07:00:00.000Z',
    ]);
    clock.advance(3 * 24 * 3600 * 1000);
    assert.deepEqual(
      fired.map((f) => f.at),
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    );
    scheduler.stop();
  });

  test('a far fire time is reached through hourly hops, and fires once', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const { scheduler, fired } = setup(store, clock);
    scheduler.sync([workflow('0 0 1 * *')]); // monthly
    clock.advance(40 * 24 * 3600 * 1000);
    assert.deepEqual(
      fired.map((f) => f.at),
      ['2026-02-01T00:00:00.000Z'],
    );
    scheduler.stop();
  });

  test('a paused schedule fires nothing; resumed, it does not run what it skipped; the pause survives a restart', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const first = setup(store, clock);
    first.scheduler.sync([workflow('* * * * *', { catchUp: 'all' })]);
    assert.equal(first.scheduler.setPaused('wf', 1, true).paused, true);
    clock.advance(5 * 60_000);
    assert.equal(first.fired.length, 0);
    first.scheduler.stop();

    const second = setup(store, clock);
    second.scheduler.sync([workflow('* * * * *', { catchUp: 'all' })], { catchUp: true });
    assert.equal(second.scheduler.list()[0]?.paused, true, 'paused across a restart');
    clock.advance(3 * 60_000);
    assert.equal(second.fired.length, 0);
    second.scheduler.setPaused('wf', 1, false);
    clock.advance(2 * 60_000);
    assert.deepEqual(
      second.fired.map((f) => f.at),
      ['2026-01-01T00:09:00.000Z', '2026-01-01T00:10:00.000Z'],
    );
    second.scheduler.stop();
  });

  for (const [policy, expected] of [
    ['none', []],
    ['last', ['2026-01-01T05:00:00.000Z']],
    [
      'all',
      [
        '2026-01-01T01:00:00.000Z',
        '2026-01-01T02:00:00.000Z',
        '2026-01-01T03:00:00.000Z',
        '2026-01-01T04:00:00.000Z',
        '2026-01-01T05:00:00.000Z',
      ],
    ],
  ] as const) {
    test(`catchUp "${policy}": the fire times missed while the server was down are run as documented`, () => {
      using store = HistoryStore.open({ path: ':memory:' });
      const clock = new FakeClock('2026-01-01T00:30:00Z');
      const before = setup(store, clock);
      before.scheduler.sync([workflow('0 * * * *', { catchUp: policy })], { catchUp: true });
      assert.equal(before.fired.length, 0, 'a new schedule has nothing to catch up');
      before.scheduler.stop(); // the server goes down at 00:30
      clock.advance(5 * 3600 * 1000); // and comes back at 05:30
      const after = setup(store, clock);
      after.scheduler.sync([workflow('0 * * * *', { catchUp: policy })], { catchUp: true });
      assert.deepEqual(
        after.fired.map((f) => f.at),
        [...expected],
      );
      clock.advance(30 * 60_000);
      assert.equal(after.fired.at(-1)?.at, '2026-01-01T06:00:00.000Z', 'then it goes on as usual');
      after.scheduler.stop();
    });
  }

  test(`catchUp "all" runs at most the newest ${CATCH_UP_MAX_RUNS} missed fire times`, () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-01-01T00:00:30Z');
    const before = setup(store, clock);
    before.scheduler.sync([workflow('* * * * *', { catchUp: 'all' })], { catchUp: true });
    before.scheduler.stop();
    clock.advance(100 * 60_000);
    const after = setup(store, clock);
    after.scheduler.sync([workflow('* * * * *', { catchUp: 'all' })], { catchUp: true });
    assert.equal(after.fired.length, CATCH_UP_MAX_RUNS);
    assert.equal(after.fired.at(-1)?.at, '2026-01-01T01:40:00.000Z');
    assert.equal(after.fired[0]?.at, '2026-01-01T01:21:00.000Z');
    after.scheduler.stop();
  });

  test('a schedule changed or removed by a new definition is re-armed or dropped', () => {
    using store = HistoryStore.open({ path: ':memory:' });
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const { scheduler, fired } = setup(store, clock);
    scheduler.sync([workflow('0 * * * *')]);
    scheduler.sync([workflow('*/30 * * * *')]);
    assert.equal(clock.pending, 1, 'the old timer is gone');
    clock.advance(3600_000);
    assert.deepEqual(
      fired.map((f) => f.at),
      ['2026-01-01T00:30:00.000Z', '2026-01-01T01:00:00.000Z'],
    );
    scheduler.sync([]);
    assert.equal(clock.pending, 0);
    assert.deepEqual(scheduler.list(), []);
    assert.throws(() => scheduler.setPaused('wf', 1, true), /no schedule at triggers\[1\]/);
    scheduler.stop();
  });
});
