import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { assertLightBuilt, runLight } from './support/light-bin.ts';

const scope = leakScope();
const dir = tempDir('cli-init');
scope.tempPaths.add(dir.path);
let lr: LightRunProc;

/** `light <args>` from the built bin in `cwd`, against the test's light-run. */
function light(args: string[], cwd = dir.path) {
  return runLight(args, { cwd, env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token } });
}

function nodeFile(path: string): { image: string } {
  return JSON.parse(readFileSync(join(path, '.node.json'), 'utf8')) as { image: string };
}

before(async () => {
  assertLightBuilt();
  lr = track(scope, await startLightRun());
});

after(async () => {
  await lr?.[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
  try {
    await assertNoLeaksOf(scope);
  } finally {
    await reapScope(scope);
  }
});

describe('light init', () => {
  test('light init --node run inside a workflow folder creates the node there and registers it in workflow.json', async () => {
    assert.equal((await light(['init', 'flow'])).code, 0);
    const flow = join(dir.path, 'flow');
    const added = await light(['init', '--node', 'extra', '--lang', 'python'], flow);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /registered in workflow\.json/);
    const workflow = JSON.parse(readFileSync(join(flow, 'workflow.json'), 'utf8')) as {
      nodes: { id: string; dir: string }[];
    };
    assert.deepEqual(
      workflow.nodes.map((n) => [n.id, n.dir]),
      [
        ['hello', 'hello'],
        ['extra', 'extra'],
      ],
    );
    assert.equal(nodeFile(join(flow, 'extra')).image, 'localhost/light-python');
    assert.equal(nodeFile(join(flow, 'hello')).image, 'localhost/light-node');

    // Both nodes take the workflow input and run in their images.
    const ran = await light(['run', 'flow', '--input', '{"name":"Init"}', '--json']);
    assert.equal(ran.code, 0, ran.stderr);
    const result = JSON.parse(ran.stdout) as { results: Record<string, { output: unknown }> };
    assert.deepEqual(result.results.extra?.output, { greeting: 'Hello, Init!' });
    assert.deepEqual(result.results.hello?.output, { greeting: 'Hello, Init!' });
  });

  test('light init --image sets the image of the new workflow node and of a new node', async () => {
    const made = await light(['init', 'custom', '--image', 'registry.example:5000/team/node:22']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(nodeFile(join(dir.path, 'custom', 'hello')).image, 'registry.example:5000/team/node:22');
    const node = await light(['init', '--node', 'sh', '--dir', 'custom', '--image', 'localhost/light-sh']);
    assert.equal(node.code, 0, node.stderr);
    assert.equal(nodeFile(join(dir.path, 'custom', 'sh')).image, 'localhost/light-sh');
  });

  test('light init --image with whitespace is a usage error (exit 2) naming the image, and writes nothing', async () => {
    const bad = await light(['init', 'refused', '--image', 'node --privileged']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid image 'node --privileged'/);
    assert.throws(() => readFileSync(join(dir.path, 'refused', 'workflow.json')), /ENOENT/);
  });
});

describe('light run --input', () => {
  test('a path without @ is read as the JSON input file', async () => {
    writeFileSync(join(dir.path, 'input.json'), JSON.stringify({ name: 'File' }));
    assert.equal((await light(['init', 'greet'])).code, 0);
    const out = await light(['run', 'greet', '--input', 'input.json', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as { results: Record<string, { output: unknown }> };
    assert.deepEqual(result.results.hello?.output, { greeting: 'Hello, File!' });
  });

  test('@path still reads a file, and inline JSON still works', async () => {
    writeFileSync(join(dir.path, 'at.json'), JSON.stringify({ name: 'At' }));
    const at = await light(['run', 'greet', '--input', '@at.json', '--json']);
    assert.equal(at.code, 0, at.stderr);
    assert.deepEqual(
      (JSON.parse(at.stdout) as { results: { hello: { output: unknown } } }).results.hello.output,
      { greeting: 'Hello, At!' },
    );
    const inline = await light(['run', 'greet', '--input', '{"name":"Inline"}', '--json']);
    assert.deepEqual(
      (JSON.parse(inline.stdout) as { results: { hello: { output: unknown } } }).results.hello.output,
      { greeting: 'Hello, Inline!' },
    );
  });

  test('a value that is neither JSON nor an existing file, or a file that is not JSON, exits 2 saying which', async () => {
    const neither = await light(['run', 'greet', '--input', 'missing.json']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /--input: not valid JSON and not an existing file/);
    writeFileSync(join(dir.path, 'broken.json'), '{ "name": ');
    const broken = await light(['run', 'greet', '--input', 'broken.json']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /--input: broken\.json is not valid JSON/);
    const help = await light(['run', '--help']);
    assert.match(help.stdout, /path of an existing JSON file/);
  });
});
