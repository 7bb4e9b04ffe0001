import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks, listLeftovers } from '../../../test/support/leaks.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import type { WorkflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';
import type { WorkflowResult } from '../src/engine/types.ts';

/** Two sleeping nodes on a run-scoped network, next to a sleeping service. */
function sleepers(): WorkflowDefinition {
  return {
    id: 'sleepers',
    nodes: ['a', 'b'].map((id) => ({
      id,
      image: 'localhost/light-sh',
      networks: ['net'],
      entrypoint: 'echo up; sleep 300',
    })),
    links: [],
    networkDefs: [{ alias: 'net' }],
    services: [{ id: 'svc', image: 'localhost/light-sh', networks: ['net'], entrypoint: 'sleep 300' }],
  };
}

/** The light-run ids of the workflow's runs that still have a container. */
async function containersOf(result: WorkflowResult): Promise<string[]> {
  const ids = Object.values(result.results).flatMap((r) => (r.runId ? [r.runId] : []));
  const left = await listLeftovers();
  return left.containers.filter((name) => ids.some((id) => name.includes(id)));
}

let local: LocalLightRun;

describe('cancellation and workflow timeout (real light-run)', () => {
  before(async () => {
    local = await startLocalLightRun();
  });
  after(async () => {
    await local?.stop();
    await assertNoLeaks();
  });

  test('aborting the signal cancels every in-flight run, stops the service and deletes the network promptly', async () => {
    const controller = new AbortController();
    const up = new Set<string>();
    const started = Date.now();
    const result = await executeWorkflow(
      sleepers(),
      {},
      {
        runner: local.client,
        runId: 'cancel1',
        signal: controller.signal,
        onLog: ({ nodeId, line }) => {
          if (line === 'up') up.add(nodeId);
          if (up.size === 2) controller.abort();
        },
      },
    );
    assert.ok(Date.now() - started < 60_000, 'did not hang');
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.a?.status, 'cancelled');
    assert.equal(result.results.b?.status, 'cancelled');
    for (const id of [result.results.a?.runId, result.results.b?.runId]) {
      assert.equal((await local.client.getRun(id as string)).status, 'cancelled');
    }
    assert.deepEqual(await containersOf(result), []);
    assert.equal(await local.client.networkExists('lp-cancel1-net'), false);
    assert.deepEqual(result.teardownErrors, undefined);
  });

  test('a workflow timeout cancels the running nodes and tears the run scope down', async () => {
    const started = Date.now();
    const result = await executeWorkflow(
      sleepers(),
      {},
      { runner: local.client, runId: 'timeout1', timeout: 3000 },
    );
    assert.ok(Date.now() - started < 60_000, 'did not hang');
    assert.equal(result.error?.code, 'WORKFLOW_TIMEOUT');
    assert.equal(result.results.a?.status, 'cancelled');
    assert.deepEqual(await containersOf(result), []);
    assert.equal(await local.client.networkExists('lp-timeout1-net'), false);
  });

  test('a failed node cancels its running sibling and the result names it with exit code and last logs', async () => {
    const wf: WorkflowDefinition = {
      id: 'fail',
      nodes: [
        { id: 'long', image: 'localhost/light-sh', entrypoint: 'sleep 300' },
        {
          id: 'bad',
          image: 'localhost/light-sh',
          entrypoint: 'sleep 1; echo checking; echo "disk full" >&2; exit 3',
        },
      ],
      links: [],
      networkDefs: [],
      services: [],
    };
    const result = await executeWorkflow(wf, {}, { runner: local.client });
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'bad');
    assert.equal(result.error?.exitCode, 3);
    // stdout and stderr are separate streams: their relative order is not part of the contract.
    assert.match(result.error?.message ?? '', /^node "bad" failed with exit code 3\nlast log lines:\n/);
    assert.deepEqual(result.error?.logs?.sort(), ['checking', 'disk full']);
    assert.equal(result.results.long?.status, 'cancelled');
    assert.deepEqual(await containersOf(result), []);
  });
});
