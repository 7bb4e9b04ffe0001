import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestRunner } from './test-runner.ts';

/**
 * Starts a run from a separate node process that exits once the container has started,
 * like a light-run that crashed or restarted. Throws when the child could not start it.
 */
export function startElsewhere(
  t: TestRunner,
  id: string,
  entrypoint: string,
  mode: 'detached' | 'attached',
): void {
  const fixture = fileURLToPath(new URL('../fixtures/start-detached.ts', import.meta.url));
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fixture, t.stateDir, t.artifactsDir, t.owner, id, entrypoint, mode],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (child.status !== 0)
    throw new Error(`starting ${id} elsewhere failed (${child.status}): ${child.stderr}`);
}
