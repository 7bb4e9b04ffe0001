import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, test } from 'node:test';
import { LIGHT_RUN_BIN, type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { logText, runSync } from '../../../test/support/run-api.ts';
import {
  assertNoLeaksOf,
  type LeakScope,
  leakScope,
  reapScope,
  track,
} from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { ErrorBody, InfoState } from '../src/index.ts';

// Every isolation setting of light-run comes from a flag or its LIGHT_RUN_* variable (the
// flag wins), reaches every container, and shows in `GET /info`.

const scope: LeakScope = leakScope();

afterEach(async () => {
  try {
    await assertNoLeaksOf(scope, 15_000);
  } finally {
    await reapScope(scope);
  }
});

async function lightRun(options: { args?: string[]; env?: Record<string, string> }): Promise<LightRunProc> {
  return track(scope, await startLightRun(options));
}

async function info(lr: LightRunProc): Promise<InfoState> {
  const res = await lr.api('/info');
  assert.equal(res.status, 200);
  return (await res.json()) as InfoState;
}

test('GET /info without the token answers 401 in the error shape', async () => {
  await using lr = await lightRun({});
  const res = await fetch(`${lr.url}/info`);
  assert.equal(res.status, 401);
  const body = (await res.json()) as ErrorBody;
  assert.equal(typeof body.error.code, 'string');
  assert.equal(typeof body.error.message, 'string');
});

test("GET /info of a light-run started with no settings shows the runner's defaults", async () => {
  await using lr = await lightRun({
    env: {
      LIGHT_RUN_MEMORY: '',
      LIGHT_RUN_CPUS: '',
      LIGHT_RUN_PIDS: '',
      LIGHT_RUN_DISK: '',
      LIGHT_RUN_RUNTIME: '',
      LIGHT_RUN_GPUS: '',
    },
  });
  const body = await info(lr);
  assert.equal(body.backend, 'docker');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(body.limits, { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 100, diskBytes: 1024 ** 3 });
  assert.equal(body.runtime, null);
  assert.equal(body.gpus, null);
  assert.equal(body.maxConcurrent, 4);
  assert.equal(body.bodyLimitBytes, 10 * 1024 ** 2);
  assert.equal(body.warmPool, null);
  assert.deepEqual(body.allowNetworks, []);
  for (const field of [
    'maxServices',
    'keepRuns',
    'keepForMs',
    'maxExtractBytes',
    'artifactStoreBytes',
  ] as const) {
    assert.ok(Number.isInteger(body[field]) && body[field] > 0, `${field}: ${body[field]}`);
  }
  assert.ok(['quota', 'watch'].includes(body.enforcement.disk.mode));
  assert.equal(typeof body.enforcement.hostFirewall.enforced, 'boolean');
});

test('LIGHT_RUN_MEMORY, _CPUS, _PIDS, _DISK and _RUNTIME set every container, and a flag wins over its variable', async () => {
  await using lr = await lightRun({
    args: ['--pids', '70'],
    env: {
      LIGHT_RUN_MEMORY: '256m',
      LIGHT_RUN_CPUS: '0.5',
      LIGHT_RUN_PIDS: '64',
      LIGHT_RUN_DISK: '2g',
      LIGHT_RUN_RUNTIME: 'runc',
      LIGHT_RUN_GPUS: '',
    },
  });
  const body = await info(lr);
  assert.deepEqual(body.limits, {
    memoryBytes: 256 * 1024 ** 2,
    cpus: 0.5,
    pids: 70,
    diskBytes: 2 * 1024 ** 3,
  });
  assert.equal(body.runtime, 'runc');
  const cg = '/sys/fs/cgroup';
  const { state } = await runSync(lr, {
    image: 'localhost/light-sh',
    entrypoint: `echo mem=$(cat ${cg}/memory/memory.limit_in_bytes) pids=$(cat ${cg}/pids/pids.max) quota=$(cat ${cg}/cpu/cpu.cfs_quota_us)/$(cat ${cg}/cpu/cpu.cfs_period_us)`,
  });
  assert.equal(state.status, 'succeeded', JSON.stringify(state));
  const log = await logText(lr, state.id);
  assert.match(log, new RegExp(`mem=${256 * 1024 ** 2} pids=70 quota=(\\d+)/(\\d+)`));
  const [, quota, period] = /quota=(\d+)\/(\d+)/.exec(log) ?? [];
  assert.equal(Number(quota) / Number(period), 0.5);
});

test('light-run serve refuses a bad LIGHT_RUN_GPUS or --runtime at start with exit 2 naming the setting', () => {
  using data = tempDir('bad-settings');
  const serve = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [LIGHT_RUN_BIN, 'serve', '--port', '0', '--data-dir', data.path, ...args], {
      env: { ...process.env, LIGHT_RUN_TOKEN: 't', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const gpus = serve([], { LIGHT_RUN_GPUS: 'some' });
  assert.equal(gpus.status, 2, gpus.stderr);
  assert.match(gpus.stderr, /--gpus must be all or a count/);
  const runtime = serve(['--runtime', 'kata'], {});
  assert.equal(runtime.status, 2, runtime.stderr);
  assert.match(runtime.stderr, /--runtime must be runc or runsc/);
  const cpus = serve([], { LIGHT_RUN_CPUS: 'many' });
  assert.equal(cpus.status, 2, cpus.stderr);
  assert.match(cpus.stderr, /--cpus must be a number/);
});

test('light-run serve --gpus 2 on an engine without GPUs fails each run at start, naming the GPU request', async () => {
  await using lr = await lightRun({ args: ['--gpus', '2'], env: { LIGHT_RUN_GPUS: '' } });
  assert.equal((await info(lr)).gpus, 2);
  const { state } = await runSync(lr, { image: 'localhost/light-sh', entrypoint: 'echo should-not-run' });
  assert.equal(state.status, 'failed');
  assert.equal(state.error?.code, 'START_FAILED');
  assert.match(state.error?.message ?? '', /2 GPU\(s\).*gpus/);
  assert.doesNotMatch(await logText(lr, state.id), /should-not-run/);
});
