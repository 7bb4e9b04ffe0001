import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { containersGone, logText, runSync, startDetached, waitEnd, waitForLog } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// light-run with a warm pool against one without: a run that takes a parked container
// must be indistinguishable from a cold one (results, isolation seen from inside, identity,
// cleanup), except that it is faster. And the streamed exchange of `POST /run?stream=ndjson`.
const docker = new Dockerode();
const scope = leakScope();
const IMAGE = 'localhost/light-sh';
let warm: LightRunProc;
let cold: LightRunProc;

/** Run ids of the parked containers of a light-run (running, kind pool). */
async function parked(lr: LightRunProc, size = 2): Promise<Set<string>> {
  const label = [`dev.light.owner=${lr.owner}`, 'dev.light.kind=pool'];
  for (let i = 0; ; i++) {
    const list = await docker.listContainers({ filters: JSON.stringify({ label }) });
    const ids = list.filter((c) => c.State === 'running').map((c) => c.Labels['dev.light.run-id'] ?? '');
    if (ids.length >= size || i > 300) return new Set(ids);
    await sleep(100);
  }
}

/** A stream's lines, parsed. */
async function streamLines(lr: LightRunProc, body: object): Promise<{ status: number; lines: StreamLine[] }> {
  const res = await lr.post('/run?stream=ndjson', body);
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, lines: [JSON.parse(text)] };
  return {
    status: res.status,
    lines: text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StreamLine),
  };
}

interface StreamLine {
  type: 'run' | 'log' | 'end';
  state?: {
    id: string;
    status: string;
    exitCode: number | null;
    artifacts: { path: string; bytes: number }[];
  };
  line?: string;
  inlined?: { path: string; bytes: number; base64: string }[];
}

/** What a run shows of its confinement from inside: capabilities, no_new_privs, cgroup caps, raw network. */
const CONFINEMENT = [
  'grep -E "^(NoNewPrivs|CapEff|CapBnd|CapPrm|CapAmb|Seccomp):" /proc/self/status',
  'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max',
  'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
  'cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
  'ulimit -f',
  'ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo ping=done || echo ping=refused',
  'mount -t tmpfs none /mnt 2>/dev/null && echo mount=done || echo mount=refused',
  'test -e /var/run/docker.sock && echo sock=present || echo sock=absent',
  'ip route 2>/dev/null | grep -c default',
  'id -u',
].join('; ');

describe('a warm-pool run through light-run against a cold one', () => {
  before(async () => {
    warm = track(scope, await startLightRun({ args: ['--warm-pool', IMAGE, '--warm-pool-size', '2'] }));
    cold = track(scope, await startLightRun());
  });
  after(async () => {
    await warm?.[Symbol.asyncDispose]();
    await cold?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test("POST /run takes a parked container: the run id, hostname and labels are the container's, and results equal a cold run's", async () => {
    const before = await parked(warm);
    const body = {
      image: IMAGE,
      files: { 'in.txt': 'abc\n' },
      entrypoint: 'hostname; cat in.txt; wc -c; cat in.txt > out.txt',
      input: { a: 1 },
      extract: ['/app/out.txt'],
    };
    const w = await runSync(warm, body);
    const c = await runSync(cold, body);
    assert.ok(before.has(w.state.id), `run ${w.state.id} took one of the parked ${[...before]}`);
    assert.ok(!(await parked(cold, 0)).has(c.state.id));
    for (const r of [w, c]) {
      assert.equal(r.state.status, 'succeeded');
      assert.equal(r.state.exitCode, 0);
      assert.deepEqual(
        r.state.artifacts.map((a) => [a.path, a.bytes]),
        [['out.txt', 4]],
      );
    }
    const [wLog, cLog] = [await logText(warm, w.state.id), await logText(cold, c.state.id)];
    assert.equal(wLog, `${w.state.id}\nabc\n7\n`);
    assert.equal(cLog, `${c.state.id}\nabc\n7\n`);
    const art = async (lr: LightRunProc, id: string) =>
      (await lr.api(`/runs/${id}/artifacts/out.txt`)).text();
    assert.equal(await art(warm, w.state.id), await art(cold, c.state.id));
    // The same cleanup: no container of either run is left.
    await containersGone(w.state.id);
    await containersGone(c.state.id);
  });

  test('the same confinement from inside: capabilities, no_new_privs, pids, memory, cpu, file size, network', async () => {
    await parked(warm);
    const marker = 'test -e /.light/entry.sh && echo pooled=yes || echo pooled=no';
    const w = await runSync(warm, { image: IMAGE, entrypoint: `${marker}; ${CONFINEMENT}` });
    const c = await runSync(cold, { image: IMAGE, entrypoint: `${marker}; ${CONFINEMENT}` });
    assert.equal(w.state.status, 'succeeded', JSON.stringify(w.state));
    assert.equal(c.state.status, 'succeeded', JSON.stringify(c.state));
    const wLog = await logText(warm, w.state.id);
    const cLog = await logText(cold, c.state.id);
    assert.match(wLog, /^pooled=yes$/m);
    assert.match(cLog, /^pooled=no$/m);
    const strip = (log: string) => log.replace(/^pooled=.*\n/m, '');
    assert.equal(strip(wLog), strip(cLog));
    assert.match(wLog, /^NoNewPrivs:\s+1$/m);
    assert.match(wLog, /^CapEff:\s+00000000000004fb$/m);
    assert.match(wLog, /^ping=refused$/m);
    assert.match(wLog, /^mount=refused$/m);
    assert.match(wLog, /^sock=absent$/m);
  });

  test('a parked container has run nothing: what one run leaves in its filesystem the next never sees', async () => {
    await parked(warm);
    const first = await runSync(warm, { image: IMAGE, entrypoint: 'echo secret > /tmp/left; ls /tmp' });
    await parked(warm);
    const second = await runSync(warm, {
      image: IMAGE,
      entrypoint: 'test -e /.light/entry.sh && echo pooled; test -e /tmp/left && echo LEAK || echo clean',
    });
    assert.equal(first.state.status, 'succeeded');
    assert.notEqual(first.state.id, second.state.id);
    assert.equal(await logText(warm, second.state.id), 'pooled\nclean\n');
  });

  test('POST /run?stream=ndjson answers the id first, the log lines, then the final state with the output inlined', async () => {
    await parked(warm);
    const { status, lines } = await streamLines(warm, {
      image: IMAGE,
      entrypoint: 'echo one; echo two; echo \'{"x":1}\' > .lp-output.json',
      extract: ['/app/.lp-output.json'],
      detached: true,
    });
    assert.equal(status, 200);
    const [first, ...rest] = lines;
    assert.equal(first?.type, 'run');
    const id = first?.state?.id;
    assert.ok(id);
    assert.deepEqual(
      rest.filter((l) => l.type === 'log').map((l) => l.line),
      ['one', 'two'],
    );
    const end = rest.at(-1);
    assert.equal(end?.type, 'end');
    assert.equal(end?.state?.id, id);
    assert.equal(end?.state?.status, 'succeeded');
    assert.equal(Buffer.from(end?.inlined?.[0]?.base64 ?? '', 'base64').toString(), '{"x":1}\n');
    assert.equal(end?.inlined?.[0]?.path, '.lp-output.json');
  });

  test('a stream inlines no output over 1 MiB: it stays on the artifact route', async () => {
    const { lines } = await streamLines(cold, {
      image: IMAGE,
      entrypoint: 'head -c 1100000 /dev/zero > big.bin',
      extract: ['/app/big.bin'],
      detached: true,
    });
    const end = lines.at(-1);
    assert.equal(end?.state?.status, 'succeeded');
    assert.deepEqual(end?.inlined, []);
    assert.deepEqual(
      end?.state?.artifacts.map((a) => [a.path, a.bytes]),
      [['big.bin', 1100000]],
    );
    const res = await cold.api(`/runs/${end?.state?.id}/artifacts/big.bin`);
    assert.equal((await res.arrayBuffer()).byteLength, 1100000);
  });

  test('a streamed run cancelled through POST /runs/:id/cancel ends its stream with the cancelled state', async () => {
    await parked(warm);
    const res = await warm.post('/run?stream=ndjson', {
      image: IMAGE,
      entrypoint: 'echo up; sleep 300',
      detached: true,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"up"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    const id = (JSON.parse(text.split('\n')[0] ?? '') as StreamLine).state?.id;
    assert.ok(id);
    await warm.post(`/runs/${id}/cancel`);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    const end = JSON.parse(text.trim().split('\n').at(-1) ?? '') as StreamLine;
    assert.equal(end.type, 'end');
    assert.equal(end.state?.status, 'cancelled');
    await containersGone(id);
  });

  test('POST /run with an unknown stream format answers 400 naming the field, and starts nothing', async () => {
    const res = await warm.post('/run?stream=xml', { image: IMAGE, entrypoint: 'true' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.match(JSON.stringify(body), /stream/);
  });
  test('a pooled detached run survives a SIGKILL of its light-run: the next one over the data dir re-attaches it by its id, and the parked ones are reaped', async () => {
    using dir = tempDir('pool-restart');
    const first = track(
      scope,
      await startLightRun({ dataDir: dir.path, args: ['--warm-pool', IMAGE, '--warm-pool-size', '1'] }),
    );
    const before = await parked(first, 1);
    const run = await startDetached(first, {
      image: IMAGE,
      entrypoint: 'test -e /.light/entry.sh && echo pooled-up; sleep 4; echo finished',
    });
    assert.ok(before.has(run.id), 'the detached run took the parked container');
    await waitForLog(first, run.id, 'pooled-up');
    await parked(first, 1);
    await first.stop('SIGKILL');
    // The same data dir (so the same owner), no pool this time.
    const second = track(scope, await startLightRun({ dataDir: dir.path }));
    try {
      const end = await waitEnd(second, run.id, 30_000);
      assert.equal(end.status, 'succeeded', JSON.stringify(end));
      assert.match(await logText(second, run.id), /^pooled-up\n(.*\n)*finished\n$/);
      await containersGone(run.id);
      assert.deepEqual(
        [...(await parked(second, 0))],
        [],
        'the parked container of the dead light-run was reaped',
      );
    } finally {
      await second[Symbol.asyncDispose]();
    }
  });
});

describe('warm containers for runs that queue behind --max-concurrent', () => {
  after(() => assertNoLeaksOf(scope));

  test('a queued run takes a parked container at once; one cancelled while queued spends it (removed, never parked again)', async () => {
    const lr = track(
      scope,
      await startLightRun({ args: ['--warm-pool', IMAGE, '--warm-pool-size', '2', '--max-concurrent', '1'] }),
    );
    try {
      const first = await parked(lr, 2);
      // The only slot: a run that holds it until told to end.
      const holder = await startDetached(lr, { image: IMAGE, entrypoint: 'sleep 3; echo held' });
      const queued = await startDetached(lr, {
        image: IMAGE,
        entrypoint: 'test -e /.light/entry.sh && echo pooled || echo cold',
      });
      assert.equal(queued.status, 'queued', JSON.stringify(queued));
      assert.ok(first.has(holder.id) && first.has(queued.id), 'both runs took one of the parked containers');
      assert.equal((await waitEnd(lr, queued.id)).status, 'succeeded');
      assert.equal(await logText(lr, queued.id), 'pooled\n');
      assert.equal((await waitEnd(lr, holder.id)).status, 'succeeded');
      await containersGone(holder.id);
      await containersGone(queued.id);

      // Cancelled while queued: its reserved container ran nothing, and its id is spent.
      const second = await parked(lr, 2);
      const holder2 = await startDetached(lr, { image: IMAGE, entrypoint: 'sleep 3' });
      const dropped = await startDetached(lr, { image: IMAGE, entrypoint: 'echo never' });
      assert.equal(dropped.status, 'queued');
      assert.ok(second.has(dropped.id), 'the queued run reserved a parked container');
      const cancel = await lr.post(`/runs/${dropped.id}/cancel`, {});
      assert.equal(cancel.status, 200);
      assert.equal((await waitEnd(lr, dropped.id)).status, 'cancelled');
      await containersGone(dropped.id);
      assert.equal(await logText(lr, dropped.id), '');
      assert.ok(!(await parked(lr, 2)).has(dropped.id), 'no parked container carries the spent id');
      assert.equal((await waitEnd(lr, holder2.id)).status, 'succeeded');
    } finally {
      await lr[Symbol.asyncDispose]();
    }
  });
});
