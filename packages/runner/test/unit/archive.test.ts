import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import { assertNoLeaks } from '../../../../test/support/leaks.ts';
import { tempDir } from '../../../../test/support/temp.ts';
import { packFiles } from '../../src/files/archive-in.ts';
import { extractArchive } from '../../src/files/archive-out.ts';
import { artifactPathFor } from '../../src/files/paths.ts';
import { ExtractTooLargeError } from '../../src/index.ts';

after(() => assertNoLeaks());

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

test('packFiles writes parent directories and files with their modes, never links', async () => {
  const tarball = packFiles({
    'a/b/c.txt': 'x',
    'run.sh': { content: 'echo', encoding: 'utf8', mode: 0o755 },
  });
  assert.deepEqual(await entriesOf(tarball), [
    'directory:a/:755',
    'directory:a/b/:755',
    'file:a/b/c.txt:644',
    'file:run.sh:755',
  ]);
});

test('extractArchive writes regular files only and skips symlinks and hardlinks', async () => {
  await using dir = tempDir('unit-extract');
  const pack = tar.pack();
  pack.entry({ name: 'out/', type: 'directory' });
  pack.entry({ name: 'out/ok.txt' }, 'fine');
  pack.entry({ name: 'out/passwd', type: 'symlink', linkname: '/etc/passwd' });
  pack.entry({ name: 'out/hard', type: 'link', linkname: 'out/ok.txt' });
  pack.finalize();
  const artifacts = await extractArchive(pack as unknown as Readable, {
    containerPath: '/app/out',
    workdir: '/app',
    destDir: dir.path,
    maxBytes: 100,
  });
  assert.deepEqual(artifacts, [{ path: 'out/ok.txt', bytes: 4, type: 'text/plain' }]);
  assert.equal(readFileSync(join(dir.path, 'out/ok.txt'), 'utf8'), 'fine');
});

test('extractArchive stops an entry over the cap with ExtractTooLargeError naming path and limit', async () => {
  await using dir = tempDir('unit-extract');
  const pack = tar.pack();
  pack.entry({ name: 'big.bin' }, Buffer.alloc(50));
  pack.finalize();
  await assert.rejects(
    extractArchive(pack as unknown as Readable, {
      containerPath: '/data/big.bin',
      workdir: '/app',
      destDir: dir.path,
      maxBytes: 10,
    }),
    (err: unknown) =>
      err instanceof ExtractTooLargeError &&
      /\/data\/big\.bin/.test(err.message) &&
      /10 bytes/.test(err.message),
  );
});

test('artifactPathFor is workdir-relative under the workdir and absolute-without-slash elsewhere', () => {
  assert.equal(artifactPathFor('/app/.lp-output.json', '/app'), '.lp-output.json');
  assert.equal(artifactPathFor('/application/x', '/app'), 'application/x');
  assert.equal(artifactPathFor('/tmp/out/a.txt', '/app'), 'tmp/out/a.txt');
});
