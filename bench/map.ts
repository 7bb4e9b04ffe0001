import type { WorkflowDefinition } from 'light-process';
import type { BenchContext } from './lib/context.ts';
import { interleave } from './lib/interleave.ts';
import type { StepRunnerLike } from './lib/layers.ts';
import { PhaseLog } from './lib/phases.ts';
import { type SectionResult, section } from './lib/report.ts';
import { withStack } from './lib/stack.ts';
import { nowMs, pairedRatio } from './lib/stats.ts';
import { checkStepOutput, STEP_IMAGE, STEP_INPUT, stepScript } from './lib/step.ts';

/** Elements of the map (and runs of the direct variant). */
const ELEMENTS = 1_000;
/** Elements at once, on both sides; light-run's own `--max-concurrent` is set to the same. */
const CONCURRENCY = 4;

/** One map node over `items`, whose element is the trivial step writing `.lp-output.json`. */
function mapWorkflow(): WorkflowDefinition {
  return {
    id: 'map-bench',
    nodes: [
      {
        id: 'step',
        image: STEP_IMAGE,
        entrypoint: stepScript('.lp-output.json'),
        files: { [STEP_INPUT.name]: STEP_INPUT.content },
        map: { over: 'items', concurrency: CONCURRENCY },
      },
    ],
    links: [],
    networkDefs: [],
    services: [],
  };
}

/**
 * The request an element sends, submitted straight through the light-run client (the same
 * `POST /run?stream=ndjson` exchange and output read-back, without the engine around it).
 */
function directBody(index: number) {
  return {
    image: STEP_IMAGE,
    files: { [STEP_INPUT.name]: STEP_INPUT.content },
    entrypoint: stepScript('.lp-output.json'),
    input: { item: index, index },
    extract: ['/app/.lp-output.json'],
  };
}

/** Runs `n` jobs with at most `width` at once. */
async function pool(n: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

/** Section 9: a 1,000-element map of the trivial step against the same 1,000 runs sent straight to light-run. */
export async function map(ctx: BenchContext): Promise<SectionResult> {
  const out = section('9-map', `Map of ${ELEMENTS} elements against ${ELEMENTS} direct runs (issue 15)`);
  const elements = ctx.quick ? 100 : ELEMENTS;
  const rounds = Math.max(1, Math.round(ctx.runs / 15));
  let rssPeak = 0;
  const got = await withStack(
    async (stack) => {
      const runMap = async () => {
        const t0 = nowMs();
        const items = Array.from({ length: elements }, (_, i) => i);
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }, 200);
        let r: Awaited<ReturnType<typeof stack.process.executeWorkflow>>;
        try {
          r = await stack.process.executeWorkflow(mapWorkflow(), { items }, { runner: stack.client });
        } finally {
          clearInterval(sampler);
        }
        const ms = nowMs() - t0;
        if (!r.success) throw new Error(`map failed: ${JSON.stringify(r.error)}`);
        const results = (r.results.step?.output.results ?? []) as unknown[];
        if (results.length !== elements) throw new Error(`map gave ${results.length} results`);
        for (const result of results) checkStepOutput(result);
        return ms;
      };
      const runDirect = async (n: number) => {
        const client = stack.client as StepRunnerLike;
        const t0 = nowMs();
        await pool(n, CONCURRENCY, async (i) => {
          const outcome = await client.runStep(directBody(i), { outputArtifact: '.lp-output.json' });
          if (outcome.status !== 'succeeded') throw new Error(`direct run ${i}: ${outcome.status}`);
          checkStepOutput(Buffer.from(outcome.outputBytes ?? new Uint8Array()).toString('utf8'));
        });
        return nowMs() - t0;
      };
      // Warm-up outside the measurement: image cache, the runner's default network, sockets.
      await runDirect(2 * CONCURRENCY);
      return interleave(
        [
          { key: 'map', label: `map node, ${elements} elements`, run: () => runMap() },
          { key: 'direct', label: `${elements} runs straight to light-run`, run: () => runDirect(elements) },
        ],
        rounds,
        { warmup: 0, onRound: (r) => ctx.log(`map round ${r + 1}/${rounds}`) },
      );
    },
    { label: 'map', lightRunArgs: ['--max-concurrent', String(CONCURRENCY)] },
  );
  if ('missing' in got) {
    out.missing.push(`section 9 needs light-process and light-run: ${got.missing}`);
    return out;
  }
  const s = got.value.samples;
  out.measurements.push(
    { name: `map node, ${elements} elements (makespan)`, unit: 'ms', summary: PhaseLog.summary(s.map ?? []) },
    {
      name: `${elements} runs straight to light-run, ${CONCURRENCY} at once`,
      unit: 'ms',
      summary: PhaseLog.summary(s.direct ?? []),
    },
  );
  out.ratios.push({
    name: `map makespan / direct (${elements}, ${CONCURRENCY} at once)`,
    ratio: pairedRatio(s.map ?? [], s.direct ?? []),
  });
  out.notes.push(
    `peak RSS of the benchmark process (light-process in-process) during the map: ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
  );
  for (const [k, f] of Object.entries(got.value.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  return out;
}
