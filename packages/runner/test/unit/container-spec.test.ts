import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '../../src/index.ts';
import { containerSpec } from '../../src/run/container-spec.ts';
import { resolveOptions } from '../../src/run/options.ts';
import { validateRequest } from '../../src/run/validate-request.ts';

const options = resolveOptions({
  stateDir: '/s',
  artifactsDir: '/a',
  owner: 'me',
  runtime: 'runsc',
  gpus: 2,
});

test('containerSpec chains setup and entrypoint under /bin/sh -c and keeps the image command when both are absent', () => {
  const spec = containerSpec(
    validateRequest({ image: 'localhost/light-sh', setup: ['a', 'b'], entrypoint: 'c', id: 'r1' }),
    options,
    'net',
  );
  assert.deepEqual(spec.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(spec.Cmd, ['a && b && c']);
  const bare = containerSpec(validateRequest({ image: 'localhost/light-sh' }), options, 'net');
  assert.equal(bare.Entrypoint, undefined);
  assert.equal(bare.Cmd, undefined);
});

test('containerSpec applies hardening, limits, runtime, GPUs and aliases; request labels cannot replace the runner labels', () => {
  const spec = containerSpec(
    validateRequest({
      image: 'localhost/light-sh',
      id: 'r2',
      labels: { [LABELS.managed]: 'false', [LABELS.owner]: 'someone-else', extra: 'yes' },
    }),
    options,
    'my-net',
  );
  const host = spec.HostConfig ?? {};
  assert.deepEqual(host.CapDrop, ['NET_RAW', 'MKNOD', 'SYS_CHROOT', 'SETPCAP', 'SETFCAP', 'AUDIT_WRITE']);
  assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
  assert.equal(host.PidsLimit, 100);
  assert.equal(host.Memory, 512 * 1024 * 1024);
  assert.equal(host.MemorySwap, host.Memory);
  assert.equal(host.NanoCpus, 1e9);
  assert.equal(host.Runtime, 'runsc');
  assert.deepEqual(host.DeviceRequests, [{ Driver: '', Count: 2, Capabilities: [['gpu']] }]);
  assert.equal(spec.Hostname, 'r2');
  assert.deepEqual(spec.NetworkingConfig?.EndpointsConfig?.['my-net']?.Aliases, ['r2']);
  assert.deepEqual(spec.Labels, {
    extra: 'yes',
    [LABELS.managed]: 'true',
    [LABELS.runId]: 'r2',
    [LABELS.owner]: 'me',
    [LABELS.kind]: 'run',
  });
  const none = containerSpec(
    validateRequest({ image: 'localhost/light-sh', networks: ['none'] }),
    options,
    'none',
  );
  assert.equal(none.HostConfig?.NetworkMode, 'none');
  assert.deepEqual(none.NetworkingConfig?.EndpointsConfig?.none?.Aliases, []);
});
