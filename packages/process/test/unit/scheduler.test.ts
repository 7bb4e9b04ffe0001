import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryRunner, type MemoryStepHandler } from '../../src/adapters/memory/memory-runner.ts';
import { evaluateCondition } from '../../src/definition/conditions/evaluate.ts';
import type { LinkDefinition, WorkflowDefinition } from '../../src/definition/definitions.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import { type Activation, Scheduler } from '../../src/engine/scheduler.ts';

/** A workflow whose nodes' entrypoints are their ids (the in-memory runner tells them apart so). */
function workflow(
  ids: string[],
  links: LinkDefinition[],
  extra: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return {
    id: 'wf',
    nodes: ids.map((id) => ({ id, image: 'localhost/light-sh', entrypoint: id })),
    links,
    networkDefs: [],
    services: [],
    ...extra,
  };
}

/** Runs the scheduler to the end with a synchronous "node" function; returns the start order. */
function drive(
  scheduler: Scheduler,
  input: Record<string, unknown>,
  run: (a: Activation) => Record<string, unknown>,
): { order: Activation[]; skipped: string[] } {
  const order: Activation[] = [];
  const skipped: string[] = [];
  const queue = scheduler.start(input);
  while (queue.length > 0) {
    const activation = queue.pop() as Activation;
    order.push(activation);
    const progress = scheduler.complete(activation.nodeId, run(activation));
    queue.push(...progress.ready);
    skipped.push(...progress.skipped);
  }
  return { order, skipped };
}

describe('scheduler', () => {
  test('a slow branch does not delay an independent fast chain (no level barrier)', async () => {
    let releaseSlow: () => void = () => {};
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const handler: MemoryStepHandler = async (body) => {
      if (body.entrypoint === 'slow')
        await Promise.race([slowGate, new Promise((r) => setTimeout(r, 5_000))]);
      if (body.entrypoint === 'fast3') releaseSlow();
      return { output: { from: body.entrypoint } };
    };
    const runner = new InMemoryRunner(handler);
    const wf = workflow(
      ['root', 'slow', 'after-slow', 'fast1', 'fast2', 'fast3'],
      [
        { from: 'root', to: 'slow' },
        { from: 'slow', to: 'after-slow' },
        { from: 'root', to: 'fast1' },
        { from: 'fast1', to: 'fast2' },
        { from: 'fast2', to: 'fast3' },
      ],
    );
    const result = await executeWorkflow(wf, {}, { runner });
    assert.equal(result.success, true);
    const e = runner.events;
    assert.ok(e.indexOf('end:fast3:succeeded') < e.indexOf('end:slow:succeeded'), e.join(' '));
    assert.ok(e.indexOf('start:fast2') < e.indexOf('end:slow:succeeded'), e.join(' '));
  });

  test('inputs from several links merge in link order with each link data on top', async () => {
    const outputs: Record<string, unknown> = { a: { v: 'a', onlyA: 1 }, b: { v: 'b', onlyB: 2 } };
    const runner = new InMemoryRunner((body) => ({
      output: outputs[body.entrypoint ?? ''] ?? { got: body.input },
    }));
    const wf = workflow(
      ['a', 'b', 'c'],
      [
        { from: 'b', to: 'c' },
        { from: 'a', to: 'c', data: { v: 'data', extra: true } },
      ],
    );
    const result = await executeWorkflow(wf, { seed: 1 }, { runner });
    assert.equal(result.success, true);
    assert.deepEqual(result.results.c?.output, { got: { v: 'data', onlyB: 2, onlyA: 1, extra: true } });
    assert.deepEqual(runner.requests[0]?.input, { seed: 1 }, 'entry nodes get the workflow input');
  });

  test('when routes, and nodes reachable only through non-firing links are skipped', async () => {
    const runner = new InMemoryRunner((body) => ({
      output: body.entrypoint === 'a' ? { ok: true } : { node: body.entrypoint, input: body.input },
    }));
    const wf = workflow(
      ['a', 'yes', 'no', 'no-child', 'join'],
      [
        { from: 'a', to: 'yes', when: { ok: true } },
        { from: 'a', to: 'no', when: { ok: false } },
        { from: 'no', to: 'no-child' },
        { from: 'yes', to: 'join' },
        { from: 'no-child', to: 'join' },
      ],
    );
    const result = await executeWorkflow(wf, {}, { runner });
    assert.equal(result.success, true);
    assert.equal(result.results.no?.status, 'skipped');
    assert.equal(result.results['no-child']?.status, 'skipped');
    assert.equal(result.results.join?.status, 'succeeded');
    assert.equal(runner.events.filter((e) => e.startsWith('start:')).length, 3);
  });

  test('a back-link re-runs its target until maxIterations, then the loop exit fires once', async () => {
    const runner = new InMemoryRunner((body) => {
      const n = Number((body.input as { n?: number }).n ?? 0);
      if (body.entrypoint === 'step') return { output: { n: n + 1 } };
      return { output: body.entrypoint === 'check' ? { n } : { final: n } };
    });
    const wf = workflow(
      ['step', 'check', 'done'],
      [
        { from: 'step', to: 'check' },
        { from: 'check', to: 'step', maxIterations: 3 },
        { from: 'check', to: 'done' },
      ],
    );
    const result = await executeWorkflow(wf, { n: 0 }, { runner });
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.equal(result.results.step?.iterations, 4);
    assert.equal(result.results.check?.iterations, 4);
    assert.equal(result.results.done?.iterations, 1);
    assert.deepEqual(result.results.done?.output, { final: 4 });
  });

  test('a back-link stops looping when its condition stops matching', async () => {
    const runner = new InMemoryRunner((body) => {
      const n = Number((body.input as { n?: number }).n ?? 0);
      return { output: { n: n + 1, again: n + 1 < 2 } };
    });
    const wf = workflow(['inc'], [{ from: 'inc', to: 'inc', when: { again: true }, maxIterations: 10 }]);
    const result = await executeWorkflow(wf, { n: 0 }, { runner });
    assert.equal(result.results.inc?.iterations, 2);
    assert.deepEqual(result.results.inc?.output, { n: 2, again: false });
  });

  for (const shape of ['chain', 'fan-out', 'random'] as const) {
    test(`a 10,000-node ${shape} DAG is scheduled in near-linear time`, () => {
      const n = 10_000;
      const ids = Array.from({ length: n }, (_, i) => `n${i}`);
      const links: LinkDefinition[] = [];
      let seed = 42;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let i = 1; i < n; i++) {
        if (shape === 'chain') links.push({ from: `n${i - 1}`, to: `n${i}` });
        else if (shape === 'fan-out') links.push({ from: 'n0', to: `n${i}` });
        else for (let k = 0; k < 3; k++) links.push({ from: `n${Math.floor(random() * i)}`, to: `n${i}` });
      }
      const started = performance.now();
      const scheduler = new Scheduler(ids, links, evaluateCondition);
      const { order } = drive(scheduler, {}, (a) => ({ i: a.nodeId }));
      const ms = performance.now() - started;
      assert.equal(order.length, n);
      assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
    });
  }

  test('a skipped chain of 10,000 nodes propagates without overflowing the stack', () => {
    const n = 10_000;
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const links: LinkDefinition[] = [{ from: 'n0', to: 'n1', when: { go: true } }];
    for (let i = 2; i < n; i++) links.push({ from: `n${i - 1}`, to: `n${i}` });
    const { order, skipped } = drive(new Scheduler(ids, links, evaluateCondition), {}, () => ({ go: false }));
    assert.equal(order.length, 1);
    assert.equal(skipped.length, n - 1);
  });

  test('a 10,000-node random DAG runs through executeWorkflow and the in-memory runner', async () => {
    const n = 10_000;
    const links: LinkDefinition[] = [];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 1; i < n; i++)
      for (let k = 0; k < 3; k++) links.push({ from: `n${Math.floor(random() * i)}`, to: `n${i}` });
    const runner = new InMemoryRunner(() => ({ output: { ok: true } }));
    const result = await executeWorkflow(
      workflow(
        Array.from({ length: n }, (_, i) => `n${i}`),
        links,
      ),
      {},
      { runner },
    );
    assert.equal(result.success, true);
    assert.equal(runner.requests.length, n);
  });
});
