import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { WorkflowFileError } from '../../src/definition/errors.ts';
import { loadWorkflowFile, loadWorkflowFromFolder } from '../../src/files/load-workflow.ts';
import { PACKED_FORMAT, packWorkflow, unpackWorkflow } from '../../src/files/pack.ts';

function makeWorkflow(root: string): void {
  mkdirSync(join(root, 'nodes', 'fetch', 'lib'), { recursive: true });
  mkdirSync(join(root, 'svc'), { recursive: true });
  writeFileSync(
    join(root, 'workflow.json'),
    JSON.stringify({
      id: 'flow',
      name: 'Flow',
      nodes: [{ id: 'fetch', dir: 'nodes/fetch' }],
      links: [],
      services: [{ id: 'proxy', image: 'localhost/light-sh', entrypoint: 'sh serve.sh', dir: 'svc' }],
    }),
  );
  writeFileSync(
    join(root, 'nodes', 'fetch', '.node.json'),
    JSON.stringify({ id: 'fetch', image: 'localhost/light-python' }),
  );
  writeFileSync(join(root, 'nodes', 'fetch', 'main.py'), 'print(1)\n');
  writeFileSync(join(root, 'nodes', 'fetch', 'lib', 'blob.bin'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(root, 'svc', 'serve.sh'), 'echo serving\n');
}

test('pack writes one tagged file with every file embedded; unpack restores the same workflow', async () => {
  using tmp = tempDir();
  const src = join(tmp.path, 'flow');
  makeWorkflow(src);
  const original = await loadWorkflowFromFolder(src);

  const file = await packWorkflow(src);
  assert.equal(file, `${src}.json`);
  const packed = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(packed.format, PACKED_FORMAT);
  assert.deepEqual(packed.nodes[0].files['lib/blob.bin'], { content: 'AAEC/w==', encoding: 'base64' });
  assert.equal(packed.services[0].files['serve.sh'], 'echo serving\n');
  assert.ok(existsSync(src), 'packWorkflow itself leaves the folder');

  const out = await unpackWorkflow(file, join(tmp.path, 'restored'));
  const restored = await loadWorkflowFromFolder(out);
  assert.deepEqual(restored, original);
  assert.deepEqual(readFileSync(join(out, 'nodes', 'fetch', 'lib', 'blob.bin')), Buffer.from([0, 1, 2, 255]));
  const { format: _f, ...fromFile } = await loadWorkflowFile(file);
  assert.deepEqual(fromFile, original);
});

test('unpack defaults to the file name without .json and refuses a non-empty folder', async () => {
  using tmp = tempDir();
  const src = join(tmp.path, 'flow');
  makeWorkflow(src);
  const file = await packWorkflow(src, join(tmp.path, 'other.json'));
  assert.equal(await unpackWorkflow(file), join(tmp.path, 'other'));
  await assert.rejects(unpackWorkflow(file), /folder is not empty/);
  await unpackWorkflow(file, undefined, { overwrite: true });
});

test('a packed file with a bad field names the file and field', async () => {
  using tmp = tempDir();
  const file = join(tmp.path, 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({
      format: PACKED_FORMAT,
      id: 'x',
      nodes: [{ id: 'a', image: 'i', files: { 'a.txt': 5 } }],
    }),
  );
  await assert.rejects(loadWorkflowFile(file), (e: unknown) => {
    assert.ok(e instanceof WorkflowFileError);
    assert.equal(
      e.message,
      `${file}: field "nodes[0].files.a.txt": does not match any accepted form (got number)`,
    );
    return true;
  });
});

test('unpacking refuses file paths that escape the node folder', async () => {
  using tmp = tempDir();
  const file = join(tmp.path, 'evil.json');
  writeFileSync(
    file,
    JSON.stringify({ id: 'x', nodes: [{ id: 'a', image: 'i', files: { '../../escape.txt': 'x' } }] }),
  );
  await assert.rejects(
    unpackWorkflow(file, join(tmp.path, 'out')),
    /field "nodes\[0\]\.files\.\.\.\/\.\.\/escape\.txt": must not contain '\.\.'/,
  );
  assert.equal(existsSync(join(tmp.path, 'escape.txt')), false);
});
