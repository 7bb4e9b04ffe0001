// A worker engine dies while a task runs on it: the run ends with a clear reason, nothing
// of it stays on the swarm. Runs last (it kills a worker; the next swarm-up.sh restarts it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { LightRunProc } from '../support/light-run-proc.ts';
import { runSync, startDetached, waitEnd, waitForLog } from '../support/run-api.ts';
import { assertNoSwarmLeftovers, type SwarmRig, startSwarmLightRun, swarmUp } from '../support/swarm.ts';

describe('a swarm worker killed mid-run', () => {
  let rig: SwarmRig;
  let lr: LightRunProc;

  before(async () => {
    rig = swarmUp(3);
    lr = await startSwarmLightRun(rig);
  });

  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    if (lr) await assertNoSwarmLeftovers(lr.owner);
    // The dead worker comes back with the next swarm-up.sh (idempotent), or goes with swarm-down.sh.
  });

  test('the run ends failed CONTAINER_LOST naming the node, its service is gone, the other worker keeps working', async () => {
    const run = await startDetached(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'echo started; sleep 300',
    });
    await waitForLog(lr, run.id, 'started', 60_000);
    const { node } = (await (await lr.api(`/runs/${run.id}`)).json()) as { node?: string };
    assert.ok(node && rig.workers.includes(node), `placed on a worker: ${node}`);
    execFileSync('docker', ['kill', node]);
    const end = await waitEnd(lr, run.id, 120_000);
    assert.equal(end.status, 'failed', JSON.stringify(end));
    assert.equal(end.error?.code, 'CONTAINER_LOST');
    assert.match(end.error?.message ?? '', new RegExp(`swarm node ${node} went down`));
    await assertNoSwarmLeftovers(lr.owner);
    // The cluster still serves runs, on the surviving worker.
    const { state } = await runSync(lr, { image: 'localhost/light-sh', entrypoint: 'echo still' });
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    const again = (await (await lr.api(`/runs/${state.id}`)).json()) as { node?: string };
    assert.ok(again.node && again.node !== node, `ran on the surviving worker: ${again.node}`);
  });
});
