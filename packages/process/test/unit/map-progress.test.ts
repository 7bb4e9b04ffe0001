import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemoryRunner } from '../../src/adapters/memory/memory-runner.ts';
import type { WorkflowDefinition } from '../../src/definition/definitions.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import { createProgressPrinter } from '../../src/sdk/progress-printer.ts';

test('the progress printer shows a map node as `score [done/total]`, failures and element-tagged logs', async () => {
  let text = '';
  const printer = createProgressPrinter({ write: (t) => (text += t), nodeIds: ['score'] });
  const runner = new InMemoryRunner((body, ctx) => {
    const { index } = body.input as { index: number };
    ctx.log(`scoring ${index}`);
    return index === 1 ? { exitCode: 1 } : { output: { index } };
  });
  const wf: WorkflowDefinition = {
    id: 'wf',
    nodes: [
      { id: 'score', image: 'localhost/light-sh', map: { over: 'items', concurrency: 1, failFast: false } },
    ],
    links: [],
    networkDefs: [],
    services: [],
  };
  const result = await executeWorkflow(wf, { items: [10, 20, 30] }, { runner, ...printer });
  printer.close();
  assert.equal(result.success, true, result.error?.message);
  assert.match(text, /\[score:0\] scoring 0\n/);
  assert.match(text, /\[score:2\] scoring 2\n/);
  assert.match(text, /progress score \[2\/3, 1 failed\] element 1 failed\n/);
  assert.match(text, /progress score \[3\/3, 1 failed\]\n/);
  assert.match(text, /succeeded score \[3\/3, 1 failed\] \(/);
});
