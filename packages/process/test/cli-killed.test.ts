import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { ownerOf } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, leftoversOf, reapScope } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { assertLightBuilt, LIGHT_BIN, lightRunChildOf } from './support/light-bin.ts';

// Only what this run made counts (its light-run's owner label, data dir and pids), so that
// whatever else runs on the engine at the same time cannot make the assertions pass or fail.
const scope = leakScope();

after(async () => {
  await reapScope(scope);
});

test('light run killed with SIGKILL in all-in-one mode leaves no container, network, light-run or temp dir', async () => {
  assertLightBuilt();
  using dir = tempDir('killed');
  const wf = join(dir.path, 'wf');
  mkdirSync(join(wf, 'sleeper'), { recursive: true });
  writeFileSync(
    join(wf, 'workflow.json'),
    JSON.stringify({
      id: 'killed',
      nodes: [{ id: 'sleeper', dir: 'sleeper' }],
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'svc', image: 'localhost/light-sh', entrypoint: 'sleep 300', networks: ['net'] }],
    }),
  );
  writeFileSync(
    join(wf, 'sleeper', '.node.json'),
    JSON.stringify({
      id: 'sleeper',
      image: 'localhost/light-sh',
      entrypoint: 'echo KILL-ME-NOW; sleep 300',
      networks: ['net'],
    }),
  );
  const { LIGHT_RUN_URL: _u, LIGHT_RUN_TOKEN: _t, ...env } = process.env;
  const child = spawn(process.execPath, [LIGHT_BIN, 'run', wf], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  scope.pids.add(child.pid as number);
  // Wait until the node runs: the service, its network and the node container all exist.
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.includes('KILL-ME-NOW')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  const lightRun = lightRunChildOf(child.pid as number);
  if (lightRun) {
    scope.pids.add(lightRun.pid);
    scope.owners.add(ownerOf(lightRun.dataDir));
    scope.tempPaths.add(lightRun.dataDir);
  }
  const during = await leftoversOf(scope);
  child.kill('SIGKILL');
  assert.ok(started, 'the sleeper node printed its marker');
  assert.ok(lightRun, 'the local light-run of `light run` is found among its children');
  assert.equal(during.containers?.length, 2, `service + node containers: ${during.containers?.join(', ')}`);
  assert.ok(
    during.networks?.some((n) => /^lp-.+-net$/.test(n)),
    `run-scoped network among ${during.networks}`,
  );
  assert.ok(
    during.tempDirs?.some((d) => /\/light-run-[^/]+$/.test(d)),
    `light-run data dir among ${during.tempDirs}`,
  );

  // The local light-run notices its stdin closing, cancels everything and removes what it made.
  await assertNoLeaksOf(scope, 30_000);
});
