import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import type { WorkflowDefinition, WorkflowNode } from '../src/definition/definitions.ts';
import { LightProcessError } from '../src/definition/errors.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { ExecuteOptions, WorkflowResult } from '../src/engine/types.ts';

// One test per row of the execution page's node -> light-run mapping table, through a
// real light-run and real containers.

let local: LocalLightRun;

function single(node: Partial<WorkflowNode>, extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    id: 'mapping',
    nodes: [{ id: 'n', image: 'localhost/light-sh', ...node }],
    links: [],
    networkDefs: [],
    services: [],
    ...extra,
  };
}

async function run(
  wf: WorkflowDefinition,
  input: unknown = {},
  options: Partial<ExecuteOptions> = {},
): Promise<WorkflowResult> {
  return executeWorkflow(wf, input, { runner: local.client, ...options });
}

/** An entrypoint that writes `json` (a shell expression's output) to .lp-output.json. */
const emit = (shell: string): string => `${shell} > .lp-output.json`;

describe('node -> light-run mapping (real containers)', () => {
  before(async () => {
    local = await startLocalLightRun();
  });
  after(async () => {
    await local?.stop();
    await assertNoLeaks();
  });

  test('image: the node runs in the image it names, and a missing image fails the node clearly', async () => {
    const ok = await run(
      single({
        image: 'localhost/light-python',
        entrypoint: emit(`python3 -c 'import json,sys; print(json.dumps({"v": sys.version_info[0]}))'`),
      }),
    );
    assert.equal(ok.success, true, ok.error?.message);
    assert.deepEqual(ok.results.n?.output, { v: 3 });
    const missing = await run(single({ image: 'localhost/light-does-not-exist', entrypoint: 'true' }));
    assert.equal(missing.success, false);
    assert.equal(missing.error?.nodeId, 'n');
    assert.match(missing.error?.message ?? '', /localhost\/light-does-not-exist|image/i);
  });

  test('files: text and binary files arrive byte for byte in the workdir', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const md5 = createHash('md5').update(bytes).digest('hex');
    const result = await run(
      single({
        files: {
          'bin/all.bytes': { content: bytes.toString('base64'), encoding: 'base64' },
          'note.txt': 'héllo\n',
        },
        entrypoint: emit(
          `printf '{"md5":"%s","note":"%s"}' "$(md5sum bin/all.bytes | cut -d' ' -f1)" "$(cat note.txt)"`,
        ),
      }),
    );
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.output, { md5, note: 'héllo' });
  });

  test('entrypoint: runs through sh -c (pipes and && work)', async () => {
    const result = await run(single({ entrypoint: `echo one && echo two | tr a-z A-Z` }));
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.logs, ['one', 'TWO']);
  });

  test('setup: commands run in order before the entrypoint', async () => {
    const result = await run(
      single({ setup: ['echo first > order.txt', 'echo second >> order.txt'], entrypoint: 'cat order.txt' }),
    );
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.logs, ['first', 'second']);
  });

  test('timeout: a node past its timeout ends as timeout; 0 means no timeout', async () => {
    const started = Date.now();
    const slow = await run(single({ timeout: 1000, entrypoint: 'sleep 60' }));
    assert.equal(slow.success, false);
    assert.equal(slow.results.n?.status, 'timeout');
    assert.ok(Date.now() - started < 30_000, 'did not hang');
    const zero = await run(single({ timeout: 0, entrypoint: 'sleep 1; echo done' }));
    assert.equal(zero.success, true, zero.error?.message);
  });

  test('networks: an alias is rewritten to lp-<runId>-<alias>; [] keeps the light-run default network', async () => {
    const wf: WorkflowDefinition = {
      id: 'nets',
      nodes: [
        { id: 'scoped', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'ls /sys/class/net' },
        { id: 'default', image: 'localhost/light-sh', networks: [], entrypoint: 'ls /sys/class/net' },
      ],
      links: [],
      networkDefs: [{ alias: 'net' }],
      services: [],
    };
    let seen = false;
    const result = await run(
      wf,
      {},
      {
        runId: 'maptest',
        onNodeStart: () => {
          seen = true;
        },
      },
    );
    assert.equal(result.success, true, result.error?.message);
    assert.ok(seen);
    // Both containers have one interface besides lo: the scoped network, or the default bridge.
    assert.deepEqual(result.results.scoped?.logs.sort(), ['eth0', 'lo']);
    assert.deepEqual(result.results.default?.logs.sort(), ['eth0', 'lo']);
    assert.equal(await local.client.networkExists('lp-maptest-net'), false, 'deleted after the run');
  });

  test('workdir: the node runs in its workdir and its output is fetched from there', async () => {
    const result = await run(
      single({
        workdir: '/work',
        files: { 'x.txt': 'x' },
        entrypoint: emit(`printf '{"pwd":"%s","x":"%s"}' "$(pwd)" "$(cat x.txt)"`),
      }),
    );
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.output, { pwd: '/work', x: 'x' });
  });

  test('env: names are resolved from the light-process environment; a missing one fails before any run', async () => {
    const wf = single({ env: ['GREETING'], entrypoint: emit(`printf '{"greeting":"%s"}' "$GREETING"`) });
    const result = await run(wf, {}, { env: { GREETING: 'bonjour', OTHER: 'not passed' } });
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.output, { greeting: 'bonjour' });
    await assert.rejects(run(wf, {}, { env: {} }), (error: unknown) => {
      assert.ok(error instanceof LightProcessError);
      assert.equal(error.code, 'ENV_MISSING');
      assert.match(error.message, /node "n" needs GREETING/);
      return true;
    });
  });

  test('input: the runtime input is piped to the container stdin as JSON', async () => {
    const result = await run(single({ entrypoint: 'cat > .lp-output.json' }), { name: 'Ada', list: [1, 2] });
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.n?.output, { name: 'Ada', list: [1, 2] });
  });

  test('extract / output channel: an object is the output; empty, missing or non-object output becomes {}', async () => {
    const cases: [string, unknown][] = [
      [emit(`echo '{"a":1,"b":{"c":[true]}}'`), { a: 1, b: { c: [true] } }],
      [': > .lp-output.json', {}],
      ['true', {}],
      [emit(`echo '[1,2,3]'`), {}],
      [emit(`echo '"text"'`), {}],
      [emit(`echo 'not json'`), {}],
    ];
    for (const [entrypoint, expected] of cases) {
      const result = await run(single({ entrypoint }));
      assert.equal(result.success, true, `${entrypoint}: ${result.error?.message}`);
      assert.deepEqual(result.results.n?.output, expected, entrypoint);
    }
  });
});
