import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryRunner } from '../../src/adapters/memory/memory-runner.ts';
import type { LinkDefinition, WorkflowDefinition, WorkflowNode } from '../../src/definition/definitions.ts';
import { nodeDefinition } from '../../src/definition/definitions.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import type { ElementResult, MapProgress } from '../../src/engine/types.ts';
import { Node } from '../../src/sdk/node.ts';

function workflow(
  nodes: (Partial<WorkflowNode> & { id: string })[],
  links: LinkDefinition[] = [],
): WorkflowDefinition {
  return {
    id: 'wf',
    nodes: nodes.map((n) => ({ image: 'localhost/light-sh', entrypoint: n.id, ...n })),
    links,
    networkDefs: [],
    services: [],
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ElementInput {
  item: number;
  index: number;
  [key: string]: unknown;
}

describe('map nodes', () => {
  test('each element runs with the input minus the array plus item and index; results keep input order', async () => {
    const runner = new InMemoryRunner(async (body) => {
      if (body.entrypoint !== 'score') return { output: {} };
      const input = body.input as ElementInput;
      // Later elements finish first: the order of results must still be the input's.
      await pause(5 * (5 - input.index));
      return { output: { doubled: input.item * 2, seen: input } };
    });
    const wf = workflow(
      [{ id: 'score', map: { over: 'batch.items', concurrency: 5 } }, { id: 'sum' }],
      [{ from: 'score', to: 'sum' }],
    );
    const result = await executeWorkflow(
      wf,
      { batch: { items: [1, 2, 3, 4, 5], tag: 't' }, k: 1 },
      { runner },
    );
    assert.equal(result.success, true, result.error?.message);
    const output = (result.results.score?.output ?? {}) as { results: { doubled: number; seen: unknown }[] };
    assert.deepEqual(
      output.results.map((r) => r.doubled),
      [2, 4, 6, 8, 10],
    );
    assert.deepEqual(output.results[2]?.seen, { batch: { tag: 't' }, k: 1, item: 3, index: 2 });
    assert.deepEqual(result.results.score?.map, { total: 5, done: 5, failed: 0 });
    assert.equal(Object.hasOwn(output, 'failed'), false, 'failFast maps carry no failed count');
    const sumInput = runner.requests.find((r) => r.entrypoint === 'sum')?.input as { results: unknown[] };
    assert.equal(sumInput.results.length, 5, 'downstream gets { results }');
  });

  test('at most `concurrency` elements run at once, and the downstream node starts after the last', async () => {
    let running = 0;
    let peak = 0;
    const runner = new InMemoryRunner(async (body) => {
      if (body.entrypoint !== 'work') return { output: {} };
      running += 1;
      peak = Math.max(peak, running);
      await pause(2);
      running -= 1;
      return { output: { i: (body.input as ElementInput).index } };
    });
    const wf = workflow(
      [{ id: 'work', map: { over: 'items', concurrency: 3 } }, { id: 'after' }],
      [{ from: 'work', to: 'after' }],
    );
    const result = await executeWorkflow(wf, { items: Array.from({ length: 20 }, (_, i) => i) }, { runner });
    assert.equal(result.success, true, result.error?.message);
    assert.equal(peak, 3);
    const ends = runner.events.filter((e) => e.startsWith('end:work')).length;
    assert.equal(ends, 20);
    assert.equal(runner.events.indexOf('start:after'), runner.events.length - 2, 'after starts last');
  });

  test('failFast (default): the first failed element fails the node, stops the others and names the element', async () => {
    const runner = new InMemoryRunner(async (body, ctx) => {
      if (body.entrypoint !== 'work') return { output: {} };
      const { index } = body.input as ElementInput;
      if (index === 3) {
        ctx.log('element three broke', 'stderr');
        return { exitCode: 7 };
      }
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      return { output: {} };
    });
    const wf = workflow(
      [{ id: 'work', map: { over: 'items', concurrency: 4 } }, { id: 'after' }],
      [{ from: 'work', to: 'after' }],
    );
    const result = await executeWorkflow(wf, { items: Array.from({ length: 40 }, (_, i) => i) }, { runner });
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'work');
    assert.equal(result.error?.exitCode, 7);
    assert.match(result.error?.message ?? '', /node "work" element 3 failed with exit code 7/);
    assert.match(result.error?.message ?? '', /element three broke/);
    const work = result.results.work;
    assert.equal(work?.status, 'failed');
    assert.equal(work?.map?.failed, 4, 'the failing element and the 3 it cancelled');
    assert.equal(work?.map?.done, 4);
    assert.equal(
      runner.events.filter((e) => e.startsWith('start:work')).length,
      4,
      'no element started after',
    );
    assert.equal(runner.events.includes('start:after'), false);
  });

  test('failFast: false runs every element and collects failures as { error } with a failed count', async () => {
    const ends: ElementResult[] = [];
    const runner = new InMemoryRunner(async (body) => {
      if (body.entrypoint !== 'work') return { output: {} };
      const { item } = body.input as ElementInput;
      return item % 3 === 0 ? { exitCode: 2 } : { output: { ok: item } };
    });
    const wf = workflow(
      [{ id: 'work', map: { over: 'items', concurrency: 2, failFast: false } }, { id: 'after' }],
      [{ from: 'work', to: 'after', when: { failed: 2 } }],
    );
    const result = await executeWorkflow(
      wf,
      { items: [1, 3, 4, 6, 7] },
      { runner, onElementEnd: ({ element }) => ends.push(element) },
    );
    assert.equal(result.success, true, result.error?.message);
    const output = result.results.work?.output as { results: Record<string, unknown>[]; failed: number };
    assert.equal(output.failed, 2);
    assert.deepEqual(output.results[0], { ok: 1 });
    const failure = output.results[1]?.error as { code: string; message: string; exitCode: number };
    assert.equal(failure.code, 'NODE_FAILED');
    assert.equal(failure.exitCode, 2);
    assert.match(failure.message, /node "work" element 1 failed with exit code 2/);
    assert.deepEqual(output.results[2], { ok: 4 });
    assert.equal(result.results.work?.status, 'succeeded');
    assert.deepEqual(result.results.work?.map, { total: 5, done: 5, failed: 2 });
    assert.equal(result.results.after?.status, 'succeeded', 'the failed count routes');
    assert.deepEqual(ends.map((e) => e.index).sort(), [0, 1, 2, 3, 4]);
    assert.equal(ends.find((e) => e.index === 3)?.status, 'failed');
  });

  test('an empty list gives results: [] and the downstream node runs', async () => {
    const runner = new InMemoryRunner(() => ({ output: {} }));
    const wf = workflow(
      [{ id: 'work', map: { over: 'items' } }, { id: 'after' }],
      [{ from: 'work', to: 'after' }],
    );
    const result = await executeWorkflow(wf, { items: [] }, { runner });
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.work?.output, { results: [] });
    assert.deepEqual(result.results.work?.map, { total: 0, done: 0, failed: 0 });
    assert.deepEqual(runner.events, ['start:after', 'end:after:succeeded']);
  });

  test('a value at `over` that is not an array fails the node, naming node and path', async () => {
    const runner = new InMemoryRunner(() => ({ output: {} }));
    for (const [input, found] of [
      [{ items: 'abc' }, 'a string'],
      [{ other: 1 }, 'nothing there'],
      [{ items: { a: 1 } }, 'an object'],
    ] as const) {
      const wf = workflow([{ id: 'work', map: { over: 'items' } }]);
      const result = await executeWorkflow(wf, input, { runner });
      assert.equal(result.success, false);
      assert.equal(result.error?.nodeId, 'work');
      assert.equal(result.results.work?.error?.code, 'MAP_OVER_INVALID');
      assert.equal(
        result.error?.message,
        `node "work": map.over "items" must name an array in the node's input, found ${found}`,
      );
    }
    assert.deepEqual(runner.requests, [], 'no element ran');
  });

  test("the node's inputs schema is checked per element and names the element", async () => {
    const runner = new InMemoryRunner(() => ({ output: {} }));
    const inputs = { type: 'object', properties: { item: { type: 'number' } }, required: ['item'] };
    const wf = workflow([{ id: 'work', inputs, map: { over: 'items', concurrency: 1 } }]);
    const result = await executeWorkflow(wf, { items: [1, 'two', 3] }, { runner });
    assert.equal(result.success, false);
    assert.equal(result.results.work?.error?.code, 'INPUT_INVALID');
    assert.match(result.error?.message ?? '', /node "work" element 1: input \/item must be number/);
  });

  test('cancelling the workflow cancels the elements in flight and starts no more', async () => {
    const controller = new AbortController();
    let started = 0;
    const runner = new InMemoryRunner(async (_body, ctx) => {
      started += 1;
      if (started === 2) controller.abort();
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      return { output: {} };
    });
    const wf = workflow([{ id: 'work', map: { over: 'items', concurrency: 2 } }]);
    const result = await executeWorkflow(
      wf,
      { items: [1, 2, 3, 4, 5] },
      { runner, signal: controller.signal },
    );
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.work?.status, 'cancelled');
    assert.equal(started, 2);
  });

  test('log lines of elements carry their element index', async () => {
    const lines: { element?: number; line: string }[] = [];
    const runner = new InMemoryRunner((body, ctx) => {
      ctx.log(`hello ${(body.input as ElementInput).item}`);
      return { output: {} };
    });
    const wf = workflow([{ id: 'work', map: { over: 'items', concurrency: 1 } }]);
    await executeWorkflow(wf, { items: ['a', 'b'] }, { runner, onLog: (l) => lines.push(l) });
    assert.deepEqual(
      lines.map((l) => [l.element, l.line]),
      [
        [0, 'hello a'],
        [1, 'hello b'],
      ],
    );
  });

  test('the .node.json schema refuses a bad map and names the field', () => {
    const base = { id: 'n', image: 'localhost/light-sh' };
    assert.equal(nodeDefinition.safeParse({ ...base, map: { over: 'items' } }).success, true);
    for (const map of [
      { over: '' },
      { over: 'a..b' },
      { over: 'x', concurrency: 0 },
      { over: 'x', extra: 1 },
      {},
    ]) {
      const parsed = nodeDefinition.safeParse({ ...base, map });
      assert.equal(parsed.success, false, JSON.stringify(map));
      assert.equal(parsed.error?.issues[0]?.path[0], 'map');
    }
  });

  test('Node.withMap sets the map, and a bad one throws naming map.over', () => {
    const node = new Node({ id: 'n', image: 'localhost/light-sh' }).withMap({
      over: 'items',
      concurrency: 2,
    });
    assert.deepEqual(node.map, { over: 'items', concurrency: 2 });
    assert.throws(() => node.withMap({ over: '' }), /map\.over/);
  });

  test('10,000 elements run with bounded memory: per-element state is freed as elements end', async () => {
    const total = 10_000;
    let peakProgress: MapProgress | undefined;
    let heapPeak = 0;
    const runner = new InMemoryRunner((body) => ({ output: { v: (body.input as ElementInput).index } }));
    global.gc?.();
    const before = process.memoryUsage();
    const wf = workflow([{ id: 'work', map: { over: 'items', concurrency: 16 } }]);
    const result = await executeWorkflow(
      wf,
      { items: Array.from({ length: total }, (_, i) => ({ id: `element-${i}` })) },
      {
        runner,
        onElementEnd: ({ map }) => {
          // The in-memory runner keeps every request for inspection: the test's memory, not the engine's.
          runner.requests.length = 0;
          runner.events.length = 0;
          peakProgress = map;
          if (map.done % 1000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        },
      },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(peakProgress, { total, done: total, failed: 0 });
    const results = result.results.work?.output.results as { v: number }[];
    assert.equal(results.length, total);
    assert.equal(results[9_999]?.v, 9_999);
    const grownMiB = (Math.max(heapPeak, process.memoryUsage().heapUsed) - before.heapUsed) / 2 ** 20;
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    process.stderr.write(
      `# 10,000-element map: heap grew ${grownMiB.toFixed(1)} MiB, rss ${rssMiB.toFixed(0)} MiB\n`,
    );
    assert.ok(grownMiB < 150, `heap grew ${grownMiB.toFixed(1)} MiB for 10,000 small elements`);
  });
});
