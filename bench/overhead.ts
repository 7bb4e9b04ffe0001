import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowDefinition } from 'light-process';
import type { RunState } from 'light-run';
import { cliRun } from './lib/cli.ts';
import type { BenchContext } from './lib/context.ts';
import { EngineEvents, epochMs, milestones } from './lib/events.ts';
import { artifactText, callJson, deleteRun } from './lib/http.ts';
import { interleave, type Variant } from './lib/interleave.ts';
import { loadProcess, loadRunner } from './lib/layers.ts';
import { type LightRunProcess, startLightRun } from './lib/light-run.ts';
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
import { byWhat, Trace, tracedDocker, tracedFetch, unionMs } from './lib/trace.ts';

/** A finished measured run, kept to line it up with the engine's events afterwards. */
interface Window {
  variant: string;
  submitEpoch: number;
  endEpoch: number;
}

/** The one-node workflow of variant (e): same file in, same JSON out (through `.lp-output.json`). */
export function oneNodeWorkflow(): WorkflowDefinition {
  return {
    id: 'bench-one-node',
    nodes: [
      {
        id: 'step',
        image: STEP_IMAGE,
        entrypoint: stepScript('.lp-output.json'),
        files: { [STEP_INPUT.name]: STEP_INPUT.content },
      },
    ],
    links: [],
    networkDefs: [],
    services: [],
  };
}

/**
 * Section 1: the same trivial step through (a) `docker run --rm`, (b) the Engine API,
 * (c) light-runner, (d) light-run's `POST /run`, (e) a one-node light-process workflow,
 * interleaved; ratios against (b) and (a); per-phase timings to locate any overhead.
 */
export async function overhead(ctx: BenchContext): Promise<SectionResult> {
  const out = section('1-overhead', 'Per-node overhead of each layer over the engine lifecycle');
  const phases = new PhaseLog();
  const windows: Window[] = [];
  const trace = new Trace();
  const variants: Variant[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const record = (variant: string, submitEpoch: number, measured: boolean) => {
    if (measured) windows.push({ variant, submitEpoch, endEpoch: epochMs() });
  };

  variants.push({
    key: 'a',
    label: 'docker run --rm (CLI)',
    run: async (measured) => {
      const s = epochMs();
      const ms = await cliRun();
      record('a', s, measured);
      return ms;
    },
  });
  variants.push({
    key: 'b',
    label: 'Engine API (dockerode): create, put, start, wait, get, remove',
    run: async (measured) => {
      const s = epochMs();
      const p = await rawLifecycle(ctx.docker, ctx.network);
      record('b', s, measured);
      if (measured) phases.add('b', p);
      return p.total;
    },
  });

  try {
    const runnerMod = await loadRunner();
    if (typeof runnerMod === 'string') out.missing.push(`(c) light-runner: ${runnerMod}`);
    else {
      const dir = benchTempDir('runner');
      const runner = new runnerMod.DockerRunner({
        docker: tracedDocker(ctx.docker, trace),
        stateDir: join(dir, 'state'),
        artifactsDir: join(dir, 'artifacts'),
        owner: 'light-bench',
        defaultNetwork: 'light-bench-runner',
      });
      cleanups.push(async () => {
        await runner.close();
        rmSync(dir, { recursive: true, force: true });
      });
      variants.push({
        key: 'c',
        label: 'light-runner DockerRunner.run',
        run: async (measured) => {
          const s = epochMs();
          const t0 = nowMs();
          const handle = runner.run({
            image: STEP_IMAGE,
            files: { [STEP_INPUT.name]: STEP_INPUT.content },
            entrypoint: stepScript(),
            extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
          });
          const result = await handle.result;
          if (result.status !== 'succeeded')
            throw new Error(`run ${result.status}: ${result.error?.message}`);
          const artifact = result.artifacts.find((a) => a.path.endsWith(STEP_OUTPUT));
          if (!artifact) throw new Error('no out.json artifact');
          checkStepOutput(readFileSync(join(dir, 'artifacts', result.id, artifact.path), 'utf8'));
          const ms = nowMs() - t0;
          record('c', s, measured);
          if (measured) {
            const spans = trace.between(t0, t0 + ms);
            phases.add('c.engine-call', byWhat(spans));
            phases.add('c', { total: ms, inEngine: unionMs(spans), outsideEngine: ms - unionMs(spans) });
          }
          trace.dropBefore(nowMs());
          await runner.remove(result.id);
          return ms;
        },
      });
    }

    let lr: LightRunProcess | undefined;
    try {
      lr = await startLightRun([], 'overhead');
      const started = lr;
      cleanups.push(() => started.stop());
    } catch (err) {
      out.missing.push(`(d) and (e) light-run: ${(err as Error).message.split('\n')[0]}`);
    }
    if (lr) {
      const ep = lr;
      variants.push({
        key: 'd',
        label: 'light-run POST /run (sync) + GET artifact',
        run: async (measured) => {
          const s = epochMs();
          const t0 = nowMs();
          const state = await callJson<RunState>(ep, 'POST', '/run', {
            image: STEP_IMAGE,
            files: { [STEP_INPUT.name]: STEP_INPUT.content },
            entrypoint: stepScript(),
            extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
          });
          const t1 = nowMs();
          if (state.status !== 'succeeded') throw new Error(`run ${state.status}: ${state.error?.message}`);
          checkStepOutput(await artifactText(ep, state.id, STEP_OUTPUT));
          const ms = nowMs() - t0;
          record('d', s, measured);
          if (measured) phases.add('d', { total: ms, postRun: t1 - t0, getArtifact: ms - (t1 - t0) });
          await deleteRun(ep, state.id);
          return ms;
        },
      });
      // Diagnostics: the two things light-process does differently from (d), one at a time.
      const dBody = (extra: object) => ({
        image: STEP_IMAGE,
        files: { [STEP_INPUT.name]: STEP_INPUT.content },
        entrypoint: stepScript(),
        extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
        ...extra,
      });
      variants.push({
        key: 'dIn',
        label: 'diagnostic: (d) with input {} on stdin, as light-process sends it',
        run: async (measured) => {
          const s = epochMs();
          const t0 = nowMs();
          const state = await callJson<RunState>(ep, 'POST', '/run', dBody({ input: {} }));
          if (state.status !== 'succeeded') throw new Error(`run ${state.status}: ${state.error?.message}`);
          checkStepOutput(await artifactText(ep, state.id, STEP_OUTPUT));
          const ms = nowMs() - t0;
          record('dIn', s, measured);
          await deleteRun(ep, state.id);
          return ms;
        },
      });
      variants.push({
        key: 'dDet',
        label: 'diagnostic: (d) detached + long-poll GET /runs/:id?wait, as light-process does',
        run: async (measured) => {
          const s = epochMs();
          const t0 = nowMs();
          const sub = await callJson<RunState>(ep, 'POST', '/run', dBody({ detached: true }));
          const state = await callJson<RunState>(ep, 'GET', `/runs/${sub.id}?wait=30s`);
          if (state.status !== 'succeeded') throw new Error(`run ${state.status}: ${state.error?.message}`);
          checkStepOutput(await artifactText(ep, state.id, STEP_OUTPUT));
          const ms = nowMs() - t0;
          record('dDet', s, measured);
          await deleteRun(ep, state.id);
          return ms;
        },
      });
      const proc = await loadProcess();
      if (typeof proc === 'string') out.missing.push(`(e) light-process: ${proc}`);
      else if (!proc.LightRunClient)
        out.missing.push('(e) light-process: LightRunClient is not exported yet');
      else {
        const client = new proc.LightRunClient({ url: ep.url, token: ep.token, fetch: tracedFetch(trace) });
        const definition = oneNodeWorkflow();
        variants.push({
          key: 'e',
          label: 'light-process executeWorkflow, one node, all-in-one light-run',
          run: async (measured) => {
            const s = epochMs();
            const t0 = nowMs();
            const result = await proc.executeWorkflow(definition, {}, { runner: client });
            const ms = nowMs() - t0;
            const node = result.results.step;
            if (!result.success || !node) throw new Error(`workflow failed: ${JSON.stringify(result.error)}`);
            checkStepOutput(node.output);
            record('e', s, measured);
            if (measured) {
              const spans = trace.between(t0, t0 + ms);
              phases.add('e.http', byWhat(spans));
              phases.add('e', { total: ms, inHttp: unionMs(spans), outsideHttp: ms - unionMs(spans) });
            }
            trace.dropBefore(nowMs());
            if (node.runId) await deleteRun(ep, node.runId);
            return ms;
          },
        });
      }
    }

    await using events = await EngineEvents.start(ctx.docker);
    const res = await interleave(variants, ctx.runs, {
      warmup: 2,
      onRound: (r) => ctx.log(`overhead round ${r + 1}/${ctx.runs}`),
    });
    await events.settle(300);

    for (const w of windows) {
      const containers = [...events.containersBetween(w.submitEpoch, w.endEpoch).values()];
      if (containers.length !== 1 || !containers[0]) continue;
      const m = milestones(containers[0], w.submitEpoch);
      const end = w.endEpoch - w.submitEpoch;
      const seq = [0, m.create, m.copyIn, m.start, m.die, m.copyOut, m.destroy, end];
      const names = [
        'submit>create',
        'create>copyIn',
        'copyIn>start',
        'start>die',
        'die>copyOut',
        'copyOut>destroy',
        'destroy>result',
      ];
      const row: Record<string, number> = {};
      for (let i = 0; i < names.length; i++) {
        const a = seq[i];
        const b = seq[i + 1];
        if (a !== undefined && b !== undefined) row[names[i] ?? ''] = b - a;
      }
      phases.add(`${w.variant}.engine-events`, row);
    }

    const s = res.samples;
    out.measurements.push(
      ...variants.map((v) => ({ name: `${v.key}: ${v.label}`, unit: 'ms', summary: summarizeOf(s[v.key]) })),
      ...phases.measurements(),
    );
    const has = (k: string) => (s[k]?.length ?? 0) > 0 && variants.some((v) => v.key === k);
    const ratio = (n: string, d: string, target?: number) => {
      if (!has(n) || !has(d)) return;
      out.ratios.push({
        name: `${n}/${d}`,
        ratio: pairedRatio(s[n] ?? [], s[d] ?? []),
        ...(target === undefined ? {} : { target: { op: '<=' as const, value: target } }),
      });
    };
    ratio('a', 'b');
    ratio('c', 'b');
    ratio('d', 'b');
    ratio('e', 'b', 1.15);
    ratio('e', 'a');
    ratio('d', 'c');
    ratio('e', 'd');
    ratio('dIn', 'd');
    ratio('dDet', 'd');
    for (const [k, f] of Object.entries(res.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
    out.notes.push(...whereTimeGoes(phases));
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
  return out;
}

function summarizeOf(values: number[] | undefined) {
  return PhaseLog.summary(values ?? []);
}

/** Lines that compare each layer's engine-event phases with the baseline's, p50 by p50. */
function whereTimeGoes(phases: PhaseLog): string[] {
  const lines: string[] = [];
  const keys = [
    'submit>create',
    'create>copyIn',
    'copyIn>start',
    'start>die',
    'die>copyOut',
    'copyOut>destroy',
    'destroy>result',
  ];
  for (const v of ['c', 'd', 'dIn', 'dDet', 'e']) {
    if (phases.get(`${v}.engine-events.start>die`).length === 0) continue;
    const parts = keys.map((k) => {
      const base = phases.p50(`b.engine-events.${k}`);
      const mine = phases.p50(`${v}.engine-events.${k}`);
      return `${k} ${mine.toFixed(1)} (b ${base.toFixed(1)}, ${mine - base >= 0 ? '+' : ''}${(mine - base).toFixed(1)})`;
    });
    lines.push(`(${v}) engine-event phases p50, ms: ${parts.join('; ')}`);
  }
  return lines;
}
