import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { warmPoolPlan } from '../../packages/process/src/adapters/light-run/local/warm-pool-plan.ts';
import { workflowDefinition } from '../../packages/process/src/definition/definitions.ts';
import { lightRunChildOf, spawnLight } from '../../packages/process/test/support/light-bin.ts';
import { ownerOf } from '../support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// `light run` and `light serve` in all-in-one mode keep containers warm for their
// workflows' images; whatever happens to them, nothing of the pool may outlive them.
const docker = new Dockerode();
const scope = leakScope();

after(async () => {
  await reapScope(scope);
});

/** Containers of the warm pool of `owner` (kind `pool`), running or not. */
async function poolContainers(owner: string): Promise<Dockerode.ContainerInfo[]> {
  const label = [`dev.light.owner=${owner}`, 'dev.light.kind=pool'];
  return docker.listContainers({ all: true, filters: JSON.stringify({ label }) });
}

/** A folder workflow of one node running `entrypoint` (no networks: the pool serves it). */
function writeOneNode(dir: string, id: string, entrypoint: string): string {
  const wf = join(dir, id);
  mkdirSync(join(wf, 'n'), { recursive: true });
  writeFileSync(join(wf, 'workflow.json'), JSON.stringify({ id, nodes: [{ id: 'n', dir: 'n' }] }));
  writeFileSync(
    join(wf, 'n', '.node.json'),
    JSON.stringify({ id: 'n', image: 'localhost/light-sh', entrypoint }),
  );
  return wf;
}

/** Waits for a line containing `marker` on `stream`; false after `withinMs`. */
function lineSeen(stream: NodeJS.ReadableStream, marker: string, withinMs = 60_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), withinMs);
    createInterface({ input: stream }).on('line', (line) => {
      if (line.includes(marker)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}

/** Adds the local light-run of `parent` to the scope; its owner label. */
function trackLightRunOf(parent: number): string {
  const lightRun = lightRunChildOf(parent);
  assert.ok(lightRun, 'the local light-run is found among the children');
  scope.pids.add(lightRun.pid);
  scope.tempPaths.add(lightRun.dataDir);
  const owner = ownerOf(lightRun.dataDir);
  scope.owners.add(owner);
  return owner;
}

describe('the warm pool of all-in-one mode', () => {
  test('the size rule: the widest level of poolable nodes, capped at 4; nodes on networks or another workdir do not count', () => {
    const node = (id: string, extra: object = {}) => ({
      id,
      image: 'localhost/light-sh',
      entrypoint: 'true',
      ...extra,
    });
    const fan = workflowDefinition.parse({
      id: 'fan',
      nodes: [node('a'), node('b'), node('c'), node('z', { image: 'localhost/light-node' })],
      links: [
        { from: 'a', to: 'b' },
        { from: 'a', to: 'c' },
        { from: 'a', to: 'z' },
        { from: 'z', to: 'a', maxIterations: 2 },
      ],
    });
    assert.deepEqual(warmPoolPlan([fan]), {
      images: ['localhost/light-node', 'localhost/light-sh'],
      size: 3,
    });
    const wide = workflowDefinition.parse({ id: 'wide', nodes: 'abcdef'.split('').map((id) => node(id)) });
    assert.deepEqual(warmPoolPlan([wide]), { images: ['localhost/light-sh'], size: 4 });
    const networked = workflowDefinition.parse({
      id: 'net',
      networkDefs: [{ alias: 'net' }],
      nodes: [
        node('a', { networks: ['net'] }),
        node('b', { workdir: '/work' }),
        { id: 'c', image: 'localhost/light-sh' },
      ],
    });
    assert.equal(warmPoolPlan([networked]), undefined);
  });

  test('light run: the node runs in a parked container, and the pool is gone when it exits', async () => {
    using dir = tempDir('pool-run');
    const wf = writeOneNode(
      dir.path,
      'pooled',
      // The entry script a released container runs exists only in a pooled container.
      'test -e /.light/entry.sh && echo POOLED-NODE; sleep 2; echo \'{"ok":1}\' > .lp-output.json',
    );
    const { child, done } = spawnLight(['run', wf, '--json'], {
      env: { LIGHT_RUN_URL: '', LIGHT_RUN_TOKEN: '' },
    });
    scope.pids.add(child.pid as number);
    assert.ok(await lineSeen(child.stderr as NodeJS.ReadableStream, 'POOLED-NODE'), 'the node ran pooled');
    const owner = trackLightRunOf(child.pid as number);
    assert.ok((await poolContainers(owner)).length >= 1, 'pooled containers exist while it runs');
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).results.n.output, { ok: 1 });
    await assertNoLeaksOf(scope, 30_000);
    assert.deepEqual(await poolContainers(owner), []);
  });

  test('light run killed with SIGKILL: its light-run removes the parked containers and the pooled node', async () => {
    using dir = tempDir('pool-killed');
    const wf = writeOneNode(dir.path, 'killed', 'test -e /.light/entry.sh && echo POOLED-KILL-ME; sleep 300');
    const { child } = spawnLight(['run', wf], { env: { LIGHT_RUN_URL: '', LIGHT_RUN_TOKEN: '' } });
    scope.pids.add(child.pid as number);
    assert.ok(await lineSeen(child.stderr as NodeJS.ReadableStream, 'POOLED-KILL-ME'), 'the node ran pooled');
    const owner = trackLightRunOf(child.pid as number);
    // The node's container and the refilled parked one.
    for (let i = 0; i < 100 && (await poolContainers(owner)).length < 2; i++) await sleep(100);
    assert.equal((await poolContainers(owner)).length, 2, 'the running node and one parked container');
    child.kill('SIGKILL');
    await assertNoLeaksOf(scope, 30_000);
    assert.deepEqual(await poolContainers(owner), []);
  });

  test('light serve: parked containers for the served workflows, all gone once it stops', async () => {
    using dir = tempDir('pool-serve');
    writeOneNode(dir.path, 'served', 'echo served');
    const { child, done } = spawnLight(['serve', dir.path, '--port', '0'], {
      env: { LP_API_KEY: '', LIGHT_RUN_URL: '', LIGHT_RUN_TOKEN: '' },
    });
    scope.pids.add(child.pid as number);
    assert.ok(await lineSeen(child.stdout as NodeJS.ReadableStream, 'light serve: http'), 'it listens');
    const owner = trackLightRunOf(child.pid as number);
    for (let i = 0; i < 100 && (await poolContainers(owner)).length < 1; i++) await sleep(100);
    assert.equal((await poolContainers(owner)).length, 1, 'one parked container (the widest level is 1)');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    await done;
    await assertNoLeaksOf(scope, 30_000);
    assert.deepEqual(await poolContainers(owner), []);
  });
});
