import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowDefinition } from '../../packages/process/src/definition/definitions.ts';
import { writeJsonFile } from '../../packages/process/src/files/json-file.ts';
import { saveWorkflowToFolder } from '../../packages/process/src/files/save-workflow.ts';
import { writeNodeFiles } from '../../packages/process/src/files/write-node-files.ts';
import { runLight } from '../../packages/process/test/support/light-bin.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type LightServeProc, startLightServe } from '../support/light-serve-proc.ts';
import type { ErrorBodyJson } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// A client of `light serve` sends workflows and inputs that are wrong or hostile. Each is
// the client's fault: a 400 that names the field, never a 500, a failed run or a stray file.

const scope = leakScope();
const root = tempDir('serve-bad-input');
scope.tempPaths.add(root.path);
const served = join(root.path, 'served');
let lr: LightRunProc;
let serve: LightServeProc;

function workflow(id: string, files: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    id,
    nodes: [{ id: 'a', image: 'localhost/light-sh', entrypoint: 'true', files }],
    links: [],
    ...extra,
  };
}

async function send(
  method: string,
  path: string,
  body: string,
): Promise<{ status: number; error: ErrorBodyJson['error'] }> {
  const res = await fetch(`${serve.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  return { status: res.status, error: (JSON.parse(text) as ErrorBodyJson).error };
}

/** Asserts a 400 with `code` whose message names `field` (and matches `reason`). */
async function refused(
  method: string,
  path: string,
  body: unknown,
  code: string,
  field: string,
  reason?: RegExp,
) {
  const { status, error } = await send(method, path, typeof body === 'string' ? body : JSON.stringify(body));
  assert.equal(status, 400, `${method} ${path}: ${JSON.stringify(error)}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.message.includes(field), `the message names ${field}: ${error.message}`);
  if (reason) assert.match(error.message, reason);
}

/** Every entry under the server's parent folder, to prove nothing was written anywhere. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (p) => !p.startsWith('served/.light'),
  );
}

describe('bad input to light serve answers 400 naming the field', () => {
  before(async () => {
    await saveWorkflowToFolder(
      {
        id: 'keep',
        nodes: [{ id: 'a', image: 'localhost/light-sh' }],
        links: [],
        networkDefs: [],
        services: [],
      },
      join(served, 'keep'),
    );
    lr = track(scope, await startLightRun());
    serve = await startLightServe({ dir: served, lightRun: lr });
    scope.pids.add(serve.pid);
  });
  after(async () => {
    await serve?.stop();
    await lr?.[Symbol.asyncDispose]();
    root[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('pushed file paths ../x and absolute answer 400 naming the path, and nothing is written', async () => {
    const before = tree(root.path);
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('dots', { '../x': 'a' }),
      'WORKFLOW_INVALID',
      'nodes[0].files.../x',
      /'\.\.'/,
    );
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('deep-dots', { 'a/../../../x': 'a' }),
      'WORKFLOW_INVALID',
      'a/../../../x',
    );
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('abs', { '/etc/cron.d/x': 'a' }),
      'WORKFLOW_INVALID',
      'nodes[0].files./etc/cron.d/x',
      /relative/,
    );
    const service = {
      networkDefs: [],
      services: [{ id: 'svc', image: 'localhost/light-sh', files: { '../svc': 'a' } }],
    };
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('svc', {}, service),
      'WORKFLOW_INVALID',
      'services[0].files.../svc',
    );
    // A replace with a bad path leaves the served workflow as it was.
    await refused(
      'PUT',
      '/api/workflows/keep?persist=1',
      workflow('keep', { '../../escape': 'a' }),
      'WORKFLOW_INVALID',
      '../../escape',
    );
    assert.deepEqual(tree(root.path), before);
    assert.equal(existsSync(join(root.path, 'x')), false);
  });

  test('files {".": ...}, a file/directory clash and one file named twice answer 400 naming the field', async () => {
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('dot', { '.': 'a' }),
      'WORKFLOW_INVALID',
      'nodes[0].files..',
      /folder itself/,
    );
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('dir', { 'lib/': 'a' }),
      'WORKFLOW_INVALID',
      'lib/',
      /folder/,
    );
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('clash', { a: 'x', 'a/b': 'y' }),
      'WORKFLOW_INVALID',
      'nodes[0].files.a/b',
      /needs 'a' as a folder/,
    );
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('twice', { 'a.sh': 'x', './a.sh': 'y' }),
      'WORKFLOW_INVALID',
      './a.sh',
      /same file/,
    );
    assert.deepEqual(readdirSync(served).sort(), ['.light', 'keep']);
  });

  test('over-deep input and an over-deep workflow answer 400 naming the field; no run is recorded', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    await refused(
      'POST',
      '/api/workflows/keep/run',
      `{"x":${deep}}`,
      'INVALID_REQUEST',
      'body.x.a.a',
      /nested deeper than \d+ levels/,
    );
    const arrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    await refused(
      'POST',
      '/api/workflows/keep/run',
      `{"list":${arrays}}`,
      'INVALID_REQUEST',
      'body.list[0][0]',
      /nested deeper/,
    );
    // Built as text: JSON.stringify itself cannot nest that deep.
    const wf = JSON.stringify(
      workflow('deep', {}, { inputs: { type: 'object', properties: { x: 'X' } } }),
    ).replace('"X"', deep);
    await refused(
      'POST',
      '/api/workflows',
      wf,
      'INVALID_REQUEST',
      'body.inputs.properties.x.a',
      /nested deeper/,
    );
    await refused('POST', '/api/workflows/keep/run', '"just a string"', 'INPUT_INVALID', 'JSON object');
    await refused('POST', '/api/workflows/keep/run', '[1,2]', 'INPUT_INVALID', 'JSON object');
    const runs = (await (await fetch(`${serve.url}/api/runs`)).json()) as { total: number };
    assert.equal(runs.total, 0);
    assert.equal(((await (await lr.api('/runs')).json()) as { runs: unknown[] }).runs.length, 0);
  });

  test('a __proto__ key is named as such, in a workflow and in a run input, not reported as invalid JSON', async () => {
    await refused(
      'POST',
      '/api/workflows',
      '{"id":"p","nodes":[],"links":[],"__proto__":{"polluted":true}}',
      'INVALID_REQUEST',
      'body.__proto__',
      /"__proto__" is not allowed/,
    );
    await refused(
      'POST',
      '/api/workflows/keep/run',
      '{"deep":{"list":[{"__proto__":{"admin":true}}]}}',
      'INVALID_REQUEST',
      'body.deep.list[0].__proto__',
    );
    await refused(
      'POST',
      '/api/workflows/keep/run',
      '{"constructor":{"prototype":{"admin":true}}}',
      'INVALID_REQUEST',
      'constructor.prototype',
    );
    const bad = await send('POST', '/api/workflows', '{"id": "p",');
    assert.equal(bad.status, 400);
    assert.equal(bad.error.code, 'INVALID_JSON');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a pushed file of mode 0o6755 answers 400 naming the file; nothing setuid lands in the served folder', async () => {
    const setuid = { content: '#!/bin/sh\nid\n', encoding: 'utf8', mode: 0o6755 };
    await refused(
      'POST',
      '/api/workflows?persist=1',
      workflow('suid', { 'tool.sh': setuid }),
      'WORKFLOW_INVALID',
      'nodes[0].files.tool.sh.mode',
      /0o777/,
    );
    assert.equal(existsSync(join(served, 'suid')), false);
    // The same file with plain permission bits is stored with exactly those.
    const ok = await fetch(`${serve.url}/api/workflows?persist=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(workflow('exec', { 'tool.sh': { ...setuid, mode: 0o755 } })),
    });
    assert.equal(ok.status, 201, await ok.text());
    const stored = readdirSync(join(served, 'exec'), { recursive: true, encoding: 'utf8' }).find((p) =>
      p.endsWith('tool.sh'),
    );
    assert.ok(stored, 'tool.sh persisted');
    assert.equal(statSync(join(served, 'exec', stored)).mode & 0o7777, 0o755);
  });
});

describe('file modes outside light serve', () => {
  test('a packed workflow with a 0o4755 file is refused by light check, naming the field', async () => {
    await using dir = tempDir('packed-mode');
    const file = join(dir.path, 'suid.json');
    await writeJsonFile(
      file,
      workflow('suid', { run: { content: 'id', encoding: 'utf8', mode: 0o4755 } }) as WorkflowDefinition,
    );
    const check = await runLight(['check', file, '--json']);
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stdout, /nodes\[0\]\.files\.run\.mode/);
  });

  test('writing node files masks a mode to 0o777 even when a caller skips the schema', async () => {
    await using dir = tempDir('mask-mode');
    await writeNodeFiles(dir.path, { 'x.sh': { content: 'id', encoding: 'utf8', mode: 0o6755 } });
    assert.equal(statSync(join(dir.path, 'x.sh')).mode & 0o7777, 0o755);
  });
});
