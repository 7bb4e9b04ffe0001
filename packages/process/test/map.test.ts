import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import type { WorkflowResult } from '../src/engine/types.ts';
import { assertLightBuilt, type LightResult, spawnLight } from './support/light-bin.ts';

// Map nodes on real containers, through the built `light` bin and a real light-run.
const scope = leakScope();
const localData = tempDir('map-local-run');
scope.tempPaths.add(localData.path);
scope.owners.add(ownerOf(localData.path));
const work = tempDir('map-flows');
scope.tempPaths.add(work.path);
let local: LocalLightRun;

before(async () => {
  assertLightBuilt();
  local = await startLocalLightRun({ dataDir: localData.path });
});
after(async () => {
  await local?.stop();
  localData[Symbol.dispose]();
  work[Symbol.dispose]();
  try {
    await assertNoLeaksOf(scope);
  } finally {
    await reapScope(scope);
  }
});

// Each element squares its item; item 4 fails at once with exit code 3; a later element
// finishes earlier (sleep shrinks with the index) so that input order differs from completion order.
const SQUARE_JS = `
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const { item, index } = input;
console.log('square of ' + item + ' at ' + index);
if (item === 4) { console.error('four is refused'); process.exit(3); }
setTimeout(() => {
  require('fs').writeFileSync('.lp-output.json', JSON.stringify({ square: item * item, tag: input.tag, hasItems: 'items' in input }));
}, Math.max(0, 300 - index * 50));
`;
const SUM_JS = `
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const ok = input.results.filter((r) => !r.error);
require('fs').writeFileSync('.lp-output.json', JSON.stringify({ sum: ok.reduce((a, r) => a + r.square, 0), count: input.results.length }));
`;

/** Writes a workflow folder: `square` (a map over `items`) feeding `sum`. */
function flow(name: string, map: Record<string, unknown>): string {
  const dir = join(work.path, name);
  const node = (id: string, code: string, extra: Record<string, unknown> = {}) => {
    mkdirSync(join(dir, id), { recursive: true });
    writeFileSync(join(dir, id, 'index.js'), code);
    writeFileSync(
      join(dir, id, '.node.json'),
      JSON.stringify({ id, image: 'localhost/light-node', entrypoint: 'node index.js', ...extra }),
    );
  };
  node('square', SQUARE_JS, { map });
  node('sum', SUM_JS);
  writeFileSync(
    join(dir, 'workflow.json'),
    JSON.stringify({
      id: name,
      nodes: [
        { id: 'square', dir: 'square' },
        { id: 'sum', dir: 'sum' },
      ],
      links: [{ from: 'square', to: 'sum' }],
    }),
  );
  return dir;
}

async function run(dir: string, input: unknown): Promise<LightResult & { result: WorkflowResult }> {
  const started = spawnLight(['run', dir, '--json', '--input', JSON.stringify(input)], {
    env: { LIGHT_RUN_URL: local.url, LIGHT_RUN_TOKEN: local.token },
  });
  scope.pids.add(started.child.pid as number);
  const out = await started.done;
  let result: WorkflowResult;
  try {
    result = JSON.parse(out.stdout) as WorkflowResult;
  } catch {
    throw new Error(`light run printed no JSON (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  }
  return { ...out, result };
}

describe('map nodes on real containers', () => {
  test('failFast: false runs every element in its own container; results keep input order; failures are collected', async () => {
    const dir = flow('collect', { over: 'items', concurrency: 3, failFast: false });
    const out = await run(dir, { items: [1, 2, 3, 4, 5, 6], tag: 'x' });
    assert.equal(out.code, 0, out.stderr);
    const square = out.result.results.square;
    const output = square?.output as { results: Record<string, unknown>[]; failed: number };
    assert.equal(output.failed, 1);
    assert.deepEqual(output.results[0], { square: 1, tag: 'x', hasItems: false });
    assert.deepEqual(
      output.results.map((r) => r.square ?? null),
      [1, 4, 9, null, 25, 36],
    );
    const failure = output.results[3]?.error as { code: string; message: string; exitCode: number };
    assert.equal(failure.code, 'NODE_FAILED');
    assert.equal(failure.exitCode, 3);
    assert.match(failure.message, /node "square" element 3 failed with exit code 3/);
    assert.deepEqual(square?.map, { total: 6, done: 6, failed: 1 });
    assert.deepEqual(out.result.results.sum?.output, { sum: 75, count: 6 });
    assert.match(out.stderr, /\[square:2\] square of 3 at 2/);
    assert.match(out.stderr, /square \[6\/6, 1 failed\]/);
  });

  test('failFast (default): the failing element fails the workflow, names node and element, and sum never runs', async () => {
    const dir = flow('fast', { over: 'items', concurrency: 2 });
    const out = await run(dir, { items: [1, 2, 3, 4, 5, 6, 7, 8] });
    assert.equal(out.code, 1, out.stderr);
    assert.equal(out.result.success, false);
    assert.equal(out.result.error?.nodeId, 'square');
    assert.equal(out.result.error?.exitCode, 3);
    assert.match(out.result.error?.message ?? '', /node "square" element 3 failed with exit code 3/);
    assert.match(out.result.error?.message ?? '', /four is refused/);
    assert.equal(out.result.results.square?.status, 'failed');
    assert.ok((out.result.results.square?.map?.done ?? 99) < 8, 'elements after the failure never ran');
    assert.equal(out.result.results.sum?.status, 'cancelled');
  });

  test('an empty list gives results: [] without starting a container, and downstream runs', async () => {
    const dir = flow('empty', { over: 'items' });
    const out = await run(dir, { items: [] });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.result.results.square?.output, { results: [] });
    assert.deepEqual(out.result.results.sum?.output, { sum: 0, count: 0 });
  });

  test('a non-array at `over` fails with a clear error naming the node and the path', async () => {
    const dir = flow('not-array', { over: 'batch.items' });
    const out = await run(dir, { batch: { items: 'one,two' } });
    assert.equal(out.code, 1);
    assert.equal(out.result.error?.nodeId, 'square');
    assert.equal(
      out.result.error?.message,
      `node "square": map.over "batch.items" must name an array in the node's input, found a string`,
    );
    assert.equal(out.result.results.square?.error?.code, 'MAP_OVER_INVALID');
    assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
  });
});
