import type { WorkflowDefinition } from 'light-process';
import type { BenchContext } from './lib/context.ts';
import { interleave } from './lib/interleave.ts';
import { PhaseLog } from './lib/phases.ts';
import { type SectionResult, section } from './lib/report.ts';
import { withStack } from './lib/stack.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import { quickNode, sleepNode, workflow } from './lib/workflows.ts';

/** Quick nodes in the side chain: long enough that a level barrier would show. */
const CHAIN = 4;

/**
 * The DAG: root -> slow (sleep 3 s) -> end, and root -> q1 -> ... -> q4 -> end. Without a
 * level barrier the chain runs beside the sleep and the total is the critical path; with
 * one, q2..q4 would wait for the sleep and add about 3 quick nodes.
 */
function fullDag(): WorkflowDefinition {
  const qs = Array.from({ length: CHAIN }, (_, i) => `q${i + 1}`);
  const links: [string, string][] = [
    ['root', 'slow'],
    ['slow', 'end'],
    ['root', 'q1'],
    [`q${CHAIN}`, 'end'],
  ];
  for (let i = 1; i < CHAIN; i++) links.push([`q${i}`, `q${i + 1}`]);
  return workflow(
    'makespan-full',
    [quickNode('root'), sleepNode('slow', 3), ...qs.map(quickNode), quickNode('end')],
    links,
  );
}

/** The critical path alone: root -> slow -> end. */
function criticalPath(): WorkflowDefinition {
  return workflow(
    'makespan-critical',
    [quickNode('root'), sleepNode('slow', 3), quickNode('end')],
    [
      ['root', 'slow'],
      ['slow', 'end'],
    ],
  );
}

/** Section 3: makespan of the DAG against its critical path run alone, interleaved. */
export async function makespan(ctx: BenchContext): Promise<SectionResult> {
  const out = section('3-makespan', 'Makespan against the critical path (no level barrier)');
  const rounds = Math.max(3, Math.round(ctx.runs / 2));
  const got = await withStack(
    async (stack) => {
      const run = async (def: WorkflowDefinition) => {
        const t0 = nowMs();
        const r = await stack.process.executeWorkflow(def, {}, { runner: stack.client });
        if (!r.success) throw new Error(`${def.id} failed: ${JSON.stringify(r.error)}`);
        return nowMs() - t0;
      };
      return interleave(
        [
          { key: 'full', label: 'full DAG', run: () => run(fullDag()) },
          { key: 'critical', label: 'critical path alone', run: () => run(criticalPath()) },
        ],
        rounds,
        { warmup: 1, onRound: (r) => ctx.log(`makespan round ${r + 1}/${rounds}`) },
      );
    },
    { label: 'makespan' },
  );
  if ('missing' in got) {
    out.missing.push(`section 3 needs light-process and light-run: ${got.missing}`);
    return out;
  }
  const s = got.value.samples;
  out.measurements.push(
    {
      name: `full DAG (sleep 3 s beside ${CHAIN} quick nodes)`,
      unit: 'ms',
      summary: PhaseLog.summary(s.full ?? []),
    },
    { name: 'critical path alone', unit: 'ms', summary: PhaseLog.summary(s.critical ?? []) },
  );
  out.ratios.push({
    name: 'full DAG / critical path',
    ratio: pairedRatio(s.full ?? [], s.critical ?? []),
    target: { op: '<=', value: 1.1 },
  });
  for (const [k, f] of Object.entries(got.value.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  return out;
}
