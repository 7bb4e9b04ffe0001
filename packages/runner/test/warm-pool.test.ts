import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { DockerRunner, LABELS, type LogLine, type RunRequest } from '../src/index.ts';
import { testRunner } from './support/test-runner.ts';

const docker = new Dockerode();
const t = testRunner('pool', { warmPool: { images: ['localhost/light-sh'], size: 2 } });
/** The same dirs and owner, no pool: the cold path to compare with. */
const cold = t.sibling({ warmPool: undefined });

before(async () => {
  await t.runner.warmUp();
});
after(async () => {
  await t[Symbol.asyncDispose]();
  assert.deepEqual(await ownContainers(t.owner), [], 'the pool left containers behind');
  await assertNoLeaks();
});

/** This owner's containers (filtered by owner: other suites may run at the same time). */
async function ownContainers(owner: string, kind?: string): Promise<Dockerode.ContainerInfo[]> {
  const label = [`${LABELS.owner}=${owner}`, ...(kind ? [`${LABELS.kind}=${kind}`] : [])];
  return docker.listContainers({ all: true, filters: JSON.stringify({ label }) });
}

/** Run ids of the containers parked (running, kind pool, not yet taken). */
async function parkedIds(owner = t.owner): Promise<Set<string>> {
  const list = await ownContainers(owner, 'pool');
  return new Set(list.filter((c) => c.State === 'running').map((c) => c.Labels[LABELS.runId] ?? ''));
}

/** Waits until `size` containers are parked again. */
async function refilled(size = 2): Promise<Set<string>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await t.runner.warmUp();
    const ids = await parkedIds();
    if (ids.size >= size || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runWithLogs(runner: DockerRunner, request: RunRequest) {
  const logs: LogLine[] = [];
  const run = runner.run(request, { onLog: (l) => logs.push(l) });
  const result = await run.result;
  return { run, result, logs: logs.map((l) => `${l.stream}:${l.line.replaceAll(run.id, '<id>')}`) };
}

const tricky = `a $HOME "dq" 'sq' \`id\` $(echo no) ; | & \\n * end`;

test('a pooled run gives the same observable result as a cold run', async () => {
  const request: RunRequest = {
    image: 'localhost/light-sh',
    files: { 'in.txt': 'hello', 'sub/deep/x.txt': 'x' },
    input: { name: 'ada', n: [1, 2] },
    env: { TRICKY: tricky, OTHER: "it's" },
    entrypoint:
      'cat in.txt; echo; cat sub/deep/x.txt; echo; cat > input.json; printf %s "$TRICKY" > env.txt; echo "$OTHER"; pwd; hostname; echo oops >&2; printf tail',
    setup: ['echo setup'],
    extract: ['input.json', 'env.txt', '/app/sub/deep/x.txt', 'missing.txt'],
  };
  const parked = await parkedIds();
  const warm = await runWithLogs(t.runner, request);
  assert.ok(parked.has(warm.run.id), 'served from the pool');
  const base = await runWithLogs(cold, request);
  assert.ok(!parked.has(base.run.id));
  for (const r of [warm, base]) {
    assert.equal(r.result.status, 'succeeded', JSON.stringify(r.result));
    assert.equal(r.result.exitCode, 0);
  }
  assert.deepEqual(warm.logs.sort(), base.logs.sort());
  assert.ok(warm.logs.includes('stdout:<id>'), 'hostname is the run id');
  assert.deepEqual(
    warm.result.artifacts.map((a) => [a.path, a.bytes, a.type]),
    base.result.artifacts.map((a) => [a.path, a.bytes, a.type]),
  );
  const read = (id: string, path: string) => readFileSync(join(t.artifactsDir, id, path), 'utf8');
  assert.equal(read(warm.run.id, 'env.txt'), tricky);
  assert.deepEqual(JSON.parse(read(warm.run.id, 'input.json')), { name: 'ada', n: [1, 2] });
  for (const path of ['env.txt', 'input.json', 'sub/deep/x.txt'])
    assert.equal(read(warm.run.id, path), read(base.run.id, path));
  const record = await t.runner.get(warm.run.id);
  assert.equal(record?.status, 'succeeded');
  assert.equal(record?.owner, t.owner);
  assert.ok(record?.startedAt);
});

test("reserve() answers a parked container's id; run() under it is served by that container, with its name, hostname and labels", async () => {
  const parked = await refilled();
  const request: RunRequest = {
    image: 'localhost/light-sh',
    entrypoint: 'hostname; cat /proc/self/cgroup >/dev/null',
  };
  const id = t.runner.reserve(request);
  assert.ok(id && parked.has(id), `reserved ${id} among ${[...parked]}`);
  const [container] = await docker.listContainers({
    filters: JSON.stringify({ label: [`${LABELS.runId}=${id}`] }),
  });
  assert.equal(container?.Names[0], `/light-${id}`);
  const r = await runWithLogs(t.runner, { ...request, id });
  assert.equal(r.run.id, id);
  assert.equal(r.result.status, 'succeeded', JSON.stringify(r.result));
  assert.deepEqual(r.logs, ['stdout:<id>']);
  assert.equal((await t.runner.get(id))?.status, 'succeeded');
  assert.deepEqual(await ownContainers(t.owner, 'run'), []);
});

test('reserve() refuses what the pool cannot serve; unreserve() parks the container again, having run nothing', async () => {
  const parked = await refilled();
  assert.equal(
    t.runner.reserve({ image: 'localhost/light-sh', entrypoint: 'true', networks: ['none'] }),
    undefined,
  );
  assert.equal(t.runner.reserve({ image: 'localhost/light-node', entrypoint: 'true' }), undefined);
  assert.equal(t.runner.reserve({ image: 'localhost/light-sh', entrypoint: 'true', id: 'mine' }), undefined);
  const id = t.runner.reserve({ image: 'localhost/light-sh', entrypoint: 'true' });
  assert.ok(id && parked.has(id));
  t.runner.unreserve(id);
  await refilled();
  assert.ok((await parkedIds()).has(id), 'the reserved container is parked again');
  // A caller id nobody reserved is a cold run under that id.
  const own = `pool-own-${process.pid}`;
  const r = await runWithLogs(t.runner, {
    image: 'localhost/light-sh',
    entrypoint: 'test -e /.light/entry.sh || echo cold',
    id: own,
  });
  assert.equal(r.run.id, own);
  assert.deepEqual(r.logs, ['stdout:cold']);
});

test('at most `size` reservations are held unclaimed; one given back with discard is removed, its id spent', async () => {
  const parked = await refilled();
  const req = { image: 'localhost/light-sh', entrypoint: 'true' };
  const held: string[] = [];
  let spent = '';
  try {
    for (const id of [t.runner.reserve(req), t.runner.reserve(req)]) if (id) held.push(id);
    const [a, b] = held;
    assert.ok(a && b && parked.has(a) && parked.has(b));
    // The pool refills past the two it holds (4 running), yet a third unclaimed reservation is refused.
    const all = await refilled(4);
    assert.equal(all.size, 4);
    assert.equal(t.runner.reserve(req), undefined);
    t.runner.unreserve(a, { discard: true });
    spent = a;
    held.shift();
    const deadline = Date.now() + 30_000;
    while ((await ownContainers(t.owner)).some((c) => c.Labels[LABELS.runId] === a)) {
      assert.ok(Date.now() < deadline, `the container of the spent id ${a} is still there`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Below the cap again: a reservation is granted, one of the refilled containers.
    const c = t.runner.reserve(req);
    if (c) held.push(c);
    assert.ok(c && c !== a && c !== b && all.has(c));
  } finally {
    for (const id of held) t.runner.unreserve(id);
  }
  // Given back without discard, they are parked again or removed when the pool is full
  // (it refilled meanwhile); either way the pool is back to its size, without the spent id.
  let again = await refilled();
  for (const until = Date.now() + 30_000; again.size > 2 && Date.now() < until; again = await parkedIds()) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // a surplus one is being removed
  }
  assert.equal(again.size, 2);
  assert.ok(spent && !again.has(spent));
});

test('a pooled run without input sees an empty stdin', async () => {
  const parked = await refilled();
  const r = await runWithLogs(t.runner, { image: 'localhost/light-sh', entrypoint: 'wc -c' });
  assert.ok(parked.has(r.run.id));
  assert.deepEqual(
    r.logs.map((l) => l.replace(/\s+/g, '')),
    ['stdout:0'],
  );
});

test('a pooled run that exits non-zero fails with its exit code', async () => {
  const parked = await refilled();
  const r = await runWithLogs(t.runner, {
    image: 'localhost/light-sh',
    entrypoint: 'echo bye; exit 3',
    extract: ['x'],
  });
  assert.ok(parked.has(r.run.id));
  assert.equal(r.result.status, 'failed');
  assert.equal(r.result.exitCode, 3);
  assert.deepEqual(r.logs, ['stdout:bye']);
});

test('a pooled run is killed at its timeout', async () => {
  const parked = await refilled();
  const began = Date.now();
  const r = await runWithLogs(t.runner, {
    image: 'localhost/light-sh',
    entrypoint: 'sleep 60',
    timeoutMs: 800,
  });
  assert.ok(parked.has(r.run.id));
  assert.equal(r.result.status, 'timeout');
  assert.equal(r.result.error?.code, 'TIMEOUT');
  assert.ok(Date.now() - began < 20_000);
});

test('a pooled run can be cancelled, and the pool refills in the background', async () => {
  const parked = await refilled();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const run = t.runner.run(
    { image: 'localhost/light-sh', entrypoint: 'echo ready; sleep 60' },
    { onLog: (l) => l.line === 'ready' && markReady() },
  );
  assert.ok(parked.has(run.id));
  await ready;
  await run.cancel();
  const result = await run.result;
  assert.equal(result.status, 'cancelled');
  assert.equal((await t.runner.get(run.id))?.status, 'cancelled');
  const again = await refilled();
  assert.equal(again.size, 2);
  assert.ok(!again.has(run.id));
});

test('security defaults hold inside a pooled container', async () => {
  const parked = await refilled();
  const request: RunRequest = {
    image: 'localhost/light-sh',
    entrypoint:
      'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
  };
  const warm = await runWithLogs(t.runner, request);
  assert.ok(parked.has(warm.run.id));
  const base = await runWithLogs(cold, request);
  assert.deepEqual(warm.logs, base.logs);
  assert.ok(
    warm.logs.some((l) => /^stdout:NoNewPrivs:\s+1$/.test(l)),
    warm.logs.join('\n'),
  );
  assert.ok(warm.logs.includes('stdout:100'), warm.logs.join('\n'));
  // CapEff of the default set minus the dropped capabilities (NET_RAW is bit 13).
  const capEff = warm.logs.find((l) => l.startsWith('stdout:CapEff'))?.split(/\s+/)[1] ?? '0';
  assert.equal(BigInt(`0x${capEff}`) & (1n << 13n), 0n);

  const [one] = await ownContainers(t.owner, 'pool');
  assert.ok(one, 'a parked container');
  const info = await docker.getContainer(one.Id).inspect();
  assert.ok(info.HostConfig.CapDrop?.includes('NET_RAW'));
  assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges']);
  assert.equal(info.HostConfig.PidsLimit, 100);
  assert.equal(info.HostConfig.Memory, 512 * 1024 * 1024);
  assert.equal(info.HostConfig.NanoCpus, 1e9);
  assert.equal(info.HostConfig.NetworkMode, 'light-isolated');
  assert.equal(info.HostConfig.Privileged, false);
  assert.equal(info.Config.Labels[LABELS.managed], 'true');
  assert.equal(info.Config.Labels[LABELS.kind], 'pool');
});

test('ineligible requests take the cold path and leave the pool alone', async () => {
  const parked = await refilled();
  const requests: RunRequest[] = [
    { image: 'localhost/light-sh', entrypoint: 'pwd', workdir: '/work' },
    { image: 'localhost/light-sh', entrypoint: 'true', networks: ['none'] },
    { image: 'localhost/light-sh', entrypoint: 'true', id: `pool-caller-${process.pid}` },
    { image: 'localhost/light-sh', entrypoint: 'true', labels: { team: 'a' } },
    { image: 'localhost/light-sh' },
  ];
  for (const request of requests) {
    const r = await runWithLogs(t.runner, request);
    assert.equal(r.result.status, 'succeeded', JSON.stringify(r.result));
    assert.ok(!parked.has(r.run.id), JSON.stringify(request));
  }
  assert.deepEqual(await parkedIds(), parked);
});

test('reapOrphans leaves parked containers; close() removes them', async () => {
  await using other = testRunner('pool-close', { warmPool: { images: ['localhost/light-sh'], size: 1 } });
  await other.runner.warmUp();
  assert.equal((await parkedIds(other.owner)).size, 1);
  const report = await other.runner.reapOrphans();
  assert.deepEqual(report.containers, []);
  assert.equal((await parkedIds(other.owner)).size, 1);
  await other.runner.close();
  assert.deepEqual(await ownContainers(other.owner), []);
  // A runner of the same owner without this pool reaps what a dead pool left behind.
  await using third = testRunner('pool-reap', { warmPool: { images: ['localhost/light-sh'], size: 1 } });
  await third.runner.warmUp();
  const reaped = await third.sibling({ warmPool: undefined }).reapOrphans();
  assert.equal(reaped.containers.length, 1);
});

test('a re-tagged image is not served from a stale parked container', async () => {
  const tag = `light-pool-retag-${process.pid}`;
  await docker.getImage('localhost/light-sh').tag({ repo: tag, tag: 'latest' });
  try {
    await using r = testRunner('pool-retag', { warmPool: { images: [`${tag}:latest`], size: 1 } });
    await r.runner.warmUp();
    const stale = await parkedIds(r.owner);
    assert.equal(stale.size, 1);
    await docker.getImage('localhost/light-node').tag({ repo: tag, tag: 'latest' });
    // localhost/light-sh has no node: only a container of the new image can print this.
    const r2 = await runWithLogs(r.runner, {
      image: `${tag}:latest`,
      entrypoint: 'node -e "console.log(6*7)"',
    });
    assert.equal(r2.result.status, 'succeeded', JSON.stringify(r2.result));
    assert.deepEqual(r2.logs, ['stdout:42']);
    assert.deepEqual(await ownContainers(r.owner, 'run'), []);
  } finally {
    await docker
      .getImage(`${tag}:latest`)
      .remove()
      .catch(() => undefined);
  }
});

test('the warmPool option is validated', () => {
  const dirs = { stateDir: t.stateDir, artifactsDir: t.artifactsDir };
  assert.throws(() => new DockerRunner({ ...dirs, warmPool: { images: [] } }), /warmPool.images/);
  assert.throws(() => new DockerRunner({ ...dirs, warmPool: { images: ['a'], size: 0 } }), /warmPool.size/);
});
