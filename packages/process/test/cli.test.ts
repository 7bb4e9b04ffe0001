import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listLeftovers } from '../../../test/support/leaks.ts';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { assertLightBuilt, type LightResult, spawnLight } from './support/light-bin.ts';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;

// What this file made: the light-runs (its own and those `light` starts all-in-one), by
// owner label, data dir and pid, and the temp dirs; the leak check looks at these only.
const scope = leakScope();
const localData = tempDir('cli-local-run');
scope.tempPaths.add(localData.path);
scope.owners.add(ownerOf(localData.path));

/** Starts `light <args>` from the built bin with `env` on top of an environment without LIGHT_RUN_*. */
function start(args: string[], env: Record<string, string> = {}, cwd = EXAMPLES) {
  const started = spawnLight(args, {
    env,
    cwd,
    drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN', 'LIGHT_RUN_BIN'],
    onLightRun: ({ pid, dataDir }) => {
      scope.pids.add(pid);
      scope.owners.add(ownerOf(dataDir));
      scope.tempPaths.add(dataDir);
    },
  });
  scope.pids.add(started.child.pid as number);
  return started;
}

/** Runs `light <args>` to its end. */
function light(args: string[], env: Record<string, string> = {}, cwd = EXAMPLES): Promise<LightResult> {
  return start(args, env, cwd).done;
}

let local: LocalLightRun;

before(async () => {
  assertLightBuilt();
  local = await startLocalLightRun({ dataDir: localData.path });
});
after(async () => {
  await local?.stop();
  localData[Symbol.dispose]();
  try {
    await assertNoLeaksOf(scope);
  } finally {
    await reapScope(scope);
  }
});

describe('light doctor', () => {
  test('explicit mode: a healthy light-run at LIGHT_RUN_URL passes with exit 0', async () => {
    const out = await light(['doctor'], { LIGHT_RUN_URL: local.url, LIGHT_RUN_TOKEN: local.token });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /mode: explicit/);
    assert.match(out.stdout, new RegExp(`ok +light-run at ${local.url}: ok: light-run [^,]+, Docker `));
  });

  test('explicit mode: a refused URL fails with exit 1 and says it cannot reach that URL', async () => {
    const out = await light(['doctor', '--json'], { LIGHT_RUN_URL: 'http://127.0.0.1:1234' });
    assert.equal(out.code, 1);
    const report = JSON.parse(out.stdout) as {
      ok: boolean;
      mode: string;
      checks: { ok: boolean; detail: string }[];
    };
    assert.equal(report.ok, false);
    assert.equal(report.mode, 'explicit');
    assert.equal(
      report.checks[0]?.detail,
      'cannot reach light-run at http://127.0.0.1:1234 (connection refused)',
    );
  });

  test('all-in-one mode: finds the light-run bin, starts it briefly and sees Docker', async () => {
    const out = await light(['doctor']);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /mode: all-in-one/);
    assert.match(out.stdout, /ok +light-run bin: .*light-run/);
    assert.match(out.stdout, /ok +Docker through light-run: ok/);
  });

  test('all-in-one mode: a missing light-run bin fails with exit 1', async () => {
    const out = await light(['doctor'], { LIGHT_RUN_BIN: '/nonexistent/light-run.js' });
    assert.equal(out.code, 1);
    assert.match(out.stdout, /FAIL local light-run: .*light-run did not start/);
  });
});

/** A workflow folder with one node running `entrypoint` in localhost/light-sh. */
function oneNodeWorkflow(root: string, entrypoint: string): string {
  mkdirSync(join(root, 'step'), { recursive: true });
  writeFileSync(
    join(root, 'workflow.json'),
    JSON.stringify({ id: 'one', nodes: [{ id: 'step', dir: 'step' }] }),
  );
  writeFileSync(
    join(root, 'step', '.node.json'),
    JSON.stringify({ id: 'step', image: 'localhost/light-sh', entrypoint }),
  );
  return root;
}

describe('light run', () => {
  test('the hello example with --json prints exactly one JSON result and exits 0 (all-in-one)', async () => {
    const out = await light(['run', 'hello', '--input', '{"name":"Ada"}', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as {
      success: boolean;
      results: Record<string, { output: unknown }>;
    };
    assert.equal(result.success, true);
    assert.deepEqual(result.results.hello?.output, { greeting: 'Hello, Ada!' });
    assert.match(out.stderr, /\[hello\] saying hello to Ada/, 'node logs on stderr, prefixed by node id');
  });

  test('the polyglot example runs shell -> Python -> Node against an explicit light-run', async () => {
    const out = await light(['run', 'polyglot', '--input', '{"text":"b a b c b a"}'], {
      LIGHT_RUN_URL: local.url,
      LIGHT_RUN_TOKEN: local.token,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /succeeded polyglot/);
    assert.match(out.stdout, /Word report: 6 words; top: 1\. b \(3\), 2\. a \(2\), 3\. c \(1\)/);
    assert.match(out.stderr, /light-run: .* \(explicit\)/);
  });

  test('the conditional, loop and sidecar examples succeed with the documented outputs', async () => {
    const env = { LIGHT_RUN_URL: local.url, LIGHT_RUN_TOKEN: local.token };
    type R = {
      success: boolean;
      results: Record<string, { status: string; output: unknown; iterations: number }>;
    };
    const conditional = JSON.parse(
      (await light(['run', 'conditional', '--input', '{"n":4}', '--json'], env)).stdout,
    ) as R;
    assert.equal(conditional.results.big?.status, 'skipped');
    assert.deepEqual(conditional.results.announce?.output, { message: 'the small branch made 8' });
    const loop = JSON.parse(
      (await light(['run', 'loop', '--input', '{"target":4}', '--json'], env)).stdout,
    ) as R;
    assert.equal(loop.results.count?.iterations, 4);
    assert.deepEqual(loop.results.finish?.output, { counted: 4 });
    const sidecar = JSON.parse((await light(['run', 'sidecar', '--json'], env)).stdout) as R;
    assert.equal(sidecar.success, true);
    assert.equal(
      (sidecar.results.fetch?.output as { message?: string } | undefined)?.message,
      'hello from the sidecar',
    );
  });

  test('light run --node runs one node folder as a workflow', async () => {
    const out = await light(['run', '--node', 'hello/hello', '--json'], {
      LIGHT_RUN_URL: local.url,
      LIGHT_RUN_TOKEN: local.token,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(
      (JSON.parse(out.stdout) as { results: { hello: { output: unknown } } }).results.hello.output,
      {
        greeting: 'Hello, world!',
      },
    );
  });

  test('a failing workflow exits 1 and its JSON result names the node, exit code and logs', async () => {
    using dir = tempDir('cli-fail');
    oneNodeWorkflow(dir.path, 'echo about to fail; exit 7');
    const out = await light(['run', dir.path, '--json'], {
      LIGHT_RUN_URL: local.url,
      LIGHT_RUN_TOKEN: local.token,
    });
    assert.equal(out.code, 1);
    const result = JSON.parse(out.stdout) as {
      success: boolean;
      error: { nodeId: string; exitCode: number; logs: string[] };
    };
    assert.equal(result.success, false);
    assert.equal(result.error.nodeId, 'step');
    assert.equal(result.error.exitCode, 7);
    assert.deepEqual(result.error.logs, ['about to fail']);
  });

  test('bad input, an unknown workflow and a missing env variable exit 2', async () => {
    const env = { LIGHT_RUN_URL: local.url, LIGHT_RUN_TOKEN: local.token };
    assert.equal((await light(['run', 'hello', '--input', '{not json'], env)).code, 2);
    assert.equal((await light(['run', 'no-such-workflow'], env)).code, 2);
    using dir = tempDir('cli-env');
    oneNodeWorkflow(dir.path, 'true');
    writeFileSync(
      join(dir.path, 'step', '.node.json'),
      JSON.stringify({ id: 'step', image: 'localhost/light-sh', env: ['LP_TEST_UNSET_VAR'] }),
    );
    const missing = await light(['run', dir.path], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /node "step" needs LP_TEST_UNSET_VAR/);
  });

  test('Ctrl-C (SIGINT) cancels the runs, stops the local light-run and exits 130', async () => {
    using dir = tempDir('cli-sigint');
    oneNodeWorkflow(dir.path, 'echo sleeping; sleep 300');
    const { child, done } = start(['run', dir.path, '--json']);
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (d) => {
        stderr += d;
        if (stderr.includes('[step] sleeping')) resolve();
      });
    });
    child.kill('SIGINT');
    const out = await done;
    assert.equal(out.code, 130, out.stderr);
    const result = JSON.parse(out.stdout) as {
      error: { code: string };
      results: { step: { status: string; runId: string } };
    };
    assert.equal(result.error.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.step.status, 'cancelled');
    const left = await listLeftovers();
    assert.deepEqual(
      left.containers.filter((name) => name.includes(result.results.step.runId)),
      [],
    );
    const url = /light-run: (http:\S+) \(all-in-one\)/.exec(out.stderr)?.[1];
    assert.ok(url, out.stderr);
    await assert.rejects(
      new LightRunClient({ url }).health(),
      /cannot reach light-run at .* \(connection refused\)/,
    );
  });
});
