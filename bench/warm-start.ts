import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './lib/context.ts';
import { interleave, type Variant } from './lib/interleave.ts';
import { loadRunner } from './lib/layers.ts';
import { PhaseLog } from './lib/phases.ts';
import { rawLifecycle } from './lib/raw-engine.ts';
import { type SectionResult, section } from './lib/report.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import {
  checkStepOutput,
  STEP_IMAGE,
  STEP_INPUT,
  STEP_OUTPUT,
  STEP_WORKDIR,
  stepScript,
} from './lib/step.ts';
import { benchTempDir } from './lib/temp.ts';
import { WarmPool } from './lib/warm-pool.ts';

/** Pool size per mode: enough that a request never waits for a refill at this pace. */
const POOL_SIZE = 2;

/**
 * Section 7, potential first: the raw Engine API cold (create on demand, = variant b)
 * against containers prepared ahead (created-not-started, or started and parked on stdin),
 * all with the same hardened spec, interleaved. Reports p50 ratios against (b).
 */
export async function warmStart(ctx: BenchContext): Promise<SectionResult> {
  const out = section('7-warm-start', 'Warm start potential (raw Engine API)');
  const phases = new PhaseLog();
  await using created = new WarmPool(ctx.docker, 'created', POOL_SIZE);
  await using started = new WarmPool(ctx.docker, 'started', POOL_SIZE);
  await Promise.all([created.fill(), started.fill()]);
  const runnerVariants: Variant[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const runnerMod = await loadRunner();
  if (typeof runnerMod === 'string') out.missing.push(`light-runner variants: ${runnerMod}`);
  else {
    // light-runner cold (= section 1's c) and light-runner with its warmPool option, same step.
    for (const [key, label, pooled] of [
      ['rc', 'light-runner, cold', false],
      ['rp', 'light-runner, warmPool (size 2)', true],
    ] as const) {
      const dir = benchTempDir(`warm-${key}`);
      const runner = new runnerMod.DockerRunner({
        docker: ctx.docker,
        stateDir: join(dir, 'state'),
        artifactsDir: join(dir, 'artifacts'),
        owner: `light-bench-${key}`,
        defaultNetwork: `light-bench-${key}`,
        ...(pooled ? { warmPool: { images: [STEP_IMAGE], size: POOL_SIZE } } : {}),
      });
      await runner.warmUp();
      cleanups.push(async () => {
        await runner.close();
        rmSync(dir, { recursive: true, force: true });
      });
      runnerVariants.push({
        key,
        label,
        run: async () => {
          const t0 = nowMs();
          const result = await runner.run({
            image: STEP_IMAGE,
            files: { [STEP_INPUT.name]: STEP_INPUT.content },
            entrypoint: stepScript(),
            extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
          }).result;
          if (result.status !== 'succeeded')
            throw new Error(`run ${result.status}: ${result.error?.message}`);
          const artifact = result.artifacts.find((a) => a.path.endsWith(STEP_OUTPUT));
          if (!artifact) throw new Error('no out.json artifact');
          checkStepOutput(readFileSync(join(dir, 'artifacts', result.id, artifact.path), 'utf8'));
          const ms = nowMs() - t0;
          await runner.remove(result.id);
          return ms;
        },
      });
    }
  }
  let res: Awaited<ReturnType<typeof interleave>>;
  try {
    res = await interleave(
      [
        {
          key: 'b',
          label: 'cold: create on demand',
          run: async (measured) => {
            const p = await rawLifecycle(ctx.docker, ctx.network);
            if (measured) phases.add('b-cold', p);
            return p.result;
          },
        },
        {
          key: 'bn',
          label: 'cold, --network none (where start time goes)',
          run: async (measured) => {
            const p = await rawLifecycle(ctx.docker, 'none');
            if (measured) phases.add('b-none', p);
            return p.result;
          },
        },
        {
          key: 'wc',
          label: 'pool of created containers',
          run: async (measured) => {
            const p = await created.run();
            if (measured) phases.add('w-created', p);
            return p.result;
          },
        },
        {
          key: 'ws',
          label: 'pool of started containers parked on stdin',
          run: async (measured) => {
            const p = await started.run();
            if (measured) phases.add('w-started', p);
            return p.result;
          },
        },
        ...runnerVariants,
      ],
      ctx.runs,
      { onRound: (r) => ctx.log(`warm-start round ${r + 1}/${ctx.runs}`) },
    );
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
  out.measurements.push(...phases.measurements());
  const s = res.samples;
  const b = s.b ?? [];
  out.ratios.push(
    { name: 'cold --network none / b p50, until result', ratio: pairedRatio(s.bn ?? [], b) },
    { name: 'warm(created)/b p50, until result', ratio: pairedRatio(s.wc ?? [], b) },
    { name: 'warm(started)/b p50, until result', ratio: pairedRatio(s.ws ?? [], b) },
    {
      name: 'warm(created)/b p50, incl. remove',
      ratio: pairedRatio(phases.get('w-created.total'), phases.get('b-cold.total')),
    },
    {
      name: 'warm(started)/b p50, incl. remove',
      ratio: pairedRatio(phases.get('w-started.total'), phases.get('b-cold.total')),
    },
  );
  if (s.rp && s.rc) {
    // light-runner's times include the container's removal (finalize removes it before the result).
    out.ratios.push(
      { name: 'light-runner warmPool/b p50 (runner incl. remove)', ratio: pairedRatio(s.rp, b) },
      {
        name: 'light-runner warmPool/b p50, both incl. remove',
        ratio: pairedRatio(s.rp, phases.get('b-cold.total')),
      },
      {
        name: 'light-runner cold/b p50, both incl. remove',
        ratio: pairedRatio(s.rc, phases.get('b-cold.total')),
      },
      { name: 'light-runner warmPool/light-runner cold p50', ratio: pairedRatio(s.rp, s.rc) },
    );
  }
  for (const [k, f] of Object.entries(res.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  const cold = phases.p50('b-cold.result');
  const gain = (key: string) => (100 * (cold - phases.p50(`${key}.result`))) / cold;
  out.notes.push(
    `p50 until result: cold ${cold.toFixed(1)} ms; created-ahead saves ${gain('w-created').toFixed(1)}%, ` +
      `started-ahead saves ${gain('w-started').toFixed(1)}% (threshold to ship: 30%).`,
    `cold phases p50 (ms): create ${phases.p50('b-cold.create').toFixed(1)}, copy-in ${phases
      .p50('b-cold.copyIn')
      .toFixed(1)}, start ${phases.p50('b-cold.start').toFixed(1)}, wait ${phases
      .p50('b-cold.wait')
      .toFixed(1)}, copy-out ${phases.p50('b-cold.copyOut').toFixed(1)}, remove ${phases
      .p50('b-cold.remove')
      .toFixed(1)}.`,
    `start on the bench bridge p50 ${phases.p50('b-cold.start').toFixed(1)} ms vs ${phases
      .p50('b-none.start')
      .toFixed(1)} ms with --network none: the bridge endpoint (veth, iptables) is that share of start.`,
  );
  return out;
}
