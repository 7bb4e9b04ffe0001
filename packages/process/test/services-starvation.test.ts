import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../../../test/support/light-run-proc.ts';
import { assertNoLeaksOf, leakScope, track } from '../../../test/support/scoped-leaks.ts';
import { LightRunClient } from '../src/adapters/light-run/light-run-client.ts';
import { workflowDefinition } from '../src/definition/definitions.ts';
import { executeWorkflow } from '../src/engine/execute.ts';

const IMAGE = 'localhost/light-sh';
const scope = leakScope();
let lr: LightRunProc;

describe('services never starve nodes (real light-run with --max-concurrent 2)', () => {
  before(async () => {
    lr = track(scope, await startLightRun({ args: ['--max-concurrent', '2'] }));
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a workflow with 6 services and 3 nodes completes, and its services are stopped after it', async () => {
    const definition = workflowDefinition.parse({
      id: 'six-services',
      networkDefs: [{ alias: 'net' }],
      services: [1, 2, 3, 4, 5, 6].map((i) => ({
        id: `svc${i}`,
        image: IMAGE,
        networks: ['net'],
        entrypoint: 'sleep 300',
      })),
      nodes: [
        { id: 'first', image: IMAGE, networks: ['net'], entrypoint: 'echo \'{"n":1}\' > .lp-output.json' },
        { id: 'left', image: IMAGE, networks: ['net'], entrypoint: 'echo \'{"n":2}\' > .lp-output.json' },
        { id: 'right', image: IMAGE, networks: ['net'], entrypoint: 'echo \'{"n":3}\' > .lp-output.json' },
      ],
      links: [
        { from: 'first', to: 'left' },
        { from: 'first', to: 'right' },
      ],
    });
    const started = Date.now();
    const result = await executeWorkflow(
      definition,
      {},
      { runner: new LightRunClient({ url: lr.url, token: lr.token }), runId: 'starve', timeout: 120_000 },
    );
    assert.ok(Date.now() - started < 120_000, 'did not hang');
    assert.equal(result.success, true, JSON.stringify(result.error));
    assert.deepEqual(Object.fromEntries(Object.entries(result.results).map(([id, r]) => [id, r.output])), {
      first: { n: 1 },
      left: { n: 2 },
      right: { n: 3 },
    });
    const { runs } = (await (await lr.api('/runs?limit=1000')).json()) as { runs: { status: string }[] };
    assert.equal(runs.length, 9, 'six services and three node runs reached light-run');
    assert.deepEqual(
      runs.filter((r) => ['queued', 'running', 'paused'].includes(r.status)),
      [],
      'every service was stopped',
    );
  });
});
