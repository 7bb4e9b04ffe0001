import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryRunner, type MemoryStepContext } from '../../src/adapters/memory/memory-runner.ts';
import type { LinkDefinition, WorkflowDefinition, WorkflowNode } from '../../src/definition/definitions.ts';
import { LightProcessError } from '../../src/definition/errors.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';

function workflow(
  nodes: (Partial<WorkflowNode> & { id: string })[],
  links: LinkDefinition[] = [],
  extra: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return {
    id: 'wf',
    nodes: nodes.map((n) => ({ image: 'localhost/light-sh', entrypoint: n.id, ...n })),
    links,
    networkDefs: [],
    services: [],
    ...extra,
  };
}

/** Resolves when the step is cancelled; the step then never finishes on its own. */
function untilCancelled(ctx: MemoryStepContext): Promise<never> {
  return new Promise((_resolve, reject) =>
    ctx.signal.addEventListener('abort', () => reject(new Error('cancelled'))),
  );
}

describe('executor', () => {
  test('an input that does not match a node inputs schema fails that node, naming it and the path', async () => {
    const runner = new InMemoryRunner(() => ({ output: { total: 1 } }));
    const wf = workflow([
      { id: 'score', inputs: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } },
    ]);
    const result = await executeWorkflow(wf, { n: 'x' }, { runner });
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'score');
    assert.match(result.error?.message ?? '', /node "score": input \/n must be number/);
    assert.deepEqual(runner.requests, [], 'the node never ran');
  });

  test('an output that does not match the outputs schema fails the node, naming it and the path', async () => {
    const runner = new InMemoryRunner(() => ({ output: { total: 'many' } }));
    const wf = workflow([
      { id: 'score', outputs: { type: 'object', properties: { total: { type: 'number' } } } },
    ]);
    const result = await executeWorkflow(wf, {}, { runner });
    assert.equal(result.success, false);
    assert.match(result.error?.message ?? '', /node "score": output \/total must be number/);
    assert.equal(result.results.score?.error?.code, 'OUTPUT_INVALID');
  });

  test('a failed node stops the workflow, cancels running nodes and names node, exit code and last logs', async () => {
    const runner = new InMemoryRunner(async (body, ctx) => {
      if (body.entrypoint === 'long') return untilCancelled(ctx);
      if (body.entrypoint === 'bad') {
        await new Promise((r) => setTimeout(r, 20));
        for (let i = 1; i <= 12; i++) ctx.log(`line ${i}`);
        ctx.log('boom', 'stderr');
        return { exitCode: 3 };
      }
      return { output: {} };
    });
    const wf = workflow(
      [{ id: 'a' }, { id: 'long' }, { id: 'bad' }, { id: 'after-bad' }],
      [
        { from: 'a', to: 'long' },
        { from: 'a', to: 'bad' },
        { from: 'bad', to: 'after-bad' },
      ],
    );
    const result = await executeWorkflow(wf, {}, { runner });
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'NODE_FAILED');
    assert.equal(result.error?.nodeId, 'bad');
    assert.equal(result.error?.exitCode, 3);
    assert.match(result.error?.message ?? '', /node "bad" failed with exit code 3/);
    assert.match(result.error?.message ?? '', /line 12\n {2}boom/);
    assert.equal(result.error?.logs?.length, 10);
    assert.equal(result.results.long?.status, 'cancelled');
    assert.equal(result.results['after-bad']?.status, 'cancelled');
    assert.equal(result.results['after-bad']?.error?.code, 'NOT_STARTED');
    assert.ok(!runner.events.includes('start:after-bad'));
  });

  test("onFailure 'finish' lets running nodes finish after a failure", async () => {
    const runner = new InMemoryRunner(async (body) => {
      if (body.entrypoint === 'bad') return { exitCode: 1 };
      await new Promise((r) => setTimeout(r, 30));
      return { output: { fine: true } };
    });
    const result = await executeWorkflow(
      workflow([{ id: 'bad' }, { id: 'slow' }]),
      {},
      { runner, onFailure: 'finish' },
    );
    assert.equal(result.success, false);
    assert.equal(result.results.slow?.status, 'succeeded');
  });

  test('an AbortSignal cancels in-flight runs, then stops services before deleting networks', async () => {
    const controller = new AbortController();
    const runner = new InMemoryRunner((body, ctx) => {
      if (body.entrypoint === 'long') setTimeout(() => controller.abort(), 10);
      return untilCancelled(ctx);
    });
    const wf = workflow([{ id: 'long', networks: ['net'] }, { id: 'other' }], [], {
      networkDefs: [{ alias: 'net' }],
      services: [{ id: 'proxy', image: 'localhost/light-sh', networks: ['net'] }],
    });
    const result = await executeWorkflow(wf, {}, { runner, signal: controller.signal, runId: 'r1' });
    assert.equal(result.success, false);
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.long?.status, 'cancelled');
    assert.equal(result.results.other?.status, 'cancelled');
    const e = runner.events;
    assert.deepEqual(e.slice(0, 2), ['network+:lp-r1-net', 'service+:mem-svc-1']);
    assert.deepEqual(e.slice(-2), ['service-:mem-svc-1', 'network-:lp-r1-net']);
    assert.equal(runner.networks.size, 0);
    assert.equal(runner.services.size, 0);
  });

  test('the workflow timeout cancels running nodes and reports WORKFLOW_TIMEOUT', async () => {
    const runner = new InMemoryRunner((_body, ctx) => untilCancelled(ctx));
    const result = await executeWorkflow(workflow([{ id: 'forever' }]), {}, { runner, timeout: 50 });
    assert.equal(result.error?.code, 'WORKFLOW_TIMEOUT');
    assert.equal(result.results.forever?.status, 'cancelled');
  });

  test('a missing environment variable is an error naming node and variable before anything runs', async () => {
    const runner = new InMemoryRunner(() => ({ output: {} }));
    const wf = workflow([{ id: 'needs-key', env: ['API_KEY'] }]);
    await assert.rejects(executeWorkflow(wf, {}, { runner, env: {} }), (error: unknown) => {
      assert.ok(error instanceof LightProcessError);
      assert.equal(error.code, 'ENV_MISSING');
      assert.match(error.message, /node "needs-key" needs API_KEY/);
      return true;
    });
    assert.deepEqual(runner.events, []);
  });

  test('an invalid workflow is rejected before any network, service or node starts', async () => {
    const runner = new InMemoryRunner(() => ({ output: {} }));
    const wf = workflow(
      [{ id: 'a' }, { id: 'b' }],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    );
    await assert.rejects(executeWorkflow(wf, {}, { runner }), { code: 'WORKFLOW_INVALID' });
    assert.deepEqual(runner.events, []);
  });

  test('node fields map to the light-run request: networks rewritten, env and providesEnv resolved', async () => {
    const runner = new InMemoryRunner(() => ({ output: 'not an object' }));
    const wf = workflow(
      [
        {
          id: 'n',
          setup: ['echo hi'],
          timeout: 5000,
          networks: ['net', 'bridge'],
          workdir: '/work',
          env: ['TOKEN'],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a providesEnv template, not a JS template
          providesEnv: { PROXY: 'http://${service:proxy}:8080' },
          files: { 'main.sh': 'echo' },
        },
        { id: 'plain', timeout: 0, workdir: '/app' },
        { id: 'explicit-default', networks: [] },
      ],
      [],
      {
        networkDefs: [{ alias: 'net', internal: true }],
        services: [{ id: 'proxy', image: 'localhost/light-sh' }],
        defaults: { networks: ['net'] },
      },
    );
    const result = await executeWorkflow(wf, { q: 1 }, { runner, runId: 'abc', env: { TOKEN: 't0k' } });
    assert.equal(result.success, true);
    const byEntry = new Map(runner.requests.map((r) => [r.entrypoint, r]));
    assert.deepEqual(byEntry.get('n'), {
      image: 'localhost/light-sh',
      files: { 'main.sh': 'echo' },
      input: { q: 1 },
      entrypoint: 'n',
      setup: ['echo hi'],
      timeout: 5000,
      networks: ['lp-abc-net', 'bridge'],
      workdir: '/work',
      env: { TOKEN: 't0k', PROXY: 'http://mem-svc-1:8080' },
      extract: ['/work/.lp-output.json'],
    });
    assert.deepEqual(byEntry.get('plain'), {
      image: 'localhost/light-sh',
      files: { '.lp-node': '' },
      input: { q: 1 },
      entrypoint: 'plain',
      networks: ['lp-abc-net'],
      extract: ['/app/.lp-output.json'],
    });
    assert.equal(byEntry.get('explicit-default')?.networks, undefined);
    assert.deepEqual(result.results.n?.output, {}, 'a non-object output becomes {}');
  });
});
