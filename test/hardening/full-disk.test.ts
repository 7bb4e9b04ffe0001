import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import {
  containersGone,
  type ErrorBodyJson,
  logText,
  runSync,
  startDetached,
  waitEnd,
  waitForLog,
} from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

const IMAGE = 'localhost/light-sh';
const docker = new Dockerode();
const scope = leakScope();
const mount = tempDir('full-disk');
scope.tempPaths.add(mount.path);
const procs: LightRunProc[] = [];
let mounted = false;

/** Writes a filler file until the tmpfs refuses (ENOSPC); returns its path. */
function fillDisk(name: string): string {
  const path = join(mount.path, name);
  const fd = openSync(path, 'w');
  try {
    for (const chunk of [Buffer.alloc(64 * 1024, 1), Buffer.alloc(512, 1), Buffer.alloc(1, 1)]) {
      for (;;) {
        try {
          if (writeSync(fd, chunk) < chunk.length) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

async function serve(name: string): Promise<LightRunProc> {
  const dataDir = join(mount.path, name);
  mkdirSync(dataDir);
  const lr = track(scope, await startLightRun({ dataDir }));
  procs.push(lr);
  return lr;
}

async function health(lr: LightRunProc): Promise<number> {
  const res = await fetch(`${lr.url}/health`);
  await res.body?.cancel();
  return res.status;
}

describe('a full disk under light-run: write failures fail the run, never the service', () => {
  before(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mount.path]);
    mounted = true;
  });

  after(async () => {
    for (const lr of procs) await lr[Symbol.asyncDispose]();
    try {
      await assertNoLeaksOf({ ...scope, tempPaths: new Set() });
    } finally {
      await reapScope({ ...scope, tempPaths: new Set() });
      if (mounted) execFileSync('umount', [mount.path]);
      mount[Symbol.dispose]();
    }
    await assertNoLeaksOf(scope);
  });

  test('POST /run with the data dir on a full tmpfs answers 507 STATE_WRITE_FAILED and starts nothing; /health answers; once space is freed a run succeeds', async () => {
    const lr = await serve('refused');
    const filler = fillDisk('filler-refused');
    const res = await lr.post('/run', { image: IMAGE, entrypoint: 'echo never' });
    assert.equal(res.status, 507);
    const body = (await res.json()) as ErrorBodyJson;
    assert.equal(body.error.code, 'STATE_WRITE_FAILED');
    assert.match(body.error.message, /ENOSPC/);
    assert.match(body.error.message, new RegExp(join(lr.dataDir, 'runs')));
    const detached = await lr.post('/run', { image: IMAGE, entrypoint: 'sleep 300', detached: true });
    assert.equal(detached.status, 507);
    const lease = await lr.post('/leases', {});
    assert.equal(lease.status, 507, 'a lease that cannot be kept is refused too');
    assert.equal(((await lease.json()) as ErrorBodyJson).error.code, 'STATE_WRITE_FAILED');
    assert.equal(await health(lr), 200, 'light-run keeps answering');
    const { runs } = (await (await lr.api('/runs')).json()) as { runs: unknown[] };
    assert.deepEqual(runs, [], 'the refused runs left no record');
    const filters = JSON.stringify({ label: [`dev.light.owner=${lr.owner}`] });
    assert.deepEqual(await docker.listContainers({ all: true, filters }), [], 'no container was created');

    rmSync(filler);
    const ok = await runSync(lr, { image: IMAGE, entrypoint: 'echo after-the-disk-was-freed' });
    assert.equal(ok.status, 200);
    assert.equal(ok.state.status, 'succeeded');
    assert.equal(lr.child.exitCode, null, 'the process never exited');
  });

  test('a run in flight when the disk fills ends failed with STATE_WRITE_FAILED, its log ends with a marker (logged once), its container is removed, and light-run keeps serving', async () => {
    const lr = await serve('in-flight');
    const run = await startDetached(lr, {
      image: IMAGE,
      entrypoint: 'echo up; sleep 2; i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; sleep 1',
      timeout: 120_000,
    });
    await waitForLog(lr, run.id, 'up');
    const filler = fillDisk('filler-in-flight');
    try {
      const end = await waitEnd(lr, run.id, 60_000);
      assert.equal(end.status, 'failed', JSON.stringify(end));
      assert.equal(end.error?.code, 'STATE_WRITE_FAILED', JSON.stringify(end));
      await containersGone(run.id, 10_000);
      const log = await logText(lr, run.id);
      const lines = log.trimEnd().split('\n');
      assert.match(lines.at(-1) ?? '', /^\[light-run\] log truncated: writing the log failed: .*ENOSPC/);
      const reported = lr
        .stderr()
        .split('\n')
        .filter((l) => l.includes(`writing the log of run ${run.id} failed`));
      assert.equal(reported.length, 1, `the log failure is logged once:\n${lr.stderr()}`);
      assert.equal(await health(lr), 200);
    } finally {
      rmSync(filler);
    }
    const ok = await runSync(lr, { image: IMAGE, entrypoint: 'echo recovered' });
    assert.equal(ok.state.status, 'succeeded');
    assert.equal(lr.child.exitCode, null, 'the process never exited');
  });
});
