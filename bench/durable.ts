import type {
  NodeCache,
  NodeCacheEntry,
  RunBody,
  RunStepOptions,
  StepOutcome,
  WorkflowDefinition,
} from 'light-process';
import type { BenchContext } from './lib/context.ts';
import { interleave } from './lib/interleave.ts';
import type { StepRunnerLike } from './lib/layers.ts';
import { PhaseLog } from './lib/phases.ts';
import { type SectionResult, section } from './lib/report.ts';
import { withStack } from './lib/stack.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import { chain } from './lib/workflows.ts';

/** Node 8 of a 10-node chain (`n1` .. `n10`), the one that fails. */
const FAILING = 'n8';

/**
 * Forwards to the real light-run client, but the first `failFirst` steps of node `FAILING`
 * run `exit 1` instead of their entrypoint: a real container that really fails. Counts steps.
 */
function faulty(inner: StepRunnerLike, failFirst: number): StepRunnerLike & { steps: string[] } {
  let failed = 0;
  const steps: string[] = [];
  // Every other call goes to the client itself (bound: it keeps private fields).
  const wrapper: StepRunnerLike & { steps: string[] } = {
    steps,
    runStep: (body: RunBody, options?: RunStepOptions): Promise<StepOutcome> => {
      const node = /--node=(\w+)/.exec(body.setup?.[0] ?? '')?.[1] ?? '?';
      steps.push(node);
      if (node === FAILING && failed < failFirst) {
        failed += 1;
        return inner.runStep({ ...body, entrypoint: 'exit 1' }, options);
      }
      return inner.runStep(body, options);
    },
    startService: (body, options) => inner.startService(body, options),
    stopService: (id, options) => inner.stopService(id, options),
    createNetwork: (name, options) => inner.createNetwork(name, options),
    deleteNetwork: (name) => inner.deleteNetwork(name),
    ...(inner.openLease ? { openLease: () => inner.openLease?.() ?? Promise.resolve(undefined) } : {}),
    ...(inner.imageId
      ? { imageId: (image: string) => inner.imageId?.(image) ?? Promise.resolve(undefined) }
      : {}),
    ...(inner.maxRequestBytes !== undefined ? { maxRequestBytes: inner.maxRequestBytes } : {}),
  };
  return wrapper;
}

/** n quick nodes in a line, each tagged (a no-op setup step) so the proxy knows which it runs. */
function tagged(n: number, id: string, retry = false): WorkflowDefinition {
  const def = chain(n);
  return {
    ...def,
    id,
    nodes: def.nodes.map((node) => ({
      ...node,
      setup: [`true --node=${node.id}`],
      ...(retry ? { retry: { attempts: 2, backoff: { initialMs: 0, jitter: false } } } : {}),
    })),
  };
}

class MapCache implements NodeCache {
  readonly entries = new Map<string, NodeCacheEntry>();
  get(key: string) {
    return this.entries.get(key);
  }
  put(entry: NodeCacheEntry) {
    this.entries.set(entry.key, entry);
  }
}

/**
 * Section 10 (issue 14): a retried node costs its extra attempt and nothing more; a resumed
 * run runs only the failed node and what follows; a cache hit costs almost nothing.
 */
export async function durable(ctx: BenchContext): Promise<SectionResult> {
  const out = section('9-durable', 'Durable execution: retry overhead, resume, cache hit');
  const rounds = Math.max(3, Math.round(ctx.runs / 3));
  let cacheRound = 0;
  const got = await withStack(
    async (stack) => {
      const { executeWorkflow } = stack.process;
      const timedRun = async (
        def: WorkflowDefinition,
        runner: StepRunnerLike,
        input: unknown = {},
        extra = {},
      ) => {
        const t0 = nowMs();
        const r = await executeWorkflow(def, input, { runner, ...extra });
        if (!r.success) throw new Error(`${def.id} failed: ${JSON.stringify(r.error)}`);
        return { ms: nowMs() - t0, r };
      };
      const cached: WorkflowDefinition = {
        ...tagged(1, 'durable-cache'),
        nodes: tagged(1, 'durable-cache').nodes.map((n) => ({ ...n, cache: { ttl: '1h' } })),
      };
      const cache = new MapCache();
      const timing = await interleave(
        [
          // The retried chain: 10 nodes, n8 fails once (a real `exit 1`) and passes on attempt 2.
          {
            key: 'retry',
            label: '10-node chain, n8 retried once',
            run: async () => (await timedRun(tagged(10, 'durable-retry', true), faulty(stack.client, 1))).ms,
          },
          // The ideal: the same work without the retry machinery, 11 container runs in a line.
          {
            key: 'ideal',
            label: '11-node chain (the same container runs)',
            run: async () => (await timedRun(tagged(11, 'durable-ideal'), stack.client)).ms,
          },
          {
            key: 'cold',
            label: 'cached node, cold (miss)',
            run: async () => {
              cacheRound += 1;
              return (await timedRun(cached, stack.client, { round: cacheRound }, { cache })).ms;
            },
          },
          {
            key: 'hit',
            label: 'cached node, hit',
            run: async () => {
              const { ms, r } = await timedRun(cached, stack.client, { round: cacheRound }, { cache });
              if (!r.results.n1?.cached) throw new Error('the second run was not a cache hit');
              return ms;
            },
          },
        ],
        rounds,
        { warmup: 1, onRound: (r) => ctx.log(`durable round ${r + 1}/${rounds}`) },
      );
      // Resume: a chain failed at n8 (no retry), then resumed: only n8, n9 and n10 run.
      const failing = faulty(stack.client, 1);
      const first = await executeWorkflow(tagged(10, 'durable-resume'), {}, { runner: failing });
      const reuse = new Map<string, Record<string, unknown>>();
      for (const [id, res] of Object.entries(first.results))
        if (res.status === 'succeeded') reuse.set(id, res.output);
      const counting = faulty(stack.client, 0);
      const resumed = await executeWorkflow(tagged(10, 'durable-resume'), {}, { runner: counting, reuse });
      return { timing, firstFailed: !first.success, resumed: resumed.success, resumedSteps: counting.steps };
    },
    { label: 'durable' },
  );
  if ('missing' in got) {
    out.missing.push(`section 10 needs light-process and light-run: ${got.missing}`);
    return out;
  }
  const s = got.value.timing.samples;
  for (const [key, name] of [
    ['retry', '10-node chain, n8 fails once then succeeds (backoff 0)'],
    ['ideal', '11-node chain (same container runs, no retry)'],
    ['cold', 'cached node, cold (miss, container runs)'],
    ['hit', 'cached node, hit (no container)'],
  ] as const)
    out.measurements.push({ name, unit: 'ms', summary: PhaseLog.summary(s[key] ?? []) });
  out.ratios.push(
    {
      name: 'retried chain / ideal',
      ratio: pairedRatio(s.retry ?? [], s.ideal ?? []),
      target: { op: '<=', value: 1.1 },
    },
    {
      name: 'cache hit / cold',
      ratio: pairedRatio(s.hit ?? [], s.cold ?? []),
      target: { op: '<=', value: 0.05 },
    },
  );
  const steps = got.value.resumedSteps;
  out.notes.push(
    `resume of a 10-node chain failed at n8: the failed run ${got.value.firstFailed ? 'failed' : 'did NOT fail'}; the resumed run ${got.value.resumed ? 'succeeded' : 'failed'} running ${steps.length} nodes (${steps.join(', ')}); target: exactly 3`,
  );
  if (steps.length !== 3) out.errors.push(`resume ran ${steps.length} nodes, not 3: ${steps.join(', ')}`);
  for (const [k, f] of Object.entries(got.value.timing.failures))
    for (const e of f) out.errors.push(`${k}: ${e}`);
  return out;
}
