import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { startLightServe } from '../../../test/support/light-serve-proc.ts';
import { assertNoLeaksOf, leakScope, reapScope, track } from '../../../test/support/scoped-leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import type { WorkflowDefinition } from '../src/definition/definitions.ts';
import type { RunRecord } from '../src/faces/server/store/types.ts';
import { readEvents, writeWorkflows } from './serve-fixtures.ts';
import { assertLightBuilt } from './support/light-bin.ts';

// The real `light serve` bin against a real light-run: retries in the history and the event
// stream, the node cache and its route, resume after a failure and after a crash (SIGKILL).

const scope = leakScope();
const dir = tempDir('durable-serve');
scope.tempPaths.add(dir.path);
let lightRun: LightRunProc;

const out = (json: string) => `printf '%s' '${json}' > .lp-output.json`;

/** a -> b -> c; b sleeps until killed (crash test), else fails once `b` is `fail`. */
const chain = (b: string): WorkflowDefinition => ({
  id: 'chain',
  nodes: [
    { id: 'a', image: 'localhost/light-sh', entrypoint: `echo a-ran; ${out('{"a":1}')}` },
    { id: 'b', image: 'localhost/light-sh', entrypoint: b },
    { id: 'c', image: 'localhost/light-sh', entrypoint: `cat; ${out('{"c":3}')}` },
  ],
  links: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
  ],
  networkDefs: [],
  services: [],
});

const flaky: WorkflowDefinition = {
  id: 'flaky',
  nodes: [
    {
      id: 'f',
      image: 'localhost/light-sh',
      entrypoint: 'echo trying; exit 1',
      retry: { attempts: 2, backoff: { initialMs: 50, jitter: false } },
    },
  ],
  links: [],
  networkDefs: [],
  services: [],
};

const memo: WorkflowDefinition = {
  id: 'memo',
  nodes: [
    { id: 'm', image: 'localhost/light-sh', entrypoint: `cat; ${out('{"m":1}')}`, cache: { ttl: '1h' } },
  ],
  links: [],
  networkDefs: [],
  services: [],
};

before(async () => {
  assertLightBuilt();
  lightRun = track(scope, await startLightRun());
  await writeWorkflows(dir.path, [chain('sleep 600'), flaky, memo]);
});
after(async () => {
  await lightRun?.[Symbol.asyncDispose]();
  dir[Symbol.dispose]();
  try {
    await assertNoLeaksOf(scope);
  } finally {
    await reapScope(scope);
  }
});

async function post(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
}

async function waitRun(base: string, id: string, until: (r: RunRecord) => boolean): Promise<RunRecord> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const run = (await (await fetch(`${base}/api/runs/${id}`)).json()) as RunRecord;
    if (until(run)) return run;
    if (run.status !== 'running')
      throw new Error(`run ${id} ended before that: ${JSON.stringify(run.error)}`);
    if (Date.now() > deadline) throw new Error(`run ${id} did not get there: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('durable execution in light serve', () => {
  test('retries: the history counts attempts, log lines carry theirs, the events include node-retrying', async () => {
    await using serve = await startLightServe({ dir: dir.path, lightRun });
    scope.pids.add(serve.pid);
    const run = (await (await post(serve.url, '/api/workflows/flaky/run')).json()) as RunRecord;
    assert.equal(run.status, 'failed');
    const node = run.nodes[0];
    assert.equal(node?.attempts, 2);
    assert.deepEqual(
      node?.logs.filter((l) => l.line === 'trying').map((l) => l.attempt),
      [1, 2],
    );
    const events = await readEvents(await fetch(`${serve.url}/api/runs/${run.id}/events`));
    const retrying = events.filter((e) => e.type === 'node-retrying');
    assert.equal(retrying.length, 1);
    assert.equal(retrying[0]?.attempt, 1);
    assert.equal(retrying[0]?.of, 2);
    assert.equal(retrying[0]?.delayMs, 50);
    assert.equal((retrying[0]?.reason as { code: string } | undefined)?.code, 'NODE_FAILED');
  });

  test('cache: the second run is a hit (cached, no container); GET lists it, DELETE clears it, the next run misses', async () => {
    await using serve = await startLightServe({ dir: dir.path, lightRun });
    scope.pids.add(serve.pid);
    const first = (await (await post(serve.url, '/api/workflows/memo/run', { k: 1 })).json()) as RunRecord;
    assert.equal(first.nodes[0]?.cached, false);
    const second = (await (await post(serve.url, '/api/workflows/memo/run', { k: 1 })).json()) as RunRecord;
    assert.equal(second.nodes[0]?.cached, true);
    assert.equal(second.nodes[0]?.lightRunId, null, 'no container started');
    assert.deepEqual(second.nodes[0]?.output, { m: 1 });
    const list = (await (await fetch(`${serve.url}/api/cache?workflow=memo`)).json()) as {
      entries: { nodeId: string; expired: boolean }[];
    };
    assert.deepEqual(
      list.entries.map((e) => [e.nodeId, e.expired]),
      [['m', false]],
    );
    const cleared = await fetch(`${serve.url}/api/cache?workflow=memo`, { method: 'DELETE' });
    assert.deepEqual(await cleared.json(), { deleted: 1 });
    const third = (await (await post(serve.url, '/api/workflows/memo/run', { k: 1 })).json()) as RunRecord;
    assert.equal(third.nodes[0]?.cached, false);
  });

  test('resume after a crash of light serve: a reused, b and c run; a changed upstream node refuses with 409 naming it', async () => {
    let runId: string;
    {
      const serve = await startLightServe({ dir: dir.path, lightRun });
      scope.pids.add(serve.pid);
      try {
        const accepted = (await (await post(serve.url, '/api/workflows/chain/run?async=1')).json()) as {
          runId: string;
        };
        runId = accepted.runId;
        await waitRun(serve.url, runId, (r) =>
          r.nodes.some((n) => n.nodeId === 'b' && n.status === 'running'),
        );
        serve.child.kill('SIGKILL');
      } finally {
        await serve.stop();
      }
    }
    // The fix goes into the node that did not finish; its change does not refuse the resume.
    const fixed = chain(`cat; ${out('{"b":2}')}`).nodes[1];
    writeFileSync(join(dir.path, 'chain', 'b', '.node.json'), JSON.stringify(fixed));
    await using serve = await startLightServe({ dir: dir.path, lightRun });
    scope.pids.add(serve.pid);
    const interrupted = await waitRun(serve.url, runId, () => true);
    assert.equal(interrupted.status, 'failed');
    assert.equal(interrupted.error?.code, 'INTERRUPTED');

    const res = await post(serve.url, `/api/runs/${runId}/resume`);
    assert.equal(res.status, 202);
    const resumed = (await res.json()) as { runId: string; resumedFrom: string };
    assert.equal(resumed.resumedFrom, runId);
    const done = await waitRun(serve.url, resumed.runId, (r) => r.status !== 'running');
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.resumedFrom, runId);
    const byId = Object.fromEntries(done.nodes.map((n) => [n.nodeId, n]));
    assert.equal(byId.a?.attempts, 0, 'a was reused, not run');
    assert.equal(byId.a?.lightRunId, null);
    assert.deepEqual(byId.a?.output, { a: 1 });
    assert.equal(byId.b?.attempts, 1);
    assert.deepEqual(byId.c?.output, { c: 3 });

    const again = await post(serve.url, `/api/runs/${resumed.runId}/resume`);
    assert.equal(again.status, 409, 'a succeeded run is not resumable');

    // a changes (served definition replaced): the interrupted run's recorded output of a is meaningless now.
    const changed = chain(`cat; ${out('{"b":2}')}`);
    changed.nodes[0] = {
      ...(changed.nodes[0] as (typeof changed.nodes)[number]),
      entrypoint: `${out('{"a":9}')}`,
    };
    const put = await fetch(`${serve.url}/api/workflows/chain`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(changed),
    });
    assert.equal(put.status, 200, await put.clone().text());
    const refused = await post(serve.url, `/api/runs/${runId}/resume`);
    assert.equal(refused.status, 409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'NOT_RESUMABLE');
    assert.match(body.error.message, /node "a" changed/);
  });
});
