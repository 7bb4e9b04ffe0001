import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryRunner, type MemoryStepResult } from '../../src/adapters/memory/memory-runner.ts';
import type { WorkflowDefinition, WorkflowNode } from '../../src/definition/definitions.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import { resolveRetry, retryDelayMs } from '../../src/engine/retry-policy.ts';
import type { NodeRetryEvent } from '../../src/engine/types.ts';
import { validateWorkflow } from '../../src/validation/validate-workflow.ts';

function workflow(
  nodes: (Partial<WorkflowNode> & { id: string })[],
  extra: Partial<WorkflowDefinition> = {},
) {
  return {
    id: 'wf',
    nodes: nodes.map((n) => ({ image: 'localhost/light-sh', entrypoint: n.id, ...n })),
    links: [],
    networkDefs: [],
    services: [],
    ...extra,
  } satisfies WorkflowDefinition;
}

/** A handler that answers each call of a node with the next scripted result. */
function scripted(script: Record<string, MemoryStepResult[]>) {
  const calls: Record<string, number> = {};
  return (body: { entrypoint?: string }): MemoryStepResult => {
    const id = body.entrypoint ?? '';
    const n = calls[id] ?? 0;
    calls[id] = n + 1;
    const list = script[id] ?? [{}];
    return list[Math.min(n, list.length - 1)] as MemoryStepResult;
  };
}

const fast = { initialMs: 1, factor: 2, maxMs: 10, jitter: false };

describe('retry policy', () => {
  test('waits grow by factor from initialMs, capped by maxMs; jitter keeps them between half and all', () => {
    const policy = resolveRetry({
      retry: { attempts: 6, backoff: { initialMs: 1000, factor: 2, maxMs: 5000, jitter: false } },
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n)),
      [1000, 2000, 4000, 5000, 5000],
    );
    const jittered = resolveRetry({ retry: { attempts: 3, backoff: { initialMs: 1000 } } });
    assert.equal(jittered.jitter, true, 'jitter is on by default');
    assert.equal(
      retryDelayMs(jittered, 2, () => 0),
      1000,
    );
    assert.equal(
      retryDelayMs(jittered, 2, () => 1),
      2000,
    );
  });

  test('a node without retry falls back to defaults.retry, and a node retry wins over it', () => {
    const defaults = { retry: { attempts: 4 } };
    assert.equal(resolveRetry({}, defaults).attempts, 4);
    assert.equal(resolveRetry({ retry: { attempts: 2 } }, defaults).attempts, 2);
    assert.equal(resolveRetry({}, undefined).attempts, 1);
    assert.deepEqual([...resolveRetry({}, defaults).on].sort(), [
      'failed',
      'lost',
      'out_of_memory',
      'timeout',
    ]);
  });

  test('a bad retry policy is a validation problem naming the field', () => {
    const problems = validateWorkflow(
      workflow([{ id: 'a', retry: { attempts: 0, on: ['crashed'] } as never }]),
    );
    const paths = problems.map((p) => p.path).join(' ');
    assert.match(paths, /retry\.attempts/);
    assert.match(paths, /retry\.on/);
  });

  test('a node that fails twice then succeeds ends succeeded with 3 attempts, each attempt a new step', async () => {
    const runner = new InMemoryRunner(
      scripted({ score: [{ exitCode: 1 }, { exitCode: 1 }, { output: { ok: 1 } }] }),
    );
    const retries: NodeRetryEvent[] = [];
    const starts: number[] = [];
    const result = await executeWorkflow(
      workflow([{ id: 'score', retry: { attempts: 3, backoff: fast } }]),
      {},
      {
        runner,
        onNodeRetry: (e) => retries.push(e),
        onNodeStart: (e) => starts.push(e.attempt),
      },
    );
    assert.equal(result.success, true);
    assert.equal(result.results.score?.attempts, 3);
    assert.deepEqual(result.results.score?.output, { ok: 1 });
    assert.equal(runner.requests.length, 3);
    assert.deepEqual(starts, [1, 2, 3]);
    assert.deepEqual(
      retries.map((r) => [r.attempt, r.of, r.delayMs, r.summary, r.reason.code]),
      [
        [1, 3, 1, 'exit 1', 'NODE_FAILED'],
        [2, 3, 2, 'exit 1', 'NODE_FAILED'],
      ],
    );
  });

  test('a node that keeps failing stops after `attempts` and the workflow fails naming it', async () => {
    const runner = new InMemoryRunner(() => ({ exitCode: 2 }));
    const result = await executeWorkflow(
      workflow([{ id: 'bad', retry: { attempts: 2, backoff: fast } }]),
      {},
      { runner },
    );
    assert.equal(result.success, false);
    assert.equal(result.error?.nodeId, 'bad');
    assert.equal(result.results.bad?.attempts, 2);
    assert.equal(runner.requests.length, 2);
  });

  test('only failures listed in `on` are retried: timeout, out of memory and lost each map to their kind', async () => {
    const cases: [MemoryStepResult, string][] = [
      [{ status: 'timeout', exitCode: 137 }, 'timeout'],
      [{ exitCode: 137, error: { code: 'OUT_OF_MEMORY', message: 'killed' } }, 'out_of_memory'],
      [{ exitCode: 137, error: { code: 'CONTAINER_LOST', message: 'gone' } }, 'lost'],
      [{ exitCode: 1 }, 'failed'],
    ];
    for (const [failure, kind] of cases) {
      const listed = new InMemoryRunner(scripted({ n: [failure, { output: {} }] }));
      const ok = await executeWorkflow(
        workflow([{ id: 'n', retry: { attempts: 2, backoff: fast, on: [kind as 'failed'] } }]),
        {},
        { runner: listed },
      );
      assert.equal(ok.results.n?.attempts, 2, `${kind} is retried when listed`);
      const other = kind === 'failed' ? 'timeout' : 'failed';
      const unlisted = new InMemoryRunner(scripted({ n: [failure, { output: {} }] }));
      const ko = await executeWorkflow(
        workflow([{ id: 'n', retry: { attempts: 2, backoff: fast, on: [other as 'failed'] } }]),
        {},
        { runner: unlisted },
      );
      assert.equal(ko.results.n?.attempts, 1, `${kind} is not retried when not listed`);
      assert.equal(ko.success, false);
    }
  });

  test('an output that breaks the outputs schema is retried only when `on` includes output_invalid', async () => {
    const outputs = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const script = { n: [{ output: { n: 'x' } }, { output: { n: 1 } }] };
    const plain = await executeWorkflow(
      workflow([{ id: 'n', outputs, retry: { attempts: 3, backoff: fast } }]),
      {},
      {
        runner: new InMemoryRunner(scripted(script)),
      },
    );
    assert.equal(plain.success, false);
    assert.equal(plain.results.n?.error?.code, 'OUTPUT_INVALID');
    assert.equal(plain.results.n?.attempts, 1);
    const asked = await executeWorkflow(
      workflow([{ id: 'n', outputs, retry: { attempts: 3, backoff: fast, on: ['output_invalid'] } }]),
      {},
      { runner: new InMemoryRunner(scripted(script)) },
    );
    assert.equal(asked.success, true);
    assert.equal(asked.results.n?.attempts, 2);
  });

  test('cancelling during a backoff wait ends the node at once as cancelled, with no further attempt', async () => {
    const runner = new InMemoryRunner(() => ({ exitCode: 1 }));
    const controller = new AbortController();
    const long = { initialMs: 3_600_000, jitter: false };
    const started = Date.now();
    const result = await executeWorkflow(
      workflow([{ id: 'n', retry: { attempts: 3, backoff: long } }]),
      {},
      {
        runner,
        signal: controller.signal,
        onNodeRetry: () => controller.abort(),
      },
    );
    assert.ok(Date.now() - started < 60_000, 'did not wait out the hour');
    assert.equal(result.error?.code, 'WORKFLOW_CANCELLED');
    assert.equal(result.results.n?.status, 'cancelled');
    assert.equal(result.results.n?.attempts, 1);
    assert.equal(runner.requests.length, 1);
  });

  test('log lines carry the attempt that printed them', async () => {
    let call = 0;
    const runner = new InMemoryRunner((_body, ctx) => {
      call += 1;
      ctx.log(`try ${call}`);
      return call < 2 ? { exitCode: 1 } : { output: {} };
    });
    const lines: [string, number][] = [];
    await executeWorkflow(
      workflow([{ id: 'n', retry: { attempts: 2, backoff: fast } }]),
      {},
      {
        runner,
        onLog: (l) => lines.push([l.line, l.attempt]),
      },
    );
    assert.deepEqual(lines, [
      ['try 1', 1],
      ['try 2', 2],
    ]);
  });
});
