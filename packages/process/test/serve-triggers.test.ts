import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { type LightServeProc, startLightServe } from '../../../test/support/light-serve-proc.ts';
import { assertNoLeaksOf, leakScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { WorkflowDefinition } from '../src/definition/definitions.ts';
import type { RunPage, RunRecord, RunSummary } from '../src/faces/server/store/types.ts';
import { signWebhook } from '../src/faces/server/webhook-signature.ts';
import { saveWorkflowToFolder } from '../src/files/save-workflow.ts';

// Triggers and admission of the real `light serve` bin on real containers: a per-second
// schedule, a burst of 100 signed webhook calls under `limit: 2`, and queued runs that
// outlive a restart. Run `npm run build` first.

const scope = leakScope();
const root = tempDir('serve-triggers');
scope.tempPaths.add(root.path);
let lr: LightRunProc;

function workflow(id: string, entrypoint: string, patch: Partial<WorkflowDefinition>): WorkflowDefinition {
  return {
    id,
    nodes: [{ id: 'step', image: 'localhost/light-sh', entrypoint, timeout: 120_000 }],
    links: [],
    networkDefs: [],
    services: [],
    ...patch,
  };
}

async function serveFolder(name: string, workflows: WorkflowDefinition[], env: Record<string, string> = {}) {
  const dir = `${root.path}/${name}`;
  for (const wf of workflows) await saveWorkflowToFolder(wf, `${dir}/${wf.id}`);
  return { dir, serve: await startServe(dir, env) };
}

async function startServe(dir: string, env: Record<string, string> = {}): Promise<LightServeProc> {
  const serve = await startLightServe({ dir, lightRun: lr, env });
  scope.pids.add(serve.pid);
  return serve;
}

const getJson = async <T>(serve: LightServeProc, path: string): Promise<T> =>
  (await (await fetch(`${serve.url}${path}`)).json()) as T;

async function until<T>(
  what: string | (() => string),
  withinMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `did not happen within ${withinMs / 1000} s: ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The most runs that were running at one instant, from their startedAt/finishedAt stamps. */
function maxOverlap(runs: RunSummary[]): number {
  const edges: [number, number][] = [];
  for (const run of runs) {
    edges.push([Date.parse(run.startedAt ?? ''), +1]);
    edges.push([Date.parse(run.finishedAt ?? ''), -1]);
  }
  // At the same millisecond an end comes first: the slot was free when the next one started.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of edges) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

describe('light serve triggers on real containers', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });

  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    root[Symbol.dispose]();
    await assertNoLeaksOf(scope, 30_000);
  });

  test('a per-second schedule fires runs in containers, recorded as trigger schedule, until paused', async () => {
    const tick = workflow('tick', `printf '{"ticked":true}' > .lp-output.json`, {
      triggers: [{ schedule: { cron: '* * * * * *' } }],
      concurrency: { limit: 1, onLimit: 'skip' },
    });
    const { serve } = await serveFolder('schedule', [tick]);
    try {
      const done = await until('two scheduled runs succeeded', 300_000, async () => {
        const page = await getJson<RunPage>(
          serve,
          '/api/runs?workflow=tick&trigger=schedule&status=succeeded',
        );
        return page.total >= 2 ? page.runs : undefined;
      });
      const run = await getJson<RunRecord>(serve, `/api/runs/${done[0]?.id}`);
      assert.equal(run.trigger, 'schedule');
      assert.deepEqual(run.nodes[0]?.output, { ticked: true });
      assert.ok(run.startedAt && run.startedAt >= run.createdAt);
      const manual = await getJson<RunPage>(serve, '/api/runs?trigger=manual');
      assert.equal(manual.total, 0);

      const paused = await fetch(`${serve.url}/api/schedules/tick/0/pause`, { method: 'POST' });
      assert.equal(paused.status, 200);
      // Whatever was in flight when the pause landed ends; after that nothing new is created.
      await until('no run of tick in flight', 180_000, async () => {
        const running = await getJson<RunPage>(serve, '/api/runs?workflow=tick&status=running');
        return running.total === 0 ? true : undefined;
      });
      const before = (await getJson<RunPage>(serve, '/api/runs?workflow=tick')).total;
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(
        (await getJson<RunPage>(serve, '/api/runs?workflow=tick')).total,
        before,
        'paused: no new run',
      );
      const list = await getJson<{ schedules: { paused: boolean; nextRuns: string[] }[] }>(
        serve,
        '/api/schedules',
      );
      assert.equal(list.schedules[0]?.paused, true);
      assert.equal(list.schedules[0]?.nextRuns.length, 3);
    } finally {
      await serve.stop();
    }
  });

  test('a burst of 100 signed webhook calls with limit 2, onLimit queue runs all 100, never more than 2 at once', async () => {
    const secret = 'burst-secret-41c2';
    const burst = workflow('burst', 'echo "run $(cat)"', {
      triggers: [{ webhook: { secretEnv: 'BURST_SECRET' } }],
      concurrency: { limit: 2, onLimit: 'queue' },
    });
    const { serve } = await serveFolder('burst', [burst], { BURST_SECRET: secret });
    try {
      const calls = Array.from({ length: 100 }, (_, i) => JSON.stringify({ call: i }));
      const answers = await Promise.all(
        calls.map((body) =>
          fetch(`${serve.url}/hooks/burst`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(secret, body) },
            body,
          }),
        ),
      );
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
      const ids = await Promise.all(answers.map(async (a) => ((await a.json()) as { runId: string }).runId));
      assert.equal(new Set(ids).size, 100, 'one run id per call');
      const queuedRightAfter = (await getJson<RunPage>(serve, '/api/runs?workflow=burst&status=queued'))
        .total;
      let maxQueued = queuedRightAfter;
      let maxRunning = 0;
      let left = '';
      // 100 container runs two at a time: minutes on a quiet machine, far more on a loaded one.
      const runs = await until(
        () => `all 100 runs ended (still ${left})`,
        1_800_000,
        async () => {
          const [queued, running] = await Promise.all([
            getJson<RunPage>(serve, '/api/runs?workflow=burst&status=queued'),
            getJson<RunPage>(serve, '/api/runs?workflow=burst&status=running'),
          ]);
          left = `${queued.total} queued, ${running.total} running`;
          maxQueued = Math.max(maxQueued, queued.total);
          maxRunning = Math.max(maxRunning, running.total);
          if (queued.total + running.total > 0) return undefined;
          return (await getJson<RunPage>(serve, '/api/runs?workflow=burst&limit=500')).runs;
        },
      );
      assert.equal(runs.length, 100, 'no call lost');
      assert.deepEqual(
        runs.filter((r) => r.status !== 'succeeded').map((r) => [r.id, r.status, r.error?.message]),
        [],
      );
      assert.deepEqual(new Set(runs.map((r) => r.id)), new Set(ids));
      assert.ok(runs.every((r) => r.trigger === 'webhook'));
      const overlap = maxOverlap(runs);
      console.log(
        `burst: queued right after the calls ${queuedRightAfter}, most queued seen ${maxQueued}, ` +
          `most running seen ${maxRunning}, most running at once (from the history) ${overlap}`,
      );
      assert.equal(overlap, 2, 'two at a time, never more');
      assert.ok(maxRunning <= 2);
      assert.ok(
        queuedRightAfter >= 90,
        `right after the burst most calls wait in the queue (${queuedRightAfter})`,
      );
    } finally {
      await serve.stop();
    }
  });

  test('runs queued when light serve stops are queued again after a restart and then run', async () => {
    const line = workflow(
      'line',
      `s=$(cat | sed -n 's/.*"sleep" *: *\\([0-9]*\\).*/\\1/p'); echo "sleeping \${s:-0}"; sleep "\${s:-0}"`,
      {
        concurrency: { limit: 1, onLimit: 'queue' },
        inputs: { type: 'object', properties: { sleep: { type: 'integer' } } },
      },
    );
    const { dir, serve } = await serveFolder('restart', [line]);
    const post = async (s: LightServeProc, input: unknown) => {
      const res = await fetch(`${s.url}/api/workflows/line/run?async=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      assert.equal(res.status, 202);
      return ((await res.json()) as { runId: string }).runId;
    };
    const long = await post(serve, { sleep: 300 });
    const queued = [await post(serve, { sleep: 0 }), await post(serve, { sleep: 0 })];
    await until('the long run has its container', 180_000, async () => {
      const run = await getJson<RunRecord>(serve, `/api/runs/${long}`);
      return run.nodes.length > 0 ? true : undefined;
    });
    const page = await getJson<RunPage>(serve, '/api/runs?workflow=line&status=queued');
    assert.deepEqual(new Set(page.runs.map((r) => r.id)), new Set(queued));
    await serve.stop();

    const again = await startServe(dir);
    try {
      assert.match(again.stderr(), /2 queued run\(s\) from before the restart are queued again/);
      for (const id of queued) {
        const run = await until(`run ${id} ended`, 300_000, async () => {
          const r = await getJson<RunRecord>(again, `/api/runs/${id}`);
          // Any end, so that a failure shows its status and error instead of a timeout.
          return r.status === 'queued' || r.status === 'running' ? undefined : r;
        });
        assert.deepEqual([run.status, run.error], ['succeeded', null]);
        assert.equal(run.trigger, 'manual');
        assert.ok(run.startedAt && run.startedAt > run.createdAt);
        assert.ok(run.nodes[0]?.logs.some((l) => l.line === 'sleeping 0'));
      }
      const cancelled = await getJson<RunRecord>(again, `/api/runs/${long}`);
      assert.equal(cancelled.status, 'cancelled', 'the run in flight was cancelled at shutdown');
    } finally {
      await again.stop();
    }
  });
});
