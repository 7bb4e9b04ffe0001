import type { WorkflowDefinition } from 'light-process';
import type { BenchContext } from './lib/context.ts';
import { InstantRunner } from './lib/instant-runner.ts';
import { interleave, type Variant } from './lib/interleave.ts';
import { loadProcess } from './lib/layers.ts';
import { PhaseLog } from './lib/phases.ts';
import { type SectionResult, section } from './lib/report.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import { workflow } from './lib/workflows.ts';

type Shape = 'chain' | 'fan' | 'random';

/** A pseudo-random generator with a fixed seed, so every run schedules the same DAG. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A DAG of `n` nodes that never run a container (the runner answers at once). */
export function shapedDag(shape: Shape, n: number): WorkflowDefinition {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes = ids.map((id) => ({ id, image: 'localhost/light-sh', entrypoint: 'true' }));
  const links: [string, string][] = [];
  if (shape === 'chain') for (let i = 1; i < n; i++) links.push([`n${i - 1}`, `n${i}`]);
  if (shape === 'fan') {
    for (let i = 1; i < n - 1; i++) links.push(['n0', `n${i}`], [`n${i}`, `n${n - 1}`]);
  }
  if (shape === 'random') {
    // About 3 incoming links per node, each from an earlier node (so the graph stays acyclic).
    const rand = prng(42);
    for (let i = 1; i < n; i++) {
      const from = new Set<number>();
      const want = Math.min(i, 1 + Math.floor(rand() * 5));
      while (from.size < want) from.add(Math.floor(rand() * i));
      for (const f of from) links.push([`n${f}`, `n${i}`]);
    }
  }
  return workflow(`${shape}-${n}`, nodes, links);
}

/**
 * Section 4: executeWorkflow over 1,000..10,000-node DAGs with a runner that returns at
 * once: microseconds per node, and how that grows from the smallest to the largest size.
 */
export async function scheduler(ctx: BenchContext): Promise<SectionResult> {
  const out = section('4-scheduler', 'Scheduler cost alone (instant runner)');
  const proc = await loadProcess();
  if (typeof proc === 'string') {
    out.missing.push(`section 4 needs light-process: ${proc}`);
    return out;
  }
  const sizes = ctx.quick ? [100, 1000] : [1000, 2000, 5000, 10000];
  const shapes: Shape[] = ['chain', 'fan', 'random'];
  const rounds = ctx.quick ? 2 : Math.max(5, Math.round(ctx.runs / 2));
  const phases = new PhaseLog();
  const variants: Variant[] = [];
  for (const shape of shapes) {
    for (const n of sizes) {
      const def = shapedDag(shape, n);
      variants.push({
        key: `${shape}-${n}`,
        label: `${shape}, ${n} nodes`,
        run: async (measured) => {
          const runner = new InstantRunner();
          const t0 = nowMs();
          const r = await proc.executeWorkflow(def, {}, { runner });
          const ms = nowMs() - t0;
          if (!r.success) throw new Error(`${def.id} failed: ${JSON.stringify(r.error)}`);
          if (runner.steps !== n) throw new Error(`${def.id}: ${runner.steps} steps ran, expected ${n}`);
          if (measured) phases.add(`${shape}-${n}`, { usPerNode: (ms * 1000) / n, links: def.links.length });
          return (ms * 1000) / n;
        },
      });
    }
  }
  const res = await interleave(variants, rounds, {
    warmup: 1,
    onRound: (r) => ctx.log(`scheduler round ${r + 1}/${rounds}`),
  });
  const lo = sizes[0] ?? 0;
  const hi = sizes[sizes.length - 1] ?? 0;
  for (const shape of shapes) {
    for (const n of sizes) {
      out.measurements.push({
        name: `${shape}, ${n} nodes (${phases.p50(`${shape}-${n}.links`)} links)`,
        unit: 'us/node',
        summary: PhaseLog.summary(res.samples[`${shape}-${n}`] ?? []),
      });
    }
    out.ratios.push({
      name: `${shape}: us/node at ${hi} / at ${lo}`,
      ratio: pairedRatio(res.samples[`${shape}-${hi}`] ?? [], res.samples[`${shape}-${lo}`] ?? []),
      target: { op: '<=', value: 2 },
    });
  }
  out.notes.push(
    'near-linear means the cost per node stays flat as the DAG grows: the ratio of us/node at the largest ' +
      'size to the smallest is ~1 for O(n+links), ~10 for O(n^2). Target used here: <= 2.',
    'includes validation (assertValidWorkflow), run scope and result assembly: all of executeWorkflow but the containers.',
  );
  for (const [k, f] of Object.entries(res.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  return out;
}
