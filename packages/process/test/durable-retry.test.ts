import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import type { NodeRetryPolicy, WorkflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { NodeRetryEvent } from '../src/engine/types.ts';
import { assertLightBuilt, spawnLight } from './support/light-bin.ts';

// Real containers: a run-scoped counter service answers each hit with the next number, and the
// "flaky" node fails while the number it gets is below `input.need`. Each attempt is a new
// container that hits the counter once, so the attempt count is what the counter saw.

const scope = leakScope();
const data = tempDir('durable-retry');
scope.tempPaths.add(data.path);
scope.owners.add(ownerOf(data.path));
scope.networkPrefixes.add('lp-dr');
let local: LocalLightRun;

const COUNTER = `require('node:http').createServer((q, s) => { n += 1; s.end(String(n)); }).listen(8080); let n = 0;`;
const FLAKY = `const fs = require('node:fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8') || '{}');
(async () => {
  let n;
  for (let i = 0; i < 80 && n === undefined; i++) {
    try { n = Number(await (await fetch(process.env.COUNTER, { signal: AbortSignal.timeout(2000) })).text()); }
    catch { await new Promise((r) => setTimeout(r, 250)); }
  }
  console.log('hit ' + n);
  if (n === 1 && input.hangFirst) await new Promise((r) => setTimeout(r, 600000));
  if (!(n >= input.need)) { console.error('not yet: ' + n + ' < ' + input.need); process.exit(1); }
  fs.writeFileSync('.lp-output.json', JSON.stringify({ n }));
})();`;

function flakyWorkflow(retry: NodeRetryPolicy | undefined, timeout?: number): WorkflowDefinition {
  return {
    id: 'flaky',
    nodes: [
      {
        id: 'flaky',
        image: 'localhost/light-node',
        networks: ['net'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a providesEnv template, not a JS template
        providesEnv: { COUNTER: 'http://${service:counter}:8080/' },
        files: { 'flaky.js': FLAKY },
        entrypoint: 'node flaky.js',
        ...(retry ? { retry } : {}),
        ...(timeout ? { timeout } : {}),
      },
    ],
    links: [],
    networkDefs: [{ alias: 'net', internal: true }],
    services: [
      {
        id: 'counter',
        image: 'localhost/light-node',
        networks: ['net'],
        files: { 'c.js': COUNTER },
        entrypoint: 'node c.js',
      },
    ],
  };
}

let runs = 0;
const runId = () => `dr${++runs}${Date.now().toString(36)}`;

before(async () => {
  assertLightBuilt();
  local = await startLocalLightRun({ dataDir: data.path });
});
after(async () => {
  await local?.stop();
  data[Symbol.dispose]();
  try {
    await assertNoLeaksOf(scope);
  } finally {
    await reapScope(scope);
  }
});

describe('retries on real containers', () => {
  test('a node failing until its 3rd attempt succeeds with attempts 3; each attempt is a new container (a new hit), retries in order', async () => {
    const retries: NodeRetryEvent[] = [];
    const lines: string[] = [];
    const result = await executeWorkflow(
      flakyWorkflow({ attempts: 3, backoff: { initialMs: 100, factor: 3, jitter: false } }),
      { need: 3 },
      {
        runner: local.client,
        runId: runId(),
        onNodeRetry: (e) => retries.push(e),
        onLog: (l) => {
          if (l.line.startsWith('hit ')) lines.push(`${l.attempt}:${l.line}`);
        },
      },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.equal(result.results.flaky?.attempts, 3);
    assert.deepEqual(result.results.flaky?.output, { n: 3 });
    assert.deepEqual(lines, ['1:hit 1', '2:hit 2', '3:hit 3']);
    assert.deepEqual(
      retries.map((r) => [r.attempt, r.of, r.delayMs, r.summary]),
      [
        [1, 3, 100, 'exit 1'],
        [2, 3, 300, 'exit 1'],
      ],
    );
  });

  test('a node still failing after its last attempt fails the workflow with attempts = the policy', async () => {
    const result = await executeWorkflow(
      flakyWorkflow({ attempts: 2, backoff: { initialMs: 50, jitter: false } }),
      { need: 5 },
      { runner: local.client, runId: runId() },
    );
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'flaky');
    assert.equal(result.results.flaky?.attempts, 2);
    assert.match(result.error?.message ?? '', /not yet: 2 < 5/);
  });

  test('the node timeout applies per attempt: a hung first attempt times out and the second succeeds', async () => {
    const result = await executeWorkflow(
      flakyWorkflow({ attempts: 2, backoff: { initialMs: 50 }, on: ['timeout'] }, 10_000),
      { need: 1, hangFirst: true },
      { runner: local.client, runId: runId() },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.equal(result.results.flaky?.attempts, 2);
    assert.deepEqual(result.results.flaky?.output, { n: 2 });
  });

  test('cancelling during a backoff wait ends the run at once: no further attempt, the scope torn down', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const result = await executeWorkflow(
      flakyWorkflow({ attempts: 5, backoff: { initialMs: 3_600_000, jitter: false } }),
      { need: 9 },
      {
        runner: local.client,
        runId: runId(),
        signal: controller.signal,
        onNodeRetry: () => controller.abort(),
      },
    );
    assert.ok(Date.now() - started < 120_000, 'did not wait out the backoff');
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.flaky?.status, 'cancelled');
    assert.equal(result.results.flaky?.attempts, 1);
  });
});

describe('light run shows retries', () => {
  test('the CLI prints `retrying <node> (2/3) in <s>s: exit 1` and --json carries attempts', async () => {
    using dir = tempDir('durable-retry-cli');
    const wf = flakyWorkflow({ attempts: 3, backoff: { initialMs: 200, jitter: false } });
    const node = wf.nodes[0] as (typeof wf.nodes)[number];
    mkdirSync(join(dir.path, 'flaky'));
    const { files, ...nodeJson } = node;
    writeFileSync(join(dir.path, 'flaky', '.node.json'), JSON.stringify(nodeJson));
    writeFileSync(join(dir.path, 'flaky', 'flaky.js'), files?.['flaky.js'] as string);
    mkdirSync(join(dir.path, 'counter'));
    writeFileSync(join(dir.path, 'counter', 'c.js'), COUNTER);
    const services = wf.services.map(({ files: _f, ...s }) => ({ ...s, dir: 'counter' }));
    writeFileSync(
      join(dir.path, 'workflow.json'),
      JSON.stringify({
        id: 'flaky',
        nodes: [{ id: 'flaky', dir: 'flaky' }],
        networkDefs: wf.networkDefs,
        services,
      }),
    );
    const started = spawnLight(['run', dir.path, '--input', '{"need":3}', '--json'], {
      env: { LIGHT_RUN_URL: local.url, LIGHT_RUN_TOKEN: local.token },
    });
    scope.pids.add(started.child.pid as number);
    const out = await started.done;
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /retrying flaky \(2\/3\) in 0\.2s: exit 1/);
    assert.match(out.stderr, /retrying flaky \(3\/3\) in 0\.4s: exit 1/);
    const result = JSON.parse(out.stdout) as {
      results: Record<string, { attempts: number; cached: boolean }>;
    };
    assert.equal(result.results.flaky?.attempts, 3);
    assert.equal(result.results.flaky?.cached, false);
  });
});
