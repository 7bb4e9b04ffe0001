import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { type RunStateBody, runSync } from '../../../test/support/run-api.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
const procs: LightRunProc[] = [];

async function serve(args: string[], dataDir?: string): Promise<LightRunProc> {
  const lr = await startLightRun({ args, ...(dataDir === undefined ? {} : { dataDir }) });
  procs.push(lr);
  return track(scope, lr);
}

/** Entries of each kind in the data dir: records, logs, artifact dirs, runner state files. */
function filesOf(dataDir: string): { runs: string[]; logs: string[]; artifacts: string[]; runner: string[] } {
  const list = (sub: string) => (existsSync(join(dataDir, sub)) ? readdirSync(join(dataDir, sub)) : []);
  return { runs: list('runs'), logs: list('logs'), artifacts: list('artifacts'), runner: list('runner') };
}

async function runIds(lr: LightRunProc): Promise<string[]> {
  const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as { runs: RunStateBody[] };
  return runs.map((r) => r.id);
}

/** Polls until `check` holds; `withinMs` is a "did not hang" bound. */
async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  withinMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(200);
  }
}

/** A quick run that prints a line and leaves an artifact, so every kind of file exists. */
const quick = (n: number) => ({
  image: IMAGE,
  entrypoint: `echo run-${n}; echo ${n} > out.txt`,
  extract: ['/app/out.txt'],
});

describe('retention: finished runs past --keep-runs or --keep-for are deleted with their files', () => {
  after(async () => {
    for (const lr of procs) await lr[Symbol.asyncDispose]();
    try {
      await assertNoLeaksOf(scope);
    } finally {
      await reapScope(scope);
    }
  });

  test('with --keep-runs 100, 160 quick runs leave at most 100 run records and at most 100 files of each kind', async () => {
    const lr = await serve(['--keep-runs', '100', '--max-concurrent', '4']);
    const total = 160;
    const ids: string[] = [];
    for (let n = 0; n < total; n += 4) {
      const batch = await Promise.all([0, 1, 2, 3].map((i) => runSync(lr, quick(n + i))));
      for (const { status, state } of batch) {
        assert.equal(status, 200);
        assert.equal(state.status, 'succeeded', JSON.stringify(state));
        ids.push(state.id);
      }
    }
    await until('the data dir shrinking to 100 runs', () =>
      Object.values(filesOf(lr.dataDir)).every((names) => names.length <= 100),
    );
    const left = await runIds(lr);
    assert.ok(left.length <= 100, `${left.length} runs listed`);
    const newest = ids.slice(-50);
    for (const id of newest) assert.ok(left.includes(id), `the recent run ${id} was kept`);
    const files = filesOf(lr.dataDir);
    for (const [kind, names] of Object.entries(files)) {
      assert.ok(names.length <= 100, `${names.length} entries in ${kind}/`);
    }
    const oldest = ids[0] as string;
    assert.equal((await lr.api(`/runs/${oldest}`)).status, 404, 'the oldest run is gone');
    assert.ok(!files.logs.includes(`${oldest}.ndjson`));
    assert.ok(!files.artifacts.includes(oldest));
    assert.ok(!files.runner.includes(`${oldest}.json`));
    const kept = newest.at(-1) as string;
    assert.equal((await lr.api(`/runs/${kept}/artifacts/out.txt`)).status, 200, 'kept runs keep their files');
  });

  test('with --keep-for 3s, finished runs are deleted once older than that while a running one is kept', async () => {
    const lr = await serve(['--keep-for', '3s']);
    const done = await runSync(lr, quick(1));
    const running = await lr.post('/run', { image: IMAGE, entrypoint: 'sleep 300', detached: true });
    const live = (await running.json()) as RunStateBody;
    await until(
      'the finished run expiring',
      async () => (await lr.api(`/runs/${done.state.id}`)).status === 404,
    );
    assert.ok(!filesOf(lr.dataDir).logs.includes(`${done.state.id}.ndjson`));
    assert.equal((await lr.api(`/runs/${live.id}`)).status, 200, 'an unfinished run is never deleted');
    assert.equal((await lr.post(`/runs/${live.id}/cancel`)).status, 200);
  });

  test('a restart over a data dir holding more runs than --keep-runs trims it at start', async () => {
    using dir = tempDir('retention-restart');
    scope.tempPaths.add(dir.path);
    const first = await serve([], dir.path);
    for (let n = 0; n < 6; n++) await runSync(first, quick(n));
    await first.stop('SIGTERM');
    const second = await serve(['--keep-runs', '2'], dir.path);
    const left = await runIds(second);
    assert.equal(left.length, 2, 'the start trimmed the records before answering');
    assert.equal(filesOf(dir.path).logs.length, 2);
    assert.match(second.stderr(), /retention deleted 4 finished run\(s\)/);
    await second.stop('SIGTERM');
  });
});
