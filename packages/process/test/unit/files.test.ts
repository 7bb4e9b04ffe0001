import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../../test/support/temp.ts';
import { NodeFilesError, WorkflowFileError } from '../../src/definition/errors.ts';
import { loadWorkflow, loadWorkflowFromFolder } from '../../src/files/load-workflow.ts';
import { readNodeFiles } from '../../src/files/read-node-files.ts';
import { saveWorkflowToFolder } from '../../src/files/save-workflow.ts';

function write(path: string, content: string | Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

function makeWorkflow(root: string): void {
  write(join(root, 'workflow.json'), JSON.stringify({ id: 'wf', nodes: [{ id: 'a', dir: 'a' }], links: [] }));
  write(
    join(root, 'a', '.node.json'),
    JSON.stringify({ id: 'a', image: 'localhost/light-node', entrypoint: 'node index.js' }),
  );
  write(join(root, 'a', 'index.js'), 'console.log(1)\n');
}

async function rejectsWith(
  promise: Promise<unknown>,
  check: (e: Error & { code?: string }) => void,
): Promise<void> {
  await assert.rejects(promise, (e: Error & { code?: string }) => {
    check(e);
    return true;
  });
}

test('a workflow folder loads with node files read from the node folder', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  const def = await loadWorkflowFromFolder(dir.path);
  assert.equal(def.id, 'wf');
  assert.deepEqual(def.nodes[0]?.files, { 'index.js': 'console.log(1)\n' });
  assert.equal(def.nodes[0]?.dir, 'a');
  assert.deepEqual(def.links, []);
});

test('invalid JSON names the file, line and column', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  const file = join(dir.path, 'a', '.node.json');
  writeFileSync(file, '{\n  "id": "a",\n  "image" "x"\n}\n');
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) => {
    assert.ok(e instanceof WorkflowFileError);
    assert.equal(e.code, 'WORKFLOW_FILE_INVALID');
    assert.equal(e.file, file);
    assert.match(e.message, new RegExp(`^${file.replace(/[.]/g, '\\.')}:3:11: invalid JSON: `));
  });
});

test('a wrong field type names the file, the field and what was expected', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  const file = join(dir.path, 'a', '.node.json');
  writeFileSync(file, JSON.stringify({ id: 'a', image: 'x', timeout: '10s', colour: 'red' }));
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) => {
    assert.ok(e instanceof WorkflowFileError);
    assert.equal(e.field, 'timeout');
    assert.equal(
      e.message,
      `${file}: field "timeout": expected a number, got string\n${file}: field "colour": unknown field`,
    );
  });
});

test('a missing required field and a missing node folder are named', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  writeFileSync(join(dir.path, 'a', '.node.json'), JSON.stringify({ id: 'a' }));
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) =>
    assert.match(e.message, /\.node\.json: field "image": is required \(expected a string\)$/),
  );
  writeFileSync(
    join(dir.path, 'workflow.json'),
    JSON.stringify({ id: 'wf', nodes: [{ id: 'b', dir: 'b' }] }),
  );
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) =>
    assert.match(e.message, /workflow\.json: field "nodes\[0\]\.dir": no \.node\.json in 'b'$/),
  );
});

test('a node folder path outside the workflow is refused', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  writeFileSync(
    join(dir.path, 'workflow.json'),
    JSON.stringify({ id: 'wf', nodes: [{ id: 'a', dir: '../a' }] }),
  );
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) =>
    assert.match(e.message, /must be a relative folder inside/),
  );
});

test('the ignore list leaves out build output, caches, stubs and the node definition', async () => {
  using dir = tempDir();
  const node = join(dir.path, 'n');
  for (const p of [
    '.node.json',
    'lp-types.d.ts',
    'lp_types.py',
    '.lp-output.json',
    '.DS_Store',
    'node_modules/x/index.js',
    '.git/HEAD',
    '__pycache__/a.pyc',
    '.venv/bin/python',
    'dist/out.js',
    'build/out.js',
    'sub/helper.pyc',
    'sub/keep.py',
    'lp.js',
    'main.js',
  ]) {
    write(join(node, p), 'x');
  }
  assert.deepEqual(Object.keys(await readNodeFiles(node)), ['lp.js', 'main.js', 'sub/keep.py']);
});

test('binary files and the execute bit survive load -> save', async () => {
  using src = tempDir();
  using out = tempDir();
  makeWorkflow(src.path);
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01]);
  writeFileSync(join(src.path, 'a', 'image.png'), bytes);
  writeFileSync(join(src.path, 'a', 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  writeFileSync(join(src.path, 'a', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(src.path, 'a', 'run.sh'), 0o755);
  const def = await loadWorkflowFromFolder(src.path);
  const files = def.nodes[0]?.files ?? {};
  assert.deepEqual(files['image.png'], { content: bytes.toString('base64'), encoding: 'base64' });
  assert.equal(typeof files['latin1.txt'], 'object');
  assert.deepEqual(files['run.sh'], { content: '#!/bin/sh\necho hi\n', encoding: 'utf8', mode: 0o755 });

  await saveWorkflowToFolder(def, join(out.path, 'copy'));
  assert.deepEqual(readFileSync(join(out.path, 'copy', 'a', 'image.png')), bytes);
  assert.deepEqual(
    readFileSync(join(out.path, 'copy', 'a', 'latin1.txt')),
    Buffer.from([0x63, 0x61, 0x66, 0xe9]),
  );
  assert.equal(statSync(join(out.path, 'copy', 'a', 'run.sh')).mode & 0o777, 0o755);
  assert.deepEqual(await loadWorkflowFromFolder(join(out.path, 'copy')), def);
});

test('a symlink in a node folder is refused, naming the file', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  const link = join(dir.path, 'a', 'secret');
  symlinkSync('/etc/passwd', link);
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) => {
    assert.ok(e instanceof NodeFilesError);
    assert.equal(e.code, 'NODE_FILE_REFUSED');
    assert.equal(e.file, link);
    assert.equal(e.nodeId, 'a');
    assert.equal(e.message, `${link}: symlinks are not allowed in a node folder`);
  });
});

test('past the size limit the error names the node and its biggest files', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  writeFileSync(join(dir.path, 'a', 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
  writeFileSync(join(dir.path, 'a', 'mid.txt'), 'x'.repeat(2048));
  await rejectsWith(loadWorkflowFromFolder(dir.path, { maxNodeBytes: 1024 * 1024 }), (e) => {
    assert.ok(e instanceof NodeFilesError);
    assert.equal(e.code, 'NODE_FILES_TOO_LARGE');
    assert.match(
      e.message,
      /^node 'a' \(.*\): files total 3\.0 MiB, over the 1\.0 MiB limit; biggest: big\.bin \(3\.0 MiB\), mid\.txt \(2\.0 KiB\), index\.js \(15 B\)$/,
    );
  });
});

test('loadWorkflow accepts a folder, its workflow.json, and reports a missing path', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  assert.equal((await loadWorkflow(dir.path)).id, 'wf');
  assert.equal((await loadWorkflow(join(dir.path, 'workflow.json'))).id, 'wf');
  await rejectsWith(loadWorkflow(join(dir.path, 'nope')), (e) => assert.equal(e.code, 'WORKFLOW_NOT_FOUND'));
});

test('a node id that differs from its registration is an error naming both', async () => {
  using dir = tempDir();
  makeWorkflow(dir.path);
  writeFileSync(join(dir.path, 'a', '.node.json'), JSON.stringify({ id: 'other', image: 'x' }));
  await rejectsWith(loadWorkflowFromFolder(dir.path), (e) =>
    assert.match(e.message, /field "id": 'other' does not match the id 'a' registered in/),
  );
});
