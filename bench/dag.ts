import type { WorkflowDefinition } from 'light-process';
import { peakRunning } from './lib/concurrency.ts';
import type { BenchContext } from './lib/context.ts';
import { EngineEvents, epochMs } from './lib/events.ts';
import { interleave } from './lib/interleave.ts';
import { PhaseLog } from './lib/phases.ts';
import { rawLifecycle } from './lib/raw-engine.ts';
import { type SectionResult, section } from './lib/report.ts';
import { type Stack, withStack } from './lib/stack.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import { chain, fanOutIn } from './lib/workflows.ts';

/** Nodes in the chain and branches in the fan-out, as the issue asks. */
const SIZE = 20;

/** Runs a workflow, fails loudly unless every node succeeded; returns its makespan in ms. */
async function runWorkflow(stack: Stack, def: WorkflowDefinition): Promise<{ ms: number }> {
  const t0 = nowMs();
  const result = await stack.process.executeWorkflow(def, {}, { runner: stack.client });
  const ms = nowMs() - t0;
  if (!result.success) throw new Error(`${def.id} failed: ${JSON.stringify(result.error)}`);
  return { ms };
}

/** `n` engine lifecycles one after another (the serial engine cost of n nodes). */
async function serialRaw(ctx: BenchContext, n: number): Promise<number> {
  const t0 = nowMs();
  for (let i = 0; i < n; i++) await rawLifecycle(ctx.docker, ctx.network);
  return nowMs() - t0;
}

/**
 * Section 2: a 20-node chain and a 20-wide fan-out/fan-in through light-process and
 * light-run, each interleaved with the same number of raw engine lifecycles run serially.
 */
export async function dag(ctx: BenchContext): Promise<SectionResult> {
  const out = section('2-dag', `Chain of ${SIZE} and fan-out/fan-in ${SIZE} wide`);
  const size = ctx.quick ? 5 : SIZE;
  const rounds = Math.max(3, Math.round(ctx.runs / 3));
  const phases = new PhaseLog();
  const fanWindows: [number, number][] = [];
  const got = await withStack(
    async (stack) => {
      await using events = await EngineEvents.start(ctx.docker);
      const res = await interleave(
        [
          {
            key: 'chain',
            label: `chain of ${size} through light-process`,
            run: async () => (await runWorkflow(stack, chain(size))).ms,
          },
          { key: 'chainRaw', label: `${size} raw lifecycles, serial`, run: () => serialRaw(ctx, size) },
          {
            key: 'fan',
            label: `fan-out/fan-in ${size} wide through light-process`,
            run: async (measured) => {
              const s = epochMs();
              const r = await runWorkflow(stack, fanOutIn(size));
              if (measured) fanWindows.push([s, epochMs()]);
              return r.ms;
            },
          },
          { key: 'fanRaw', label: `${size + 2} raw lifecycles, serial`, run: () => serialRaw(ctx, size + 2) },
        ],
        rounds,
        { warmup: 1, onRound: (r) => ctx.log(`dag round ${r + 1}/${rounds}`) },
      );
      await events.settle(300);
      for (const [from, to] of fanWindows) {
        const containers = [...events.containersBetween(from, to).values()];
        // Mean lifecycles in flight: engine time of all containers (create..destroy) / makespan.
        let busy = 0;
        for (const evs of containers) {
          const c = evs.find((e) => e.action === 'create');
          const d = evs.find((e) => e.action === 'destroy');
          if (c && d) busy += d.timeMs - c.timeMs;
        }
        phases.add('fan', {
          containers: containers.length,
          meanLifecyclesInFlight: busy / (to - from),
          peakRunningContainers: peakRunning(containers),
          peakLifecyclesInFlight: peakRunning(containers, 'create', 'destroy'),
        });
      }
      return res;
    },
    { label: 'dag' },
  );
  if ('missing' in got) {
    out.missing.push(`sections 2 needs light-process and light-run: ${got.missing}`);
    return out;
  }
  const s = got.value.samples;
  const chainMs = s.chain ?? [];
  const chainRaw = s.chainRaw ?? [];
  out.ratios.push(
    { name: `chain${size} / ${size}x b (per-node cost vs engine)`, ratio: pairedRatio(chainMs, chainRaw) },
    {
      name: `serial ${size + 2}x b / fan${size} (speed-up)`,
      ratio: pairedRatio(s.fanRaw ?? [], s.fan ?? []),
    },
  );
  for (const [k, label] of [
    ['chain', 'chain makespan'],
    ['chainRaw', 'raw serial (chain)'],
    ['fan', 'fan makespan'],
    ['fanRaw', 'raw serial (fan)'],
  ] as const) {
    out.measurements.push({ name: label, unit: 'ms', summary: PhaseLog.summary(s[k] ?? []) });
  }
  out.measurements.push(...phases.measurements('mixed'));
  const perNode = chainMs.map((c, i) => (c - (chainRaw[i] ?? Number.NaN)) / size);
  out.measurements.push({
    name: 'chain: added per node over raw',
    unit: 'ms',
    summary: PhaseLog.summary(perNode),
  });
  out.notes.push(
    `chain: ${(PhaseLog.summary(chainMs).p50 / size).toFixed(1)} ms per node p50, of which ` +
      `${PhaseLog.summary(perNode).p50.toFixed(1)} ms on top of the raw engine lifecycle.`,
    `fan-out: mean container lifecycles in flight (sum of create..destroy / makespan) p50 ${phases
      .p50('fan.meanLifecyclesInFlight')
      .toFixed(2)}, ` +
      `peak containers running at once (start..die) p50 ${phases.p50('fan.peakRunningContainers').toFixed(0)}, ` +
      `peak lifecycles in flight (create..destroy) p50 ${phases.p50('fan.peakLifecyclesInFlight').toFixed(0)} ` +
      `(light-run's --max-concurrent default is 4; 2 cores).`,
  );
  for (const [k, f] of Object.entries(got.value.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  return out;
}
