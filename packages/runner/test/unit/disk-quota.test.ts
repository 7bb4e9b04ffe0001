import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Dockerode from 'dockerode';
import { DiskQuotaProbe, PROBE_KIND } from '../../src/enforcement/disk-quota.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { EngineRequestError } from '../../src/errors.ts';
import { LABELS } from '../../src/labels.ts';
import { containerSpec } from '../../src/run/container-spec.ts';
import { quotaSlackBytes } from '../../src/run/disk-watch.ts';
import { resolveOptions } from '../../src/run/options.ts';
import { validateRequest } from '../../src/run/validate-request.ts';

interface FakeEngine {
  engine: Engine;
  created: Dockerode.ContainerCreateOptions[];
  removed: string[];
}

/** An engine double answering `info`, `anyLocalImage` and `createContainer` as told. */
function fakeEngine(
  info: { Driver: string; DriverStatus?: [string, string][] },
  options: { image?: string; refuse?: string } = {},
): FakeEngine {
  const created: Dockerode.ContainerCreateOptions[] = [];
  const removed: string[] = [];
  const engine = {
    info: async () => info,
    anyLocalImage: async () => options.image,
    createContainer: async (spec: Dockerode.ContainerCreateOptions) => {
      created.push(spec);
      if (options.refuse) throw new EngineRequestError('create container', 500, options.refuse);
      return 'c1';
    },
    remove: async (id: string) => {
      removed.push(id);
    },
  } as unknown as Engine;
  return { engine, created, removed };
}

test('overlay2 on ext4 is the watch, found from the engine info alone: no probe container', async () => {
  const fake = fakeEngine(
    { Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] },
    { image: 'img' },
  );
  const disk = await new DiskQuotaProbe(fake.engine, 'o', 64).get();
  assert.equal(disk.mode, 'watch');
  assert.match(disk.detail, /overlay2 on extfs has no per-container size quota.*200 ms/);
  assert.deepEqual(fake.created, []);
});

test('btrfs is a quota once a probe container with StorageOpt.size is accepted; it is labelled and removed', async () => {
  const fake = fakeEngine({ Driver: 'btrfs', DriverStatus: [] }, { image: 'sha256:abc' });
  const probe = new DiskQuotaProbe(fake.engine, 'owner-1', 64 * 1024 * 1024);
  const disk = await probe.get();
  assert.equal(disk.mode, 'quota');
  assert.equal(disk.countsImage, true);
  assert.equal(fake.created.length, 1);
  const spec = fake.created[0] as Dockerode.ContainerCreateOptions;
  assert.equal(spec.Image, 'sha256:abc');
  assert.deepEqual(spec.HostConfig?.StorageOpt, { size: String(64 * 1024 * 1024) });
  assert.equal(spec.HostConfig?.NetworkMode, 'none');
  assert.equal(spec.Labels?.[LABELS.kind], PROBE_KIND);
  assert.equal(spec.Labels?.[LABELS.owner], 'owner-1');
  assert.deepEqual(fake.removed, [spec.name]);
  // Probed once.
  assert.equal((await probe.get()).mode, 'quota');
  assert.equal(fake.created.length, 1);
});

test('overlay2 on xfs without pquota is the watch, naming the engine refusal', async () => {
  const fake = fakeEngine(
    { Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'xfs']] },
    {
      image: 'img',
      refuse: "--storage-opt is supported only for overlay over xfs with 'pquota' mount option",
    },
  );
  const disk = await new DiskQuotaProbe(fake.engine, 'o', 64).get();
  assert.equal(disk.mode, 'watch');
  assert.match(disk.detail, /overlay2 on xfs refused a size quota: .*pquota/);
  assert.deepEqual(fake.removed, []);
});

test('without a local image to probe with, the answer is the watch until a later call can probe', async () => {
  const fake = fakeEngine({ Driver: 'btrfs' });
  const probe = new DiskQuotaProbe(fake.engine, 'o', 64);
  assert.match((await probe.get()).detail, /no local image to probe/);
  assert.equal(probe.current(), undefined);
});

test('containerSpec sets StorageOpt.size only when a quota size is given', () => {
  const options = resolveOptions({ stateDir: '/s', artifactsDir: '/a' });
  const request = validateRequest({ image: 'localhost/light-sh', entrypoint: 'true' });
  assert.equal(containerSpec(request, options, 'net').HostConfig?.StorageOpt, undefined);
  assert.deepEqual(containerSpec(request, options, 'net', 1234).HostConfig?.StorageOpt, { size: '1234' });
});

test('quotaSlackBytes is 1/64 of the cap, at least 1 MiB', () => {
  assert.equal(quotaSlackBytes(64 * 1024 * 1024), 1024 * 1024);
  assert.equal(quotaSlackBytes(1024 ** 3), 16 * 1024 * 1024);
});
