import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of the benchmark's temp dirs (the project's leak check looks for `light-`). */
export const BENCH_TMP_PREFIX = 'light-bench-';

/** A new temp dir under the benchmark's prefix; the caller removes it. */
export function benchTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `${BENCH_TMP_PREFIX}${label}-`));
}
