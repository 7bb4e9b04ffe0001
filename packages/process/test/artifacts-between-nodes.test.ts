import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { type WorkflowDefinitionInput, workflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { WorkflowResult } from '../src/engine/types.ts';
import { createLightServer } from '../src/faces/server/app.ts';
import { saveWorkflowToFolder } from '../src/files/save-workflow.ts';
import { runLight } from './support/light-bin.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
let lr: LightRunProc;

function client(target: Pick<LightRunProc, 'url' | 'token'> = lr): LightRunClient {
  return new LightRunClient({ url: target.url, token: target.token });
}

function run(
  definition: WorkflowDefinitionInput,
  options: { keepArtifacts?: boolean; target?: LightRunProc } = {},
): Promise<WorkflowResult> {
  return executeWorkflow(
    workflowDefinition.parse(definition),
    {},
    {
      runner: client(options.target),
      ...(options.keepArtifacts ? { keepArtifacts: true } : {}),
    },
  );
}

/** A node that writes `script`'s output as its JSON output. */
function node(id: string, entrypoint: string, artifacts?: string[]) {
  return { id, image: IMAGE, entrypoint, ...(artifacts ? { artifacts } : {}) };
}

async function runState(target: LightRunProc, id: string): Promise<number> {
  return (await target.api(`/runs/${id}`)).status;
}

describe('artifacts between nodes (real light-run, real containers)', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });

  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a chain passes files node to node under in/<fromNodeId>/, and deletes them when the run ends', async () => {
    const result = await run({
      id: 'chain',
      nodes: [
        node(
          'extract',
          'mkdir -p out && echo 1,a > out/a.csv && echo 2,b > out/b.csv && echo skip > out/c.txt',
          ['out/*.csv'],
        ),
        node(
          'transform',
          'test ! -e in/extract/out/c.txt && cat in/extract/out/a.csv in/extract/out/b.csv > joined.csv',
          ['joined.csv'],
        ),
        node(
          'load',
          'printf \'{"rows":"%s"}\' "$(tr \'\\n\' \';\' < in/transform/joined.csv)" > .lp-output.json && test ! -e in/extract',
        ),
      ],
      links: [
        { from: 'extract', to: 'transform' },
        { from: 'transform', to: 'load' },
      ],
    });
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(result.results.load?.output, { rows: '1,a;2,b;' });
    for (const id of ['extract', 'transform']) {
      const runId = result.results[id]?.runId as string;
      assert.equal(await runState(lr, runId), 404, `the run of ${id} (and its artifacts) was deleted`);
    }
  });

  test('fan-in: two producers of the same file name each land under their own in/<id>/', async () => {
    const result = await run({
      id: 'fanin',
      nodes: [
        node('left', 'echo from-left > data.txt', ['data.txt']),
        node('right', 'echo from-right > data.txt', ['data.txt']),
        node(
          'join',
          'printf \'{"left":"%s","right":"%s"}\' "$(cat in/left/data.txt)" "$(cat in/right/data.txt)" > .lp-output.json',
        ),
      ],
      links: [
        { from: 'left', to: 'join' },
        { from: 'right', to: 'join' },
      ],
    });
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(result.results.join?.output, { left: 'from-left', right: 'from-right' });
  });

  test('a glob that matches nothing fails the producing node, naming the glob', async () => {
    const result = await run({
      id: 'nomatch',
      nodes: [node('make', 'echo x > report.pdf', ['report.pdf', 'out/*.csv']), node('use', 'true')],
      links: [{ from: 'make', to: 'use' }],
    });
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'make');
    assert.match(
      result.results.make?.error?.message ?? '',
      /artifact "out\/\*\.csv" matched no regular file/,
    );
    assert.equal(result.results.use?.status, 'cancelled');
  });

  test('a symlink matched by an artifact glob is refused', async () => {
    const result = await run({
      id: 'link',
      nodes: [node('make', 'ln -s /etc/passwd secret.txt', ['secret.txt'])],
    });
    assert.equal(result.success, false);
    assert.match(
      result.results.make?.error?.message ?? '',
      /secret\.txt is a symbolic link; artifacts must be regular files/,
    );
  });

  test('`..` or an absolute path in `artifacts` is refused before anything runs, naming the node and field', () => {
    for (const bad of ['../up.txt', 'out/../../x', '/etc/passwd']) {
      assert.throws(
        () => workflowDefinition.parse({ id: 'bad', nodes: [node('make', 'true', [bad])] }),
        (error: unknown) => {
          const text = String(error);
          assert.match(text, /artifacts/);
          assert.match(text, bad.startsWith('/') ? /must be relative/ : /must not contain '\.\.'/);
          return true;
        },
      );
    }
  });

  test('artifacts over the artifact store cap fail the node with a clear error', async () => {
    const small = track(scope, await startLightRun({ args: ['--artifact-store', '100kb'] }));
    try {
      const result = await run(
        { id: 'cap', nodes: [node('big', 'head -c 300000 /dev/zero > big.bin', ['big.bin'])] },
        { target: small },
      );
      assert.equal(result.success, false);
      assert.match(
        result.results.big?.error?.message ?? '',
        /the artifacts of run .* take 300\d{3} bytes, more than this light-run's artifact store cap of 102400 bytes/,
      );
    } finally {
      await small[Symbol.asyncDispose]();
    }
  });

  test('a 300 MiB node folder runs with `light run` (streamed upload past the body limit)', async () => {
    const dir = tempDir('lp-heavy');
    scope.tempPaths.add(dir.path);
    try {
      await saveWorkflowToFolder(
        workflowDefinition.parse({
          id: 'heavy',
          nodes: [node('heavy', 'wc -c < data.bin && wc -c < notes.txt')],
        }),
        dir.path,
      );
      const file = openSync(join(dir.path, 'heavy', 'data.bin'), 'w');
      const chunk = randomBytes(1024 * 1024);
      for (let i = 0; i < 300; i++) writeSync(file, chunk);
      closeSync(file);
      writeFileSync(join(dir.path, 'heavy', 'notes.txt'), 'small');
      const out = await runLight(['run', dir.path], {
        env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token, NO_COLOR: '1' },
      });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /314572800/);
      assert.deepEqual(
        readdirSync(join(lr.dataDir, 'uploads')),
        [],
        'the upload was deleted when the run ended',
      );
    } finally {
      dir[Symbol.dispose]();
    }
  });

  test('keepArtifacts leaves them in light-run, and light serve lists and streams them', async () => {
    const dir = tempDir('lp-artifacts-serve');
    scope.tempPaths.add(dir.path);
    try {
      await saveWorkflowToFolder(
        workflowDefinition.parse({
          id: 'kept',
          nodes: [
            node('make', 'mkdir -p out && printf hello > out/a.txt && printf 12345 > out/b.txt', [
              'out/*.txt',
            ]),
          ],
        }),
        join(dir.path, 'kept'),
      );
      await using server = await createLightServer({ dir: dir.path, runner: client() });
      const base = await server.listen({ port: 0 });
      const started = await fetch(`${base}/api/workflows/kept/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const record = (await started.json()) as { id: string; status: string };
      assert.equal(record.status, 'succeeded', JSON.stringify(record));
      const list = await fetch(`${base}/api/runs/${record.id}/nodes/make/artifacts`);
      assert.equal(list.status, 200);
      assert.deepEqual(await list.json(), {
        artifacts: [
          { path: 'out/a.txt', size: 5 },
          { path: 'out/b.txt', size: 5 },
        ],
      });
      const file = await fetch(`${base}/api/runs/${record.id}/nodes/make/artifacts/out/a.txt`);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-disposition'), 'attachment');
      assert.equal(await file.text(), 'hello');
      const none = await fetch(`${base}/api/runs/${record.id}/nodes/make/artifacts/out/zzz.txt`);
      assert.equal(none.status, 404);
      const noNode = await fetch(`${base}/api/runs/${record.id}/nodes/ghost/artifacts`);
      assert.equal(noNode.status, 404);
      assert.equal(((await noNode.json()) as { error: { code: string } }).error.code, 'NODE_NOT_FOUND');
    } finally {
      dir[Symbol.dispose]();
    }
  });
});
