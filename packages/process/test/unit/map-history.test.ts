import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { InMemoryRunner, type MemoryStepHandler } from '../../src/adapters/memory/memory-runner.ts';
import { createLightServer } from '../../src/faces/server/app.ts';
import type { ServerRunner } from '../../src/faces/server/options.ts';
import type { ElementPage, RunRecord } from '../../src/faces/server/store/types.ts';

/** The in-memory runner with the two crash-recovery calls the server also needs. */
function memoryServerRunner(handler: MemoryStepHandler): InMemoryRunner & ServerRunner {
  return Object.assign(new InMemoryRunner(handler), {
    cancel: async () => undefined,
    cleanupNetworks: async () => [],
  }) as unknown as InMemoryRunner & ServerRunner;
}

function mapWorkflow(failFast = true) {
  return {
    id: 'fan',
    nodes: [
      {
        id: 'score',
        image: 'localhost/light-sh',
        entrypoint: 'score',
        map: { over: 'items', concurrency: 8, failFast },
      },
    ],
  };
}

describe('light serve history of map nodes', () => {
  test('a map node records counts on the node, elements in their own page, and element-tagged logs', async () => {
    await using dir = tempDir('map-history');
    const runner = memoryServerRunner((body, ctx) => {
      const { index } = body.input as { index: number };
      ctx.log(`element says ${index}`);
      return index === 2 ? { exitCode: 5 } : { output: { index } };
    });
    await using server = await createLightServer({ dir: dir.path, runner, dbPath: join(dir.path, 'h.db') });
    const app = server.app;
    const registered = await app.inject({
      method: 'POST',
      url: '/api/workflows',
      payload: mapWorkflow(false),
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const res = await app.inject({
      method: 'POST',
      url: '/api/workflows/fan/run',
      payload: { items: [10, 11, 12, 13, 14] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const run = res.json() as RunRecord;
    const score = run.nodes.find((n) => n.nodeId === 'score');
    assert.deepEqual(score?.map, { total: 5, done: 5, failed: 1 });
    assert.equal((score?.output?.results as unknown[] | undefined)?.length, 5);
    assert.deepEqual(
      score?.logs.filter((l) => l.line === 'element says 3').map((l) => l.element),
      [3],
    );
    const page = (
      await app.inject({ method: 'GET', url: `/api/runs/${run.id}/nodes/score/elements?offset=1&limit=2` })
    ).json() as ElementPage;
    assert.equal(page.total, 5);
    assert.deepEqual(
      page.elements.map((e) => [e.index, e.status, e.exitCode]),
      [
        [1, 'succeeded', 0],
        [2, 'failed', 5],
      ],
    );
    assert.equal(page.elements[1]?.error?.code, 'NODE_FAILED');
    assert.match(page.elements[1]?.lightRunId ?? '', /^mem-/);

    const missingNode = await app.inject({ method: 'GET', url: `/api/runs/${run.id}/nodes/nope/elements` });
    assert.equal(missingNode.statusCode, 404);
    assert.equal(missingNode.json().error.code, 'NODE_NOT_FOUND');
    const missingRun = await app.inject({ method: 'GET', url: '/api/runs/nope/nodes/score/elements' });
    assert.equal(missingRun.json().error.code, 'RUN_NOT_FOUND');
    const badPage = await app.inject({
      method: 'GET',
      url: `/api/runs/${run.id}/nodes/score/elements?limit=0`,
    });
    assert.equal(badPage.statusCode, 400);
    assert.match(badPage.body, /limit/);
  });

  test('10,000 elements: bounded memory, a small history database and a replay without per-element events', async () => {
    await using dir = tempDir('map-history-10k');
    const total = 10_000;
    let rssPeak = 0;
    const runner = memoryServerRunner((body, ctx) => {
      const { index } = body.input as { index: number };
      ctx.log(`scored ${index}`);
      if (index % 250 === 0) {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        // The in-memory runner keeps every request for inspection: the test's memory, not the server's.
        runner.requests.length = 0;
        runner.events.length = 0;
      }
      return { output: { index, score: index % 7 } };
    });
    const dbPath = join(dir.path, 'history.db');
    await using server = await createLightServer({ dir: dir.path, runner, dbPath });
    const app = server.app;
    await app.inject({ method: 'POST', url: '/api/workflows', payload: mapWorkflow() });
    const rssBefore = process.memoryUsage().rss;
    const items = Array.from({ length: total }, (_, i) => ({ id: `item-${i}` }));
    const res = await app.inject({ method: 'POST', url: '/api/workflows/fan/run', payload: { items } });
    assert.equal(res.statusCode, 200);
    const run = res.json() as RunRecord;
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const score = run.nodes[0];
    assert.deepEqual(score?.map, { total, done: total, failed: 0 });
    assert.equal((score?.output?.results as unknown[] | undefined)?.length, total);
    assert.equal(score?.logs.length, 1000, 'the per-node log cap holds across elements');
    assert.equal(score?.logsDropped, total - 1000);

    const last = (
      await app.inject({
        method: 'GET',
        url: `/api/runs/${run.id}/nodes/score/elements?offset=9990&limit=50`,
      })
    ).json() as ElementPage;
    assert.equal(last.total, total);
    assert.deepEqual(
      last.elements.map((e) => e.index),
      [9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999],
    );

    const events = await app.inject({ method: 'GET', url: `/api/runs/${run.id}/events` });
    const kept = events.body.split('\n').filter((l) => l.startsWith('event: ')).length;
    assert.ok(kept < 1100, `the replay holds ${kept} events for 10,000 elements`);
    assert.equal(events.body.includes('event: node-progress'), false);

    const dbBytes = statSync(dbPath).size + (statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const grownMiB = (rssPeak - rssBefore) / 2 ** 20;
    process.stderr.write(
      `# 10,000-element map through light serve: history ${(dbBytes / 2 ** 20).toFixed(1)} MiB, ` +
        `rss grew ${grownMiB.toFixed(0)} MiB (peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB)\n`,
    );
    assert.ok(dbBytes < 32 * 2 ** 20, `history database of ${dbBytes} bytes`);
    assert.ok(grownMiB < 300, `rss grew ${grownMiB.toFixed(0)} MiB`);
  });
});
