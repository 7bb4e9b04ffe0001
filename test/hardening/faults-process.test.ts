import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import {
  executeWorkflow,
  LightRunClient,
  type WorkflowDefinition,
  type WorkflowResult,
  workflowDefinition,
} from '../../packages/process/src/index.ts';
import { type LightRunProc, ownerOf, startLightRun } from '../support/light-run-proc.ts';
import { startLightServe } from '../support/light-serve-proc.ts';
import { containersGone, containersOfRun } from '../support/run-api.ts';
import { assertNoLeaksOf, type LeakScope, leakScope, reapScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

const LIGHT = fileURLToPath(new URL('../../packages/process/bin/light.js', import.meta.url));
const scope = leakScope();
const docker = new Dockerode();
const dirs: { path: string; [Symbol.dispose](): void }[] = [];
let lr: LightRunProc;

/** A node that prints `up` and sleeps, on a run-scoped network next to a sleeping service. */
function sleeper(extra: Record<string, unknown> = {}): WorkflowDefinition {
  return workflowDefinition.parse({
    id: 'sleeper',
    networkDefs: [{ alias: 'net' }],
    services: [{ id: 'svc', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'sleep 300' }],
    nodes: [
      { id: 'n', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'echo up; sleep 300', ...extra },
    ],
  });
}

/** Labelled containers and lp- networks whose name or run id mentions `runId`, or of `owner`. */
async function remains(runId: string, owner?: string): Promise<string[]> {
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: JSON.stringify({ label: ['dev.light.managed=true'] }) }),
    docker.listNetworks(),
  ]);
  return [
    ...containers
      .filter(
        (c) => (owner && c.Labels['dev.light.owner'] === owner) || c.Names.some((n) => n.includes(runId)),
      )
      .map((c) => `container ${c.Names[0]} (${c.State})`),
    ...networks.filter((n) => n.Name.startsWith(`lp-${runId}-`)).map((n) => `network ${n.Name}`),
  ];
}

/** Asserts that a cancelled workflow left nothing within 5 s: containers, service, network. */
async function allGoneWithin5s(result: WorkflowResult): Promise<void> {
  const ids = Object.values(result.results).flatMap((r) => (r.runId ? [r.runId] : []));
  for (const id of ids) await containersGone(id, 5_000);
  const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as {
    runs: { id: string; status: string }[];
  };
  assert.deepEqual(
    runs.filter((r) => ['queued', 'running', 'paused'].includes(r.status)),
    [],
    'no run of light-run is still active (the service was stopped)',
  );
  assert.equal(
    await new LightRunClient({ url: lr.url, token: lr.token }).networkExists(`lp-${result.runId}-net`),
    false,
  );
}

/** Spawns the `light` bin, collecting stderr; resolves its exit. */
function light(
  args: string[],
  env: Record<string, string>,
  into = scope,
): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [LIGHT, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  into.pids.add(child.pid as number);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  child.stdout?.resume();
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => err, exit };
}

/** A workflow folder with one node running `entrypoint`; `around` adds networkDefs and services (the node joins `net`). */
function workflowFolder(
  entrypoint: string,
  around: { networkDefs?: unknown[]; services?: unknown[] } = {},
): string {
  const dir = tempDir('hard-cli');
  dirs.push(dir);
  scope.tempPaths.add(dir.path);
  writeFileSync(
    join(dir.path, 'workflow.json'),
    JSON.stringify({ id: 'cli', nodes: [{ id: 'n', dir: 'n' }], links: [], ...around }),
  );
  mkdirSync(join(dir.path, 'n'));
  writeFileSync(
    join(dir.path, 'n', '.node.json'),
    JSON.stringify({
      id: 'n',
      image: 'localhost/light-sh',
      entrypoint,
      ...(around.networkDefs ? { networks: ['net'] } : {}),
    }),
  );
  return dir.path;
}

/** Puts an all-in-one light-run child (and everything it owns) into a leak scope, and into the file's. */
function trackChild(into: LeakScope, child: { pid: number; dataDir: string }): void {
  for (const s of [into, scope]) {
    s.pids.add(child.pid);
    s.tempPaths.add(child.dataDir);
    s.owners.add(ownerOf(child.dataDir));
  }
}

/** The light-run child a `light` process started (all-in-one), with its data dir. */
function childLightRun(parent: number): { pid: number; dataDir: string } | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = cmd.indexOf('--data-dir');
      if (cmd.some((c) => c.includes('light-run')) && at > 0)
        return { pid: Number(entry), dataDir: cmd[at + 1] as string };
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** A port of 127.0.0.1 where nothing listens (just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Runs of the shared light-run that are still queued, running or paused. */
async function activeRuns(): Promise<{ id: string; status: string }[]> {
  const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as {
    runs: { id: string; status: string }[];
  };
  return runs.filter((r) => ['queued', 'running', 'paused'].includes(r.status));
}

async function untilAsync(what: string, check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

async function until(what: string, check: () => boolean, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('faults between light-process and light-run', () => {
  before(async () => {
    lr = await startLightRun();
    track(scope, lr);
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    for (const d of dirs) d[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('a wrong light-run URL fails the workflow at once with an error naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const started = Date.now();
    const result = await executeWorkflow(sleeper(), {}, { runner: new LightRunClient({ url, token: 't' }) });
    assert.ok(Date.now() - started < 10_000, 'no hang');
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'RUN_SCOPE_FAILED');
    assert.equal(
      result.error?.message,
      `cannot set up the run's networks and services: cannot reach light-run at ${url} (connection refused)`,
    );
  });

  test('light-run refusing connections mid-run fails the workflow promptly, naming the URL', async () => {
    using dir = tempDir('hard-mid');
    scope.tempPaths.add(dir.path);
    const victim = await startLightRun({ dataDir: dir.path });
    scope.owners.add(victim.owner);
    scope.pids.add(victim.pid);
    let killedAt = 0;
    const result = await executeWorkflow(
      workflowDefinition.parse({
        id: 'mid',
        nodes: [{ id: 'n', image: 'localhost/light-sh', entrypoint: 'echo up; sleep 20' }],
      }),
      {},
      {
        runner: new LightRunClient({ url: victim.url, token: victim.token }),
        onLog: ({ line }) => {
          if (line === 'up' && !killedAt) {
            killedAt = Date.now();
            void victim.stop('SIGKILL');
          }
        },
      },
    );
    assert.ok(killedAt > 0, 'the node started');
    assert.ok(Date.now() - killedAt < 15_000, `failed ${Date.now() - killedAt} ms after light-run died`);
    assert.equal(result.success, false);
    assert.equal(result.results.n?.status, 'failed');
    assert.ok(
      result.error?.message.includes(`cannot reach light-run at ${victim.url}`),
      result.error?.message,
    );
    // The orphaned container is light-run's to reap: a restart over the same data dir does it.
    const again = await startLightRun({ dataDir: dir.path });
    scope.pids.add(again.pid);
    const runId = result.results.n?.runId as string;
    await again.post(`/runs/${runId}/cancel`);
    await containersGone(runId, 10_000);
    await again[Symbol.asyncDispose]();
  });

  test('cancel before start: nothing is created at all', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await executeWorkflow(
      sleeper(),
      {},
      { runner: new LightRunClient({ url: lr.url, token: lr.token }), signal: controller.signal },
    );
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.deepEqual(await remains(result.runId), []);
    const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as { runs: unknown[] };
    assert.equal(runs.length, 0, 'no run reached light-run');
  });

  for (const stage of ['setup', 'main', 'extract'] as const) {
    test(`cancel during ${stage}: containers gone within 5 s, service stopped, network deleted`, async () => {
      const extra =
        stage === 'setup'
          ? { setup: ['echo up', 'sleep 300'], entrypoint: 'echo never' }
          : stage === 'main'
            ? {}
            : // The output is written, the node ends, and light-run is busy copying 200 MB out.
              { entrypoint: 'head -c 200000000 /dev/zero > .lp-output.json; echo up' };
      const controller = new AbortController();
      let abortedAt = 0;
      const result = await executeWorkflow(
        sleeper(extra),
        {},
        {
          runner: new LightRunClient({ url: lr.url, token: lr.token }),
          signal: controller.signal,
          onLog: ({ line }) => {
            if (line === 'up' && !abortedAt) {
              abortedAt = Date.now();
              controller.abort();
            }
          },
        },
      );
      assert.ok(abortedAt > 0, 'the stage was reached');
      assert.equal(result.success, false);
      assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
      assert.equal(result.results.n?.status, 'cancelled');
      assert.ok(Date.now() - abortedAt < 15_000, 'the workflow ended promptly');
      await allGoneWithin5s(result);
    });
  }

  test('a queued run cancelled through light-run never gets a container', async () => {
    const busy = await Promise.all(
      [1, 2, 3, 4].map(
        async () =>
          (await (
            await lr.post('/run', { image: 'localhost/light-sh', entrypoint: 'sleep 300', detached: true })
          ).json()) as { id: string },
      ),
    );
    const queued = (await (
      await lr.post('/run', { image: 'localhost/light-sh', entrypoint: 'echo hi', detached: true })
    ).json()) as { id: string; status: string };
    assert.equal(queued.status, 'queued');
    const res = await lr.post(`/runs/${queued.id}/cancel`);
    assert.equal(res.status, 200);
    const state = (await res.json()) as { status: string; startedAt: string | null };
    assert.equal(state.status, 'cancelled');
    assert.equal(state.startedAt, null);
    assert.deepEqual(await containersOfRun(queued.id), []);
    for (const b of busy) await lr.post(`/runs/${b.id}/cancel`);
    for (const b of busy) await containersGone(b.id, 5_000);
  });

  test('all-in-one: the child light-run killed mid-run fails the run cleanly and leaves nothing', async () => {
    const mine = leakScope();
    const cli = light(['run', workflowFolder('echo up; sleep 30')], { LIGHT_RUN_URL: '' }, mine);
    await until('the node prints up', () => /\bup\b/.test(cli.stderr()));
    const child = childLightRun(cli.child.pid as number);
    assert.ok(child, 'a light-run child is running');
    trackChild(mine, child);
    process.kill(child.pid, 'SIGKILL');
    const started = Date.now();
    const code = await cli.exit;
    assert.ok(Date.now() - started < 30_000, 'light exits promptly');
    assert.equal(code, 1, cli.stderr());
    assert.match(cli.stderr(), /cannot reach light-run at http:\/\/127\.0\.0\.1:\d+/);
    try {
      await assertNoLeaksOf(mine, 15_000);
    } finally {
      await reapScope(mine);
    }
  });

  test('light-process killed during a workflow (all-in-one): its light-run, runs, service and networks are reaped', async () => {
    const mine = leakScope();
    const cli = light(['run', workflowFolder('echo up; sleep 300')], { LIGHT_RUN_URL: '' }, mine);
    await until('the node prints up', () => /\bup\b/.test(cli.stderr()));
    const child = childLightRun(cli.child.pid as number);
    assert.ok(child, 'a light-run child is running');
    trackChild(mine, child);
    cli.child.kill('SIGKILL');
    await cli.exit;
    // Nothing to restart by hand: the next `light` start (or light-run itself) must clean up.
    const next = light(['run', workflowFolder('echo next')], { LIGHT_RUN_URL: '' }, mine);
    assert.equal(await next.exit, 0, next.stderr());
    try {
      await assertNoLeaksOf(mine, 15_000);
    } finally {
      await reapScope(mine);
    }
  });

  test('an SDK process SIGKILLed mid-workflow (explicit light-run, default lease): within 60 s no run, service or lp- network of it is left', async () => {
    const dir = tempDir('hard-sdk');
    dirs.push(dir);
    scope.tempPaths.add(dir.path);
    const script = join(dir.path, 'victim.mts');
    const sdk = fileURLToPath(new URL('../../packages/process/src/index.ts', import.meta.url));
    writeFileSync(
      script,
      [
        `import { executeWorkflow, LightRunClient, workflowDefinition } from ${JSON.stringify(sdk)};`,
        `const definition = workflowDefinition.parse(${JSON.stringify(sleeper())});`,
        `const runner = new LightRunClient({ url: ${JSON.stringify(lr.url)}, token: ${JSON.stringify(lr.token)} });`,
        `await executeWorkflow(definition, {}, { runner, runId: 'victim1', onLog: ({ line }) => console.log(line) });`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    scope.pids.add(child.pid as number);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise((r) => child.once('exit', r));
    await until('the node prints up', () => /\bup\b/.test(out));
    assert.equal((await activeRuns()).length, 2, 'the service and the node run');
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    // Nobody starts light-process again: light-run alone ends what the dead client's lease held.
    await untilAsync(
      'the lease of the killed process expired and its resources went',
      async () => {
        return (await remains('victim1', lr.owner)).length === 0 && (await activeRuns()).length === 0;
      },
      60_000,
    );
    assert.ok(Date.now() - killedAt <= 60_000);
  });

  test('`light run` SIGKILLed mid-workflow (explicit light-run, LIGHT_RUN_LEASE_TTL_MS=4000): its run, service and lp- network are gone soon after', async () => {
    const folder = workflowFolder('echo up; sleep 300', {
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'svc', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'sleep 300' }],
    });
    const cli = light(['run', folder], {
      LIGHT_RUN_URL: lr.url,
      LIGHT_RUN_TOKEN: lr.token,
      LIGHT_RUN_LEASE_TTL_MS: '4000',
    });
    await until('the node prints up', () => /\bup\b/.test(cli.stderr()));
    assert.equal((await activeRuns()).length, 2, 'the service and the node run');
    cli.child.kill('SIGKILL');
    await cli.exit;
    await untilAsync(
      'the lease of the killed `light run` expired and its resources went',
      async () => {
        const networks = (await docker.listNetworks()).filter(
          (n) => n.Name.startsWith('lp-') && n.Labels?.['dev.light.owner'] === lr.owner,
        );
        return (
          networks.length === 0 &&
          (await remains('none', lr.owner)).length === 0 &&
          (await activeRuns()).length === 0
        );
      },
      30_000,
    );
  });

  test('`light serve` SIGKILLed mid-run (explicit light-run, LIGHT_RUN_LEASE_TTL_MS=4000): its run, service and lp- network are gone soon after', async () => {
    const folder = workflowFolder('echo up; sleep 300', {
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'svc', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'sleep 300' }],
    });
    const served = await startLightServe({
      dir: folder,
      lightRun: lr,
      env: { LIGHT_RUN_LEASE_TTL_MS: '4000' },
    });
    scope.pids.add(served.pid);
    const accepted = await fetch(`${served.url}/api/workflows/cli/run?async=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(accepted.status, 202, await accepted.text());
    await untilAsync('the service and the node run', async () => (await activeRuns()).length === 2, 30_000);
    served.child.kill('SIGKILL');
    await served.stop();
    await untilAsync(
      'the lease of the killed `light serve` expired and its resources went',
      async () => {
        const networks = (await docker.listNetworks()).filter(
          (n) => n.Name.startsWith('lp-') && n.Labels?.['dev.light.owner'] === lr.owner,
        );
        return networks.length === 0 && (await activeRuns()).length === 0;
      },
      30_000,
    );
  });
});
