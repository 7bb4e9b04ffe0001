import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../packages/', import.meta.url));

function newest(dir: string): number {
  let max = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0; // no such dir: the package has no sources or no build
  }
  for (const name of entries) {
    const p = join(dir, name);
    const st = statSync(p);
    max = Math.max(max, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return max;
}

/**
 * Whether each package's `dist` (what the bench imports and the light-run bin runs) is at
 * least as new as its `src`: a stale build would measure old code.
 */
export function freshness(): string {
  return ['runner', 'run', 'process']
    .map((p) => {
      const src = newest(join(ROOT, p, 'src'));
      const dist = newest(join(ROOT, p, 'dist'));
      if (dist === 0) return `${p}: no dist`;
      return `${p}: dist ${dist >= src ? 'up to date' : `STALE by ${((src - dist) / 1000).toFixed(0)} s`}`;
    })
    .join(', ');
}
