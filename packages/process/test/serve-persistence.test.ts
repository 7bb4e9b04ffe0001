import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer } from '../src/faces/server/app.ts';
import { INTERRUPTED_REASON } from '../src/faces/server/recovery.ts';
import { HistoryStore } from '../src/faces/server/store/history-store.ts';
import type { RunRecord } from '../src/faces/server/store/types.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';

describe('light serve run history across restarts', () => {
  const dir = tempDir('serve-history');
  let local: LocalLightRun;

  before(async () => {
    await writeWorkflows(dir.path, [greetWorkflow]);
    local = await startLocalLightRun();
  });

  after(async () => {
    await local?.stop();
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  test('a finished run is still listed, with node results and logs, after the server restarts', async () => {
    let runId: string;
    {
      await using server = await createLightServer({ dir: dir.path, runner: local.client });
      const base = await server.listen();
      const res = await fetch(`${base}/api/workflows/greet/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Linus' }),
      });
      const run = (await res.json()) as RunRecord;
      assert.equal(run.status, 'succeeded');
      runId = run.id;
    }
    assert.ok(
      existsSync(join(dir.path, '.light', 'history.db')),
      'the default history file is under the folder',
    );

    await using server = await createLightServer({ dir: dir.path, runner: local.client });
    const base = await server.listen();
    const list = (await (await fetch(`${base}/api/runs`)).json()) as { runs: { id: string }[] };
    assert.ok(list.runs.some((r) => r.id === runId));
    const run = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as RunRecord;
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.nodes.map((n) => [n.nodeId, n.status, n.exitCode]),
      [
        ['hello', 'succeeded', 0],
        ['shout', 'succeeded', 0],
      ],
    );
    assert.deepEqual(run.nodes[0]?.output, { greeting: 'hello Linus' });
    assert.ok(run.nodes[0]?.logs.some((l) => l.line === 'hello Linus'));
  });

  test('a run left in flight is marked failed at the next start and its container and networks are cleaned up', async () => {
    const dbPath = join(dir.path, 'custom', 'history.db');
    // A previous server "crashed" mid-run: its container still runs and its network still exists.
    const container = await local.client.submit({
      image: 'localhost/light-sh',
      entrypoint: 'sleep 300',
      files: { '.keep': '' },
    });
    const network = 'lp-crashed1-net';
    await local.client.createNetwork(network);
    {
      using store = HistoryStore.open({ path: dbPath });
      store.createRun({ id: 'crashed1', workflowId: 'greet', input: { name: 'x' } });
      store.nodeStarted('crashed1', 'hello', 1);
      store.lightRunStarted('crashed1', container.id, 'step');
    }

    await using server = await createLightServer({ dir: dir.path, runner: local.client, dbPath });
    assert.deepEqual(server.recoveredRuns, ['crashed1']);
    const base = await server.listen();
    const run = (await (await fetch(`${base}/api/runs/crashed1`)).json()) as RunRecord;
    assert.equal(run.status, 'failed');
    assert.equal(run.error?.message, INTERRUPTED_REASON);
    assert.equal(run.nodes[0]?.status, 'cancelled');
    const state = await local.client.getRun(container.id);
    assert.equal(state.status, 'cancelled');
    assert.equal(await local.client.networkExists(network), false);
  });
});
