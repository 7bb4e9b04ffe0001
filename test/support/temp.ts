import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { TEMP_PREFIX } from './leaks.ts';

/**
 * Removes a temp dir of the tests, and nothing else: the path must be a `light-*` entry
 * directly under the temp dir. A path read wrongly off a process (a test once took a
 * light-run's argv[0], `/usr/bin/node`, for its data dir) throws instead of being deleted.
 */
export function removeTempDir(path: string): void {
  const full = resolve(path);
  if (dirname(full) !== resolve(tmpdir()) || !basename(full).startsWith(TEMP_PREFIX))
    throw new Error(
      `refusing to delete ${JSON.stringify(path)}: not a ${TEMP_PREFIX}* dir directly under ${tmpdir()}`,
    );
  rmSync(full, { recursive: true, force: true });
}

/** A temp dir that removes itself: `await using dir = tempDir()` / `using dir = tempDir()`. */
export function tempDir(label = 'test'): { path: string } & Disposable & AsyncDisposable {
  const path = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${label}-`));
  const remove = () => removeTempDir(path);
  return { path, [Symbol.dispose]: remove, [Symbol.asyncDispose]: async () => remove() };
}
