import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, test } from 'node:test';
import { ownerOf, startLightRun } from '../../../test/support/light-run-proc.ts';
import {
  assertNoLeaksOf,
  type LeakScope,
  leakScope,
  reapScope,
  track,
} from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LightResult, runLight, spawnLight } from './support/light-bin.ts';

// Isolation is set on the light-run instance; in all-in-one mode `light` starts that
// instance, so its flags and the LIGHT_RUN_* variables must reach it, and its token must
// not be on any command line (every local user can read those through `ps`).

const scope: LeakScope = leakScope();
const dir = tempDir('settings');

afterEach(async () => {
  try {
    await assertNoLeaksOf(scope, 15_000);
  } finally {
    await reapScope(scope);
  }
});

after(() => {
  dir[Symbol.dispose]();
});

/** A one-node workflow whose node reports the cgroup limits of its own container. */
function limitsWorkflow(name: string): string {
  const wf = join(dir.path, name);
  mkdirSync(join(wf, 'probe'), { recursive: true });
  writeFileSync(
    join(wf, 'workflow.json'),
    JSON.stringify({ id: name, nodes: [{ id: 'probe', dir: 'probe' }] }),
  );
  const report =
    'printf \'{"memory":"%s","pids":"%s"}\' "$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" "$(cat /sys/fs/cgroup/pids/pids.max)" > .lp-output.json';
  writeFileSync(
    join(wf, 'probe', '.node.json'),
    // The sleep keeps light run (and its light-run) alive long enough to read their argv.
    JSON.stringify({
      id: 'probe',
      image: 'localhost/light-sh',
      entrypoint: `${report}; echo PROBED; sleep 3`,
    }),
  );
  return wf;
}

/** The command line and environment of a live process, NUL-separated fields split. */
function procOf(pid: number): { argv: string[]; env: string[]; ppid: number } {
  const read = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { argv: read('cmdline'), env: read('environ'), ppid };
}

/**
 * Waits for the light-run that `light` (pid `parent`) starts, and adds what it holds (its
 * pid, its data dir and owner label) to the leak scope.
 */
async function lightRunChildOf(
  parent: number,
  withinMs = 30_000,
): Promise<{ pid: number; argv: string[]; env: string[] }> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const proc = procOf(Number(entry));
        // Right after the fork the child still shows the parent's argv (`light serve ...`
        // included): wait until it is light-run's own, with its data dir.
        if (proc.ppid !== parent || !proc.argv.some((a) => a.endsWith('light-run.js'))) continue;
        const at = proc.argv.indexOf('--data-dir');
        const dataDir = at >= 0 ? proc.argv[at + 1] : undefined;
        if (!dataDir) continue;
        scope.pids.add(Number(entry));
        scope.tempPaths.add(dataDir);
        scope.owners.add(ownerOf(dataDir));
        return { pid: Number(entry), ...proc };
      } catch {
        // the process ended while we looked
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no light-run child of pid ${parent} within ${withinMs} ms`);
}

/** `light <args>` in all-in-one mode, with `env` on top; also reports its light-run child. */
async function allInOne(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ result: LightResult; lightRun: Awaited<ReturnType<typeof lightRunChildOf>> }> {
  const { child, done } = spawnLight(args, { env, drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN'] });
  scope.pids.add(child.pid as number);
  const lightRun = await lightRunChildOf(child.pid as number).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${(await done).stderr}`);
  });
  return { result: await done, lightRun };
}

function outputOf(result: LightResult): { memory: string; pids: string } {
  assert.equal(result.code, 0, `light run failed:\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as {
    results: { probe: { output: { memory: string; pids: string } } };
  };
  return parsed.results.probe.output;
}

test('light run --memory 64m runs its node under a 64 MiB cgroup limit, with no token on any command line', async () => {
  const wf = limitsWorkflow('memory-flag');
  const { result, lightRun } = await allInOne(['run', wf, '--json', '--memory', '64m'], {
    LP_API_KEY: 'lp-key-that-light-run-must-not-get',
  });
  assert.equal(outputOf(result).memory, String(64 * 1024 * 1024));
  assert.deepEqual(
    lightRun.argv.slice(lightRun.argv.indexOf('--memory'), lightRun.argv.indexOf('--memory') + 2),
    ['--memory', '64m'],
  );
  assert.ok(!lightRun.argv.includes('--token'), `light-run argv: ${lightRun.argv.join(' ')}`);
  // The token reaches light-run through its environment only, and light-process's own API
  // key not at all.
  const token =
    lightRun.env.find((v) => v.startsWith('LIGHT_RUN_TOKEN='))?.slice('LIGHT_RUN_TOKEN='.length) ?? '';
  assert.ok(token.length >= 32, 'light-run got a random token in LIGHT_RUN_TOKEN');
  assert.ok(!lightRun.argv.some((a) => a.includes(token)), 'the token is not in light-run argv');
  assert.ok(!lightRun.env.some((v) => v.startsWith('LP_API_KEY=')), 'light-run did not inherit LP_API_KEY');
  assert.ok(!result.stderr.includes(token) && !result.stdout.includes(token), 'the token is never printed');
});

test('LIGHT_RUN_PIDS=50 light run runs its node under a pids limit of 50', async () => {
  const wf = limitsWorkflow('pids-env');
  const { result } = await allInOne(['run', wf, '--json'], { LIGHT_RUN_PIDS: '50' });
  assert.equal(outputOf(result).pids, '50');
});

test('light doctor in all-in-one mode prints the effective settings of the light-run it starts', async () => {
  const { result } = await allInOne(['doctor', '--pids', '42', '--memory', '96m'], { LIGHT_RUN_CPUS: '0.5' });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^ {2}memory +96\.0 MiB \(100663296 bytes\)$/m);
  assert.match(result.stdout, /^ {2}pids +42$/m);
  assert.match(result.stdout, /^ {2}cpus +0\.5$/m);
  assert.match(result.stdout, /^ {2}disk +1024\.0 MiB \(1073741824 bytes\), (watch|quota): /m);
  assert.match(result.stdout, /^ {2}gpus +none$/m);
  const json = await allInOne(['doctor', '--json', '--gpus', 'all', '--runtime', 'runc']);
  const report = JSON.parse(json.result.stdout) as {
    ok: boolean;
    mode: string;
    settings: {
      limits: { pids: number; memoryBytes: number };
      gpus: unknown;
      runtime: unknown;
      backend: string;
    };
  };
  assert.equal(report.mode, 'all-in-one');
  assert.equal(report.settings.backend, 'docker');
  assert.equal(report.settings.gpus, 'all');
  assert.equal(report.settings.runtime, 'runc');
  assert.equal(report.settings.limits.pids, 100, "light-run's default when nothing is set");
  assert.equal(report.settings.limits.memoryBytes, 512 * 1024 * 1024);
});

test('light doctor with LIGHT_RUN_URL prints the settings of that light-run, never its token', async () => {
  await using lr = track(scope, await startLightRun({ args: ['--memory', '128m', '--gpus', '1'] }));
  const result = await runLight(['doctor'], { env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token } });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^mode: explicit/m);
  assert.match(result.stdout, /^ {2}memory +128\.0 MiB \(134217728 bytes\)$/m);
  assert.match(result.stdout, /^ {2}gpus +1$/m);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(lr.token), 'the token is never printed');
});

test('light serve --pids 40 hands the setting to its light-run, and the token only through its environment', async () => {
  mkdirSync(join(dir.path, 'served'), { recursive: true });
  const { child, done } = spawnLight(['serve', join(dir.path, 'served'), '--port', '0', '--pids', '40'], {
    drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN', 'LP_API_KEY'],
  });
  scope.pids.add(child.pid as number);
  const ready = listening(child, done);
  // Awaited below; a failure before that point is the one the test reports.
  ready.catch(() => undefined);
  try {
    const lightRun = await lightRunChildOf(child.pid as number);
    assert.ok(!lightRun.argv.includes('--token'), `light-run argv: ${lightRun.argv.join(' ')}`);
    assert.equal(lightRun.argv[lightRun.argv.indexOf('--pids') + 1], '40');
    assert.ok(lightRun.env.some((v) => /^LIGHT_RUN_TOKEN=.{32,}$/.test(v)));
    await ready;
  } finally {
    child.kill('SIGTERM');
    await done;
  }
});

test('light run --memory with LIGHT_RUN_URL set exits 2 naming the flag, and starts nothing', async () => {
  const wf = limitsWorkflow('explicit');
  const result = await runLight(['run', wf, '--memory', '64m'], {
    env: { LIGHT_RUN_URL: 'http://127.0.0.1:9' },
    drop: ['LIGHT_RUN_TOKEN'],
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--memory: .*LIGHT_RUN_URL/);
});

test('light run --memory lots exits 2 with light-run refusal naming --memory', async () => {
  const wf = limitsWorkflow('bad-size');
  const result = await runLight(['run', wf, '--memory', 'lots'], {
    drop: ['LIGHT_RUN_URL', 'LIGHT_RUN_TOKEN'],
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--memory must be a size/);
});

/** Resolves once `light serve` printed its address; rejects if it ends first. */
function listening(child: ChildProcess, done: Promise<LightResult>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('light serve printed no address within 60 s')), 60_000);
    void done.then((r) => {
      clearTimeout(timer);
      reject(new Error(`light serve ended (${r.code}) before listening:\n${r.stderr}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('light serve: http')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
