import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import tar from 'tar-stream';
import { packFiles } from '../../src/files/archive-in.ts';
import { fileTreeProblem, MAX_DIRECTORIES, MAX_FILES } from '../../src/files/file-tree.ts';
import { InvalidRequestError } from '../../src/index.ts';
import { validateRequest } from '../../src/run/validate-request.ts';

/** `type:name:mode` of every entry of an archive stream. */
async function entriesOf(archive: Readable): Promise<string[]> {
  const extract = tar.extract();
  archive.pipe(extract);
  const names: string[] = [];
  for await (const entry of extract) {
    names.push(`${entry.header.type}:${entry.header.name}:${(entry.header.mode ?? 0).toString(8)}`);
    entry.resume();
  }
  return names;
}

/** `count` files, each `depth` directories deep in a chain of its own. */
function deepTree(count: number, depth: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++)
    files[`${Array.from({ length: depth }, (_, d) => `f${i}d${d}`).join('/')}/x`] = 'x';
  return files;
}

test('packFiles masks setuid, setgid and sticky bits off every file mode', async () => {
  const archive = packFiles({
    suid: { content: 'x', encoding: 'utf8', mode: 0o6755 },
    sticky: { content: 'x', encoding: 'utf8', mode: 0o1777 },
  });
  assert.deepEqual(await entriesOf(archive), ['file:suid:755', 'file:sticky:777']);
});

test('packFiles writes each shared parent directory once', async () => {
  const archive = packFiles({ 'a/b/1': 'x', 'a/b/2': 'x', 'a/c/3': 'x' });
  assert.deepEqual(await entriesOf(archive), [
    'directory:a/:755',
    'directory:a/b/:755',
    'directory:a/c/:755',
    'file:a/b/1:644',
    'file:a/b/2:644',
    'file:a/c/3:644',
  ]);
});

test('packFiles streams a large tree: every entry arrives, in a readable stream', async () => {
  const archive = packFiles(deepTree(400, 40));
  const entries = await entriesOf(archive);
  assert.equal(entries.filter((e) => e.startsWith('directory:')).length, 400 * 40);
  assert.equal(entries.filter((e) => e.startsWith('file:')).length, 400);
});

test('fileTreeProblem names "." as a path that names no file', () => {
  assert.deepEqual(fileTreeProblem(['ok', '.']), { key: '.', message: 'must name a file' });
});

test('fileTreeProblem names a path that is both a file and a directory', () => {
  const problem = fileTreeProblem(['a', 'a/b']);
  assert.equal(problem?.key, 'a');
  assert.match(problem?.message ?? '', /"a\/b" needs it to be a directory/);
});

test('fileTreeProblem names two keys of one file', () => {
  const problem = fileTreeProblem(['a/b', './a//b']);
  assert.equal(problem?.key, './a//b');
  assert.match(problem?.message ?? '', /same file as "a\/b"/);
});

test(`fileTreeProblem refuses more than ${MAX_FILES} files, naming the limit`, () => {
  const keys = Array.from({ length: MAX_FILES + 1 }, (_, i) => `f${i}`);
  const problem = fileTreeProblem(keys);
  assert.equal(problem?.key, undefined);
  assert.match(problem?.message ?? '', new RegExp(`at most ${MAX_FILES}`));
  assert.equal(fileTreeProblem(keys.slice(1)), undefined);
});

test(`fileTreeProblem refuses more than ${MAX_DIRECTORIES} directories (5,000 files x 50 levels)`, () => {
  const problem = fileTreeProblem(Object.keys(deepTree(5000, 50)));
  assert.equal(problem?.key, undefined);
  assert.match(problem?.message ?? '', new RegExp(`at most ${MAX_DIRECTORIES}`));
});

test('validateRequest names the clashing key and the file count in InvalidRequestError', () => {
  assert.throws(
    () => validateRequest({ image: 'img', files: { a: 'x', 'a/b': 'y' } }),
    (err: unknown) => err instanceof InvalidRequestError && err.message.startsWith('files["a"]:'),
  );
  assert.throws(
    () => validateRequest({ image: 'img', files: deepTree(5000, 50) }),
    (err: unknown) => err instanceof InvalidRequestError && /^files: .*20000/.test(err.message),
  );
});

test('validateRequest accepts a mode with setuid bits (they are dropped when written)', () => {
  const valid = validateRequest({
    image: 'img',
    files: { s: { content: '', encoding: 'utf8', mode: 0o6755 } },
  });
  assert.deepEqual(Object.keys(valid.files), ['s']);
});
