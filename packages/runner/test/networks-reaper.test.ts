import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { LABELS, NetworkInUseError, NetworkNotFoundError } from '../src/index.ts';
import { startElsewhere } from './support/start-elsewhere.ts';
import { testRunner } from './support/test-runner.ts';

const reapOrphanId = `reap-orphan-${randomUUID().slice(0, 8)}`;
const reapDetachedId = `reap-detached-${randomUUID().slice(0, 8)}`;
const reapVanishedId = `reap-vanished-${randomUUID().slice(0, 8)}`;
const t = testRunner('networks');
after(async () => {
  await t[Symbol.asyncDispose]();
  await assertNoLeaks();
});

const docker = new Dockerode();

test('network helpers create once, report existence and refuse to remove a network in use', async () => {
  const name = `light-test-net-${randomUUID().slice(0, 8)}`;
  const { networks } = t.runner;
  assert.deepEqual(await networks.create(name, { internal: true, icc: false }), { name, created: true });
  assert.deepEqual(await networks.create(name), { name, created: false });
  assert.equal(await networks.exists(name), true);
  const info = await docker.getNetwork(name).inspect();
  assert.equal(info.Internal, true);
  assert.equal(info.Options?.['com.docker.network.bridge.enable_icc'], 'false');
  assert.equal(info.Labels?.[LABELS.managed], 'true');

  let ready!: () => void;
  const up = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const run = t.runner.run(
    { image: 'localhost/light-sh', networks: [name], entrypoint: 'echo up; sleep 60' },
    { onLog: (l) => l.line === 'up' && ready() },
  );
  await up;
  await assert.rejects(networks.remove(name), NetworkInUseError);
  await run.cancel();
  await run.result;
  await networks.remove(name);
  assert.equal(await networks.exists(name), false);
  await assert.rejects(networks.remove(name), NetworkNotFoundError);
});

test('cleanup removes only unused runner networks with the prefix', async () => {
  const prefix = `light-test-clean-${randomUUID().slice(0, 6)}-`;
  await t.runner.networks.create(`${prefix}a`);
  await t.runner.networks.create(`${prefix}b`);
  const other = `light-test-keep-${randomUUID().slice(0, 6)}`;
  await t.runner.networks.create(other);
  const foreign = `${prefix}foreign`;
  await docker.createNetwork({ Name: foreign, CheckDuplicate: true });
  try {
    const removed = await t.runner.networks.cleanup({ prefix });
    assert.deepEqual(removed.sort(), [`${prefix}a`, `${prefix}b`]);
    assert.equal(await t.runner.networks.exists(other), true);
    assert.equal(await t.runner.networks.exists(foreign), true);
    assert.deepEqual(await t.runner.networks.cleanup({ prefix: other, maxAgeMs: 3_600_000 }), []);
  } finally {
    await t.runner.networks.remove(other);
    await docker.getNetwork(foreign).remove();
  }
});

test('reapOrphans removes containers nobody owns, keeps live and detached runs, and marks lost records', async () => {
  // An attached run whose process died: nobody will ever finalize it.
  startElsewhere(t, reapOrphanId, 'sleep 60', 'attached');
  // A detached run whose process died: still owned through its record.
  startElsewhere(t, reapDetachedId, 'sleep 60', 'detached');
  // A detached run whose container disappears behind the runner's back.
  startElsewhere(t, reapVanishedId, 'sleep 60', 'detached');
  const vanished = await t.runner.get(reapVanishedId);
  await docker.getContainer(vanished?.containerId ?? '').remove({ force: true });
  // A live run of this process.
  let ready!: () => void;
  const up = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const live = t.runner.run(
    { image: 'localhost/light-sh', entrypoint: 'echo up; sleep 60' },
    { onLog: () => ready() },
  );
  await up;
  const unused = `light-test-reap-${randomUUID().slice(0, 6)}`;
  await t.runner.networks.create(unused);

  try {
    const report = await t.runner.reapOrphans();
    assert.deepEqual(report.containers, [`light-${reapOrphanId}`]);
    assert.equal((await docker.getContainer(`light-${live.id}`).inspect()).State.Running, true);
    assert.ok(report.networks.includes(unused), JSON.stringify(report));
    assert.equal((await t.runner.get(reapOrphanId))?.error?.code, 'CONTAINER_LOST');
    assert.equal((await t.runner.get(reapVanishedId))?.error?.code, 'CONTAINER_LOST');
    assert.equal((await t.runner.get(reapDetachedId))?.status, 'running');
    const lost = await t.runner.attach(reapOrphanId);
    assert.equal((await lost.result).status, 'failed');
  } finally {
    const detached = await t.runner.attach(reapDetachedId);
    await Promise.all([detached.cancel(), live.cancel()]);
    assert.equal((await detached.result).status, 'cancelled');
    assert.equal((await live.result).status, 'cancelled');
  }
});
