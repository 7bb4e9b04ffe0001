import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { FORK_BOMB } from '../support/hostile.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import {
  containersGone,
  containersOfRun,
  runSync,
  startDetached,
  waitEnd,
  waitForLog,
} from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

// Hostile code through a light-run bin with its default options (512 MiB, 1 CPU, 100 pids).
const scope = leakScope();
const docker = new Dockerode();
let lr: LightRunProc;

/** The cgroup v1 pids controller file of a container. */
function pidsFile(containerId: string, file: 'pids.current' | 'pids.max'): string {
  return readFileSync(`/sys/fs/cgroup/pids/docker/${containerId}/${file}`, 'utf8').trim();
}

const GIB = 1024 * 1024 * 1024;

/**
 * The bytes a DISK_LIMIT failure reports, checking that it names the 1 GiB limit: passed by
 * the watch ("over the limit"), or reached under the engine's quota ("its disk quota").
 */
function diskBytes(state: { error?: { message: string } }): number {
  const match = /wrote (\d+) bytes .* (?:over the limit|reached its disk quota) of 1073741824 bytes/.exec(
    state.error?.message ?? '',
  );
  assert.ok(match, `the message names what was written and the limit: ${state.error?.message}`);
  return Number(match[1]);
}

/** Size of the engine's json log file of a run's container (0 when there is none yet). */
async function engineLogBytes(runId: string): Promise<number> {
  const [info] = await containersOfRun(runId);
  if (!info) return 0;
  const inspect = await docker
    .getContainer(info.Id)
    .inspect()
    .catch(() => undefined);
  try {
    return inspect?.LogPath ? statSync(inspect.LogPath).size : 0;
  } catch {
    return 0; // removed in between
  }
}

describe('hostile workloads through light-run (default options)', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a fork bomb is held by the pids limit, ends as timeout, and a second run meanwhile succeeds', async () => {
    const bomb = await startDetached(lr, { ...FORK_BOMB, timeout: 12_000 });
    await waitForLog(lr, bomb.id, 'armed');
    await sleep(1500);
    const [container] = await containersOfRun(bomb.id);
    assert.ok(container, 'the bomb container is running');
    assert.equal(pidsFile(container.Id, 'pids.max'), '100');
    const peak = Number(pidsFile(container.Id, 'pids.current'));
    assert.ok(peak <= 100 && peak >= 90, `pids.current ${peak} within the limit of 100`);
    const healthStarted = Date.now();
    const health = await lr.api('/health');
    assert.equal(health.status, 200);
    assert.ok(Date.now() - healthStarted < 3000, 'light-run answers /health promptly during the bomb');
    const second = await runSync(lr, { image: 'localhost/light-sh', entrypoint: 'echo second-ok' });
    assert.equal(second.state.status, 'succeeded');
    assert.equal(second.state.exitCode, 0);
    const end = await waitEnd(lr, bomb.id, 40_000);
    assert.equal(end.status, 'timeout');
    assert.equal(end.error?.code, 'TIMEOUT');
    assert.match(end.error?.message ?? '', /timeout of 12000 ms/);
    assert.ok((end.durationMs ?? 0) < 12_000 + 8_000, `ended ${end.durationMs} ms after start`);
    await containersGone(bomb.id);
  });

  test('a memory hog beyond 512 MiB fails with OUT_OF_MEMORY that says so, light-run stays up', async () => {
    const { status, state } = await runSync(lr, {
      image: 'localhost/light-python',
      entrypoint: 'python3 -c "a=[]\nwhile True: a.append(bytearray(16*1024*1024))"',
      timeout: 60_000,
    });
    assert.equal(status, 200);
    assert.equal(state.status, 'failed');
    assert.equal(state.exitCode, 137);
    assert.equal(state.error?.code, 'OUT_OF_MEMORY');
    assert.match(state.error?.message ?? '', /memory limit of 536870912 bytes/);
    assert.equal((await lr.api('/health')).status, 200);
    await containersGone(state.id);
  });

  test('one huge file in the workdir is stopped at the disk bound and the run is reported failed', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'dd if=/dev/zero of=/app/fill bs=1M count=3072 2>&1; ls -l /app/fill',
      timeout: 60_000,
    });
    assert.equal(state.status, 'failed', `a 3 GiB file in the workdir was allowed: ${JSON.stringify(state)}`);
    assert.equal(state.error?.code, 'DISK_LIMIT');
    assert.ok(diskBytes(state) <= GIB, `one file stops exactly at the bound: ${state.error?.message}`);
    await containersGone(state.id);
  });

  test('many files in /tmp are stopped at the disk bound (a total, not only per file)', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint:
        'i=0; while [ $i -lt 40 ]; do dd if=/dev/zero of=/tmp/f$i bs=1M count=100 2>/dev/null || exit 3; i=$((i+1)); done; echo wrote-4000MiB',
      timeout: 90_000,
    });
    assert.equal(state.status, 'failed', `4000 MiB in /tmp were allowed: ${JSON.stringify(state)}`);
    assert.equal(state.error?.code, 'DISK_LIMIT');
    // Under a quota the writes stop at the cap (its block and metadata count can stop the
    // files up to 1/64 below it); the watch (a poll every 200 ms) overshoots by what is written meanwhile.
    const written = diskBytes(state);
    assert.ok(
      written >= GIB - GIB / 64 && written < 3 * GIB,
      `stopped after ${written} bytes: ${state.error?.message}`,
    );
    await containersGone(state.id);
  });

  test('light-run --disk sets the bound: 100 MB under --disk 64m fails DISK_LIMIT naming 67108864 bytes', async () => {
    await using small = await startLightRun({ args: ['--disk', '64m'] });
    scope.owners.add(small.owner);
    scope.pids.add(small.pid);
    const { state } = await runSync(small, {
      image: 'localhost/light-sh',
      entrypoint: 'dd if=/dev/zero of=/app/fill bs=1M count=100 2>&1; true',
    });
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.code, 'DISK_LIMIT');
    assert.match(state.error?.message ?? '', /(?:over the limit|reached its disk quota) of 67108864 bytes/);
    await containersGone(state.id);
  });

  test('nothing written by one run persists into the next', async () => {
    const first = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint:
        'echo secret > /app/left.txt; echo secret > /tmp/left.txt; mkdir -p /root/x; echo s > /root/x/y',
    });
    assert.equal(first.state.status, 'succeeded');
    const second = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'test ! -e /app/left.txt && test ! -e /tmp/left.txt && test ! -e /root/x/y',
    });
    assert.equal(second.state.status, 'succeeded', 'a file of the previous run was visible');
  });

  test('runaway stdout (300 MiB) is truncated with a marker, light-run RSS stays bounded, the run finishes', async () => {
    const baseline = lr.rssKiB();
    const run = await startDetached(lr, {
      image: 'localhost/light-sh',
      // 300 MiB in 1 KiB lines.
      entrypoint: 'yes "$(head -c 1023 /dev/zero | tr "\\0" x)" | head -c 314572800; echo done-writing >&2',
      timeout: 120_000,
    });
    let peak = baseline;
    let engineLog = 0;
    let end: Awaited<ReturnType<typeof waitEnd>> | undefined;
    const started = Date.now();
    while (!end) {
      peak = Math.max(peak, lr.rssKiB());
      engineLog = Math.max(engineLog, await engineLogBytes(run.id));
      const res = await lr.api(`/runs/${run.id}?wait=500`);
      const state = (await res.json()) as { status: string };
      if (!['queued', 'running'].includes(state.status)) end = await waitEnd(lr, run.id, 1000);
      assert.ok(Date.now() - started < 120_000, 'the run finished');
    }
    assert.equal(end.status, 'succeeded');
    const logRes = await lr.api(`/runs/${run.id}/logs`);
    const log = await logRes.text();
    assert.ok(log.length < 11 * 1024 * 1024, `log of ${log.length} bytes is capped near 10 MiB`);
    assert.match(log, /\[light-run\] log truncated: the cap of 10485760 bytes per run was reached/);
    assert.ok(
      peak - baseline < 200 * 1024,
      `light-run RSS grew by ${peak - baseline} KiB (peak ${peak} KiB)`,
    );
    // The engine keeps its own copy of the output (json-file log driver) on the host's disk.
    assert.ok(engineLog > 0, 'the engine log was sampled');
    assert.ok(
      engineLog < 64 * 1024 * 1024,
      `the engine's log of the run reached ${engineLog} bytes on the host`,
    );
    await containersGone(run.id);
  });
});
