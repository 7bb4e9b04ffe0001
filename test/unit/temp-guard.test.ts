import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeTempDir, tempDir } from '../support/temp.ts';

// A test once read a process's argv[0] (`/usr/bin/node`) as a light-run data dir and its
// clean-up deleted the node binary of the CI machine. The clean-up now refuses such paths.

test('removeTempDir refuses anything but a light-* dir directly under the temp dir', () => {
  for (const path of [process.execPath, '/', tmpdir(), join(tmpdir(), 'not-ours'), 'relative-dir'])
    assert.throws(() => removeTempDir(path), /refusing to delete/, path);
  assert.ok(existsSync(process.execPath));
});

test('removeTempDir removes a nested light-* temp dir only at its root', () => {
  const dir = tempDir('guard');
  const nested = join(dir.path, 'light-inner');
  mkdirSync(nested);
  assert.throws(() => removeTempDir(nested), /refusing to delete/);
  removeTempDir(dir.path);
  assert.equal(existsSync(dir.path), false);
});
