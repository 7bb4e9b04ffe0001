import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../../test/support/temp.ts';
import { DockerRunner, type DockerRunnerOptions } from '../../src/index.ts';

/** Prefix of the owner label of the runners the runner tests create. */
export const TEST_OWNER_PREFIX = 'light-runner-tests';

/** A runner over fresh state and artifact dirs; disposing closes it and removes the dirs. */
export interface TestRunner extends AsyncDisposable {
  runner: DockerRunner;
  stateDir: string;
  artifactsDir: string;
  /** Owner label of this runner and its siblings: unique, so a suite running elsewhere at the same time is never reaped. */
  owner: string;
  /** Another runner over the same dirs, as a restarted process would create it. */
  sibling(options?: Partial<DockerRunnerOptions>): DockerRunner;
}

/** Creates a {@link TestRunner}; `await using t = testRunner('files')`. */
export function testRunner(label: string, options: Partial<DockerRunnerOptions> = {}): TestRunner {
  const dir = tempDir(`runner-${label}`);
  const stateDir = join(dir.path, 'state');
  const artifactsDir = join(dir.path, 'artifacts');
  mkdirSync(stateDir);
  mkdirSync(artifactsDir);
  const owner = `${TEST_OWNER_PREFIX}-${randomUUID().slice(0, 8)}`;
  const make = (extra: Partial<DockerRunnerOptions> = {}) =>
    new DockerRunner({ stateDir, artifactsDir, owner, ...options, ...extra });
  const runner = make();
  const siblings: DockerRunner[] = [];
  return {
    runner,
    stateDir,
    artifactsDir,
    owner,
    sibling(extra) {
      const next = make(extra);
      siblings.push(next);
      return next;
    },
    async [Symbol.asyncDispose]() {
      try {
        for (const s of siblings) await s.close();
        await runner.close();
      } finally {
        await dir[Symbol.asyncDispose]();
      }
    },
  };
}
