// light-run's swarm backend on a real 3-engine swarm of this machine (scripts/swarm-up.sh):
// the host engine as a drained manager, two worker engines, a local registry.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnLight } from '../../packages/process/test/support/light-bin.ts';
import type { LightRunProc } from '../support/light-run-proc.ts';
import { logText, runSync, startDetached, waitEnd } from '../support/run-api.ts';
import {
  assertNoSwarmLeftovers,
  runsOf,
  type SwarmRig,
  startSwarmLightRun,
  swarmLeftovers,
  swarmUp,
  writeWorkflow,
} from '../support/swarm.ts';
import { tempDir } from '../support/temp.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

describe('light-run --backend swarm on a 3-engine swarm', () => {
  let rig: SwarmRig;
  let lr: LightRunProc;
  const work = tempDir('swarm');

  before(async () => {
    rig = swarmUp(3);
    lr = await startSwarmLightRun(rig);
  });

  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    if (lr) await assertNoSwarmLeftovers(lr.owner);
    work[Symbol.dispose]();
  });

  /** `light <args>` against this light-run. */
  const light = (args: string[]) =>
    spawnLight(args, { env: { LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token } }).done;

  test('GET /info and light doctor name the swarm backend and its three nodes', async () => {
    const info = (await (await lr.api('/info')).json()) as {
      backend: string;
      swarm: { registry: string; nodes: { hostname: string; role: string; state: string }[] };
    };
    assert.equal(info.backend, 'swarm');
    assert.equal(info.swarm.registry, rig.registry);
    assert.deepEqual(info.swarm.nodes.map((n) => n.hostname).sort(), [rig.manager, ...rig.workers].sort());
    assert.ok(info.swarm.nodes.every((n) => n.state === 'ready'));
    const doctor = await light(['doctor']);
    assert.equal(doctor.code, 0, doctor.stderr + doctor.stdout);
    assert.match(doctor.stdout, /swarm backend, 3 of 3 swarm nodes ready/);
    for (const host of rig.workers) assert.match(doctor.stdout, new RegExp(`${host} +worker, ready, active`));
  });

  test('one run: files and stdin reach the task, logs and output come back, `node` names a worker', async () => {
    const { status, state } = await runSync(lr, {
      image: 'localhost/light-sh',
      files: {
        'in.txt': 'from the file',
        'bin/tool.sh': { content: 'echo tool ran', encoding: 'utf8', mode: 0o755 },
      },
      input: { n: 41 },
      entrypoint:
        'cat in.txt; echo; ./bin/tool.sh; cat > stdin.json; echo "{\\"got\\": $(cat stdin.json)}" > .lp-output.json; mkdir -p out; echo artefact > out/a.txt',
      extract: ['/app/.lp-output.json', '/app/out'],
    });
    assert.equal(status, 200, JSON.stringify(state));
    assert.equal(state.status, 'succeeded', JSON.stringify(state));
    const record = (await (await lr.api(`/runs/${state.id}`)).json()) as { node?: string };
    assert.ok(record.node && rig.workers.includes(record.node), `node ${record.node} is a worker`);
    const log = await logText(lr, state.id);
    assert.match(log, /from the file/);
    assert.match(log, /tool ran/);
    assert.doesNotMatch(log, /@@/, 'the output channel stays out of the log');
    const output = await (await lr.api(`/runs/${state.id}/artifacts/.lp-output.json`)).json();
    assert.deepEqual(output, { got: { n: 41 } });
    assert.equal(await (await lr.api(`/runs/${state.id}/artifacts/out/a.txt`)).text(), 'artefact\n');
  });

  test('a workflow fanning out to 12 quick nodes spreads them over both workers', async () => {
    const nodes: Record<string, { node: Record<string, unknown> }> = {};
    for (let i = 1; i <= 12; i++) {
      nodes[`n${i}`] = {
        node: {
          id: `n${i}`,
          image: 'localhost/light-sh',
          entrypoint: `echo '{"i": ${i}}' > .lp-output.json`,
        },
      };
    }
    const dir = writeWorkflow(
      join(work.path, 'fan'),
      {
        id: 'fan',
        name: 'fan-out',
        nodes: Object.keys(nodes).map((id) => ({ id, dir: id })),
        links: [],
        networkDefs: [],
        services: [],
      },
      nodes,
    );
    const before = new Set((await runsOf(lr)).map((r) => r.id));
    const result = await light(['run', dir, '--json']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const runs = (await runsOf(lr)).filter((r) => !before.has(r.id));
    assert.equal(runs.length, 12);
    assert.ok(runs.every((r) => r.status === 'succeeded'));
    const perNode = new Map<string, number>();
    for (const r of runs) perNode.set(String(r.node), (perNode.get(String(r.node)) ?? 0) + 1);
    assert.deepEqual([...perNode.keys()].sort(), [...rig.workers].sort(), JSON.stringify([...perNode]));
  });

  test('a service and two nodes talk across workers over a run-scoped overlay network', async () => {
    const fetchNode = (id: string) => ({
      node: {
        id,
        image: 'localhost/light-sh',
        networks: ['backend'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a providesEnv template, not a JS template
        providesEnv: { URL: 'http://${service:www}:8080/message.txt' },
        entrypoint:
          'for i in $(seq 1 40); do wget -q -O m.txt "$URL" && break; sleep 0.5; done; echo "{\\"message\\": \\"$(cat m.txt)\\"}" > .lp-output.json',
      },
    });
    const dir = writeWorkflow(
      join(work.path, 'svc'),
      {
        id: 'svc',
        name: 'service across nodes',
        nodes: [
          { id: 'a', dir: 'a' },
          { id: 'b', dir: 'b' },
        ],
        links: [],
        networkDefs: [{ alias: 'backend', internal: true }],
        services: [
          {
            id: 'www',
            image: 'localhost/light-sh',
            entrypoint: 'mkdir -p /srv && echo across > /srv/message.txt && httpd -f -p 8080 -h /srv',
            networks: ['backend'],
            dir: 'www',
          },
        ],
      },
      { a: fetchNode('a'), b: fetchNode('b'), www: { node: { id: 'www', image: 'localhost/light-sh' } } },
    );
    const before = new Set((await runsOf(lr)).map((r) => r.id));
    const result = await light(['run', dir, '--json']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const body = JSON.parse(result.stdout) as { results: Record<string, { output: unknown }> };
    // Both nodes fetched the message; with the runs on both workers (below), one fetched across.
    assert.deepEqual(body.results.a?.output, { message: 'across' }, JSON.stringify(body));
    assert.deepEqual(body.results.b?.output, { message: 'across' }, JSON.stringify(body));
    const runs = (await runsOf(lr)).filter((r) => !before.has(r.id));
    assert.equal(runs.length, 3, JSON.stringify(runs));
    const hosts = new Set(runs.map((r) => r.node));
    assert.equal(hosts.size, 2, `the service and the two nodes ran on both workers: ${JSON.stringify(runs)}`);
  });

  // One node (light-node), branches (light-python), a service: the other examples add no
  // backend feature and each costs tens of seconds on a shared 2-core machine.
  for (const example of ['hello', 'conditional', 'sidecar']) {
    test(`examples/${example} runs on Swarm as on the local backend`, async () => {
      const result = await light(['run', join(EXAMPLES, example), '--json']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.equal((JSON.parse(result.stdout) as { success: boolean }).success, true);
    });
  }

  test('timeout and cancel end the run and remove its service and configs', async () => {
    const { state } = await runSync(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'sleep 60',
      timeout: 1500,
    });
    assert.equal(state.status, 'timeout');
    const detached = await startDetached(lr, {
      image: 'localhost/light-sh',
      entrypoint: 'echo started; sleep 60',
    });
    // Cancel once the task is placed (a record names its node).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const r = (await (await lr.api(`/runs/${detached.id}`)).json()) as { node?: string };
      if (r.node) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal((await lr.post(`/runs/${detached.id}/cancel`)).status, 200);
    assert.equal((await waitEnd(lr, detached.id)).status, 'cancelled');
    const left = await swarmLeftovers(lr.owner);
    assert.deepEqual(left, []);
  });
});
