import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { containersGone } from '../../../test/support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../../../test/support/scoped-leaks.ts';
import { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { type WorkflowDefinition, workflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { ExecuteOptions, WorkflowResult } from '../src/engine/types.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
let lr: LightRunProc;

/** A node running `entrypoint` on a run-scoped network, next to a sleeping service. */
function workflow(id: string, entrypoint: string): WorkflowDefinition {
  return workflowDefinition.parse({
    id,
    networkDefs: [{ alias: 'net' }],
    services: [{ id: 'svc', image: IMAGE, networks: ['net'], entrypoint: 'sleep 300' }],
    nodes: [{ id: 'n', image: IMAGE, networks: ['net'], entrypoint }],
  });
}

/** A client of `url` (the proxy) whose warnings are kept instead of printed. */
function clientOf(url: string, warnings: string[] = [], leaseTtlMs?: number): LightRunClient {
  return new LightRunClient({
    url,
    token: lr.token,
    onWarning: (m) => warnings.push(m),
    ...(leaseTtlMs ? { leaseTtlMs } : {}),
  });
}

/** Runs of light-run that are still queued, running or paused. */
async function activeRuns(): Promise<{ id: string; status: string }[]> {
  const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as {
    runs: { id: string; status: string }[];
  };
  return runs.filter((r) => ['queued', 'running', 'paused'].includes(r.status));
}

/** The run-scoped network of `runId` when it still exists (asked of light-run directly). */
async function networksOf(runId: string): Promise<string[]> {
  const name = `lp-${runId}-net`;
  const direct = new LightRunClient({ url: lr.url, token: lr.token });
  return (await direct.networkExists(name)) ? [name] : [];
}

/** Within `withinMs`: no container of the workflow's runs, no active run, no network of it. */
async function nothingLeftWithin(result: WorkflowResult, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  const ids = Object.values(result.results).flatMap((r) => (r.runId ? [r.runId] : []));
  for (const id of ids) await containersGone(id, Math.max(0, deadline - Date.now()));
  for (;;) {
    const [runs, networks] = await Promise.all([activeRuns(), networksOf(result.runId)]);
    if (runs.length === 0 && networks.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`left after ${withinMs} ms: runs ${JSON.stringify(runs)}, networks ${networks}`);
    await sleep(100);
  }
}

describe('cancellation reaches every container at every moment (real light-run behind a TCP proxy)', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('an abort while the node POST /run is still uploading cancels that run once light-run answers: gone within 5 s', async () => {
    await using proxy = await startTcpProxy(lr.url);
    const controller = new AbortController();
    const held = proxy.holdFrom('node-marker');
    const running = executeWorkflow(
      workflow('mid-submit', 'echo node-marker; sleep 300'),
      {},
      { runner: clientOf(proxy.url), runId: 'midsubmit', signal: controller.signal },
    );
    await held;
    controller.abort();
    // The upload goes on after the abort: the run is created on light-run only now.
    await sleep(300);
    proxy.release();
    const releasedAt = Date.now();
    const result = await running;
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    const runId = result.results.n?.runId;
    assert.ok(runId, 'the node run reached light-run and its id is known');
    await nothingLeftWithin(result, 5_000 - (Date.now() - releasedAt));
    const state = (await (await lr.api(`/runs/${runId}`)).json()) as { status: string };
    assert.equal(state.status, 'cancelled');
  });

  test('an abort while a service POST /run is still uploading stops that service once light-run answers: gone within 5 s', async () => {
    await using proxy = await startTcpProxy(lr.url);
    const controller = new AbortController();
    const held = proxy.holdFrom('svc-marker');
    const definition = workflowDefinition.parse({
      id: 'svc-submit',
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'svc', image: IMAGE, networks: ['net'], entrypoint: 'echo svc-marker; sleep 300' }],
      nodes: [{ id: 'n', image: IMAGE, networks: ['net'], entrypoint: 'sleep 300' }],
    });
    const running = executeWorkflow(
      definition,
      {},
      { runner: clientOf(proxy.url), runId: 'svcsubmit', signal: controller.signal },
    );
    await held;
    controller.abort();
    await sleep(300);
    proxy.release();
    const releasedAt = Date.now();
    const result = await running;
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.n?.runId, undefined, 'no node started');
    await nothingLeftWithin(result, 5_000 - (Date.now() - releasedAt));
    const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as {
      runs: { image: string; status: string; createdAt: string }[];
    };
    assert.ok(
      runs.some((r) => r.status === 'cancelled' && new Date(r.createdAt).getTime() >= releasedAt - 5_000),
      'the service reached light-run and was ended',
    );
  });

  test('an abort while the node runs ends its container, the service and the network within 5 s', async () => {
    await using proxy = await startTcpProxy(lr.url);
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await executeWorkflow(
      workflow('running', 'echo up; sleep 300'),
      {},
      {
        runner: clientOf(proxy.url),
        runId: 'running',
        signal: controller.signal,
        onLog: ({ line }) => {
          if (line === 'up' && !abortedAt) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
      },
    );
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.n?.status, 'cancelled');
    await nothingLeftWithin(result, 5_000 - (Date.now() - abortedAt));
  });

  test('an abort while a large output artifact downloads stops the download and leaves nothing within 5 s', async () => {
    await using proxy = await startTcpProxy(lr.url);
    const controller = new AbortController();
    const held = proxy.holdFrom('/artifacts/');
    // Over the 1 MiB a stream's end line inlines: this output is downloaded from the artifact route.
    const big = `{ printf '{"done":true,"pad":"'; head -c 1200000 /dev/zero | tr '\\0' a; printf '"}'; } > .lp-output.json`;
    const running = executeWorkflow(
      workflow('outputs', big),
      {},
      { runner: clientOf(proxy.url), runId: 'outputs', signal: controller.signal },
    );
    await held;
    controller.abort();
    const abortedAt = Date.now();
    const result = await running;
    assert.ok(Date.now() - abortedAt < 5_000, 'the workflow did not wait for the held download');
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.n?.status, 'cancelled');
    proxy.release();
    await nothingLeftWithin(result, 5_000 - (Date.now() - abortedAt));
  });

  test('an abort during teardown (service stop in flight) still leaves nothing within 5 s', async () => {
    await using proxy = await startTcpProxy(lr.url);
    const controller = new AbortController();
    const held = proxy.holdFrom('/stop');
    const running = executeWorkflow(
      workflow('teardown', 'echo ok'),
      {},
      { runner: clientOf(proxy.url), runId: 'teardown', signal: controller.signal },
    );
    await held;
    controller.abort();
    proxy.release();
    const abortedAt = Date.now();
    const result = await running;
    assert.equal(result.results.n?.status, 'succeeded');
    await nothingLeftWithin(result, 5_000 - (Date.now() - abortedAt));
  });

  test('the link to light-run dropping for 1.5 s while a node runs: the client re-attaches and the node succeeds', async () => {
    await using proxy = await startTcpProxy(lr.url);
    let dropped = false;
    const options: ExecuteOptions = {
      runner: clientOf(proxy.url),
      runId: 'reattach',
      onLog: ({ line }) => {
        if (line === 'up' && !dropped) {
          dropped = true;
          void proxy.drop().then(async () => {
            await sleep(1_500);
            await proxy.restore();
          });
        }
      },
    };
    const result = await executeWorkflow(
      workflow('reattach', 'echo up; sleep 4; echo \'{"after":"drop"}\' > .lp-output.json'),
      {},
      options,
    );
    assert.ok(dropped, 'the link was cut while the node ran');
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(result.results.n?.output, { after: 'drop' });
    await nothingLeftWithin(result, 5_000);
  });

  test('the link to light-run lost for good while a node runs: the workflow fails naming the URL and the lease ends the run', async () => {
    const proxy: TcpProxy = await startTcpProxy(lr.url);
    const warnings: string[] = [];
    let cutAt = 0;
    const result = await executeWorkflow(
      workflow('lost', 'echo up; sleep 300'),
      {},
      {
        runner: clientOf(proxy.url, warnings, 3_000),
        runId: 'lost',
        onLog: ({ line }) => {
          if (line === 'up' && !cutAt) {
            cutAt = Date.now();
            void proxy.drop();
          }
        },
      },
    );
    assert.ok(cutAt > 0, 'the node ran');
    assert.equal(result.success, false);
    assert.match(result.error?.message ?? '', new RegExp(`cannot reach light-run at ${proxy.url}`));
    // Nobody can reach light-run through the proxy any more: the lease, no longer renewed, ends it all.
    await nothingLeftWithin(result, 20_000);
    assert.deepEqual(
      warnings.filter((w) => w.includes('has no leases')),
      [],
      'light-run supports leases',
    );
  });
});
