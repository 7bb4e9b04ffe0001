import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMP_PREFIX } from './leaks.ts';

/** A temp dir that removes itself: `await using dir = tempDir()` / `using dir = tempDir()`. */
export function tempDir(label = 'test'): { path: string } & Disposable & AsyncDisposable {
  const path = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${label}-`));
  const remove = () => rmSync(path, { recursive: true, force: true });
  return { path, [Symbol.dispose]: remove, [Symbol.asyncDispose]: async () => remove() };
}
