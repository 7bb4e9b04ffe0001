import type { WorkflowDefinition } from 'light-process';
import type { RunState } from 'light-run';
import { cliRun } from './lib/cli.ts';
import type { BenchContext } from './lib/context.ts';
import { type EngineEvent, EngineEvents, epochMs, milestones } from './lib/events.ts';
import { artifactText, callJson, deleteRun, type Endpoint } from './lib/http.ts';
import { interleave, type Variant } from './lib/interleave.ts';
import { loadProcess } from './lib/layers.ts';
import { lightRunOwner } from './lib/leaks.ts';
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
import { byWhat, Trace, tracedFetch, unionMs } from './lib/trace.ts';
import { chain } from './lib/workflows.ts';
import { oneNodeWorkflow } from './overhead.ts';

/** Quick runs sent at once in the concurrency measurement (issue 13: 10 on 2 cores). */
const CONCURRENT = 10;
/** Nodes of the chain whose per-node overhead is reported. */
const CHAIN = 20;
/**
 * Parked containers of the warm light-run: sized for the burst of {@link CONCURRENT} (a
 * run that has to queue behind `--max-concurrent` still takes a parked container). The
 * all-in-one rule caps its own pools at 4; this is a light-run configured for the burst.
 */
const WARM_SIZE = CONCURRENT;
/** How long the bench waits for the warm light-run's pool to be full again before giving up. */
const REFILL_WAIT_MS = 180_000;

/**
 * Waits until the warm light-run (owner `owner`) has `size` parked containers, so that a
 * warm measurement starts from a full pool and no refill of an earlier one runs inside
 * the next measurement. Parked containers are the running ones of kind `pool`: between
 * two measurements no released one is left (a run removes its container before it ends).
 */
async function poolFull(ctx: BenchContext, owner: string, size: number): Promise<void> {
  const deadline = Date.now() + REFILL_WAIT_MS;
  const filters = JSON.stringify({
    label: [`dev.light.owner=${owner}`, 'dev.light.kind=pool'],
    status: ['running'],
  });
  while ((await ctx.docker.listContainers({ filters })).length < size) {
    if (Date.now() > deadline)
      throw new Error(`the warm pool did not refill to ${size} within ${REFILL_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The step as a `POST /run` body. */
function stepBody(): Record<string, unknown> {
  return {
    image: STEP_IMAGE,
    files: { [STEP_INPUT.name]: STEP_INPUT.content },
    entrypoint: stepScript(),
    extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
  };
}

/** `POST /run?stream=ndjson`: one exchange; checks the inlined output; returns the run id. */
/** Client-side submit and end (epoch ms) of every streamed run, by run id: the engine timeline's zero. */
const stamps = new Map<string, { submit: number; end: number }>();

async function streamRun(ep: Endpoint): Promise<string> {
  const submit = epochMs();
  const res = await fetch(`${ep.url}/run?stream=ndjson`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...stepBody(), detached: true }),
    signal: AbortSignal.timeout(600_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /run?stream=ndjson answered ${res.status}: ${text.slice(0, 300)}`);
  const lines = text
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { type: string; state: RunState; inlined?: { path: string; base64: string }[] },
    );
  const end = lines.at(-1);
  if (end?.type !== 'end' || end.state.status !== 'succeeded')
    throw new Error(`stream ended: ${text.slice(-300)}`);
  const out = end.inlined?.find((a) => a.path === STEP_OUTPUT);
  if (!out) throw new Error('the output was not inlined');
  checkStepOutput(Buffer.from(out.base64, 'base64').toString('utf8'));
  stamps.set(end.state.id, { submit, end: epochMs() });
  return end.state.id;
}

/** The engine events of each run container, by run id (its `dev.light.run-id` label). */
function byRunId(events: EngineEvents): Map<string, EngineEvent[]> {
  const out = new Map<string, EngineEvent[]>();
  for (const e of events.events) {
    const id = e.attributes['dev.light.run-id'];
    if (!id) continue;
    const list = out.get(id);
    if (list) list.push(e);
    else out.set(id, [e]);
  }
  return out;
}

/**
 * Where the time of streamed runs went, from the engine's own events (light-run is a child
 * process the bench cannot instrument): submit to copy-in (HTTP, light-run, the runner up
 * to the upload; a cold run's create and attach too), copy-in to exit (a cold run's start,
 * the release and the program), exit to copy-out, copy-out to removal, removal to the
 * client's end of the stream (finalize, the final line with the output inlined).
 */
function engineTimeline(phases: PhaseLog, key: string, ids: readonly string[], events: EngineEvents): void {
  const all = byRunId(events);
  for (const id of ids) {
    const stamp = stamps.get(id);
    const evs = all.get(id);
    if (!stamp || !evs) continue;
    const m = milestones(evs, stamp.submit);
    if (m.copyIn === undefined || m.die === undefined || m.copyOut === undefined || m.destroy === undefined)
      continue;
    phases.add(`${key}.engine`, {
      submitToCopyIn: m.copyIn,
      copyInToExit: m.die - m.copyIn,
      exitToCopyOut: m.copyOut - m.die,
      copyOutToRemoved: m.destroy - m.copyOut,
      removedToEnd: stamp.end - stamp.submit - m.destroy,
    });
  }
}

/** How many of `ids` ran in a container created for them (cold) rather than a parked one. */
function coldCount(ids: readonly string[], events: EngineEvents): number {
  const all = byRunId(events);
  return ids.filter((id) => (all.get(id) ?? []).some((e) => e.attributes['dev.light.kind'] === 'run')).length;
}

/**
 * Section 8 (issue 13): the fast path side by side in one run. (a) `docker run --rm`,
 * (b) the engine's own lifecycle, (d) `POST /run` (sync, then the artifact), (dS) the one
 * streamed exchange, (e) a one-node workflow, each against a cold light-run and (W) one
 * with a warm pool; 10 quick runs at once against one by one; a 20-node chain's cost per
 * node over (b), cold and warm.
 */
export async function speed(ctx: BenchContext): Promise<SectionResult> {
  const out = section(
    '8-speed',
    'Faster than docker run: warm pool through light-run, one exchange per node',
  );
  const proc = await loadProcess();
  if (typeof proc === 'string' || !proc.LightRunClient) {
    out.missing.push(
      `section 8 needs light-process: ${typeof proc === 'string' ? proc : 'no LightRunClient'}`,
    );
    return out;
  }
  const Client = proc.LightRunClient;
  const stops: (() => Promise<void>)[] = [];
  try {
    const cold: LightRunProcess = await startLightRun([], 'speed-cold');
    stops.push(() => cold.stop());
    const warm: LightRunProcess = await startLightRun(
      ['--warm-pool', STEP_IMAGE, '--warm-pool-size', String(WARM_SIZE)],
      'speed-warm',
    );
    stops.push(() => warm.stop());
    // A warm measurement starts from a full pool, and its refill ends before the next
    // measurement begins (untimed), so no variant pays for another's refill.
    const warmOwner = lightRunOwner(warm.dataDir);
    const settled = async (ep: Endpoint, fn: () => Promise<number>): Promise<number> => {
      if (ep !== warm) return fn();
      await poolFull(ctx, warmOwner, WARM_SIZE);
      const ms = await fn();
      await poolFull(ctx, warmOwner, WARM_SIZE);
      return ms;
    };
    await using events = await EngineEvents.start(ctx.docker);
    /** Run ids of the measured streamed runs, per variant, for the engine timeline. */
    const idsOf: Record<string, string[]> = {};
    const keep = (measured: boolean, key: string, id: string): string => {
      if (!measured) return id;
      const list = idsOf[key] ?? [];
      list.push(id);
      idsOf[key] = list;
      return id;
    };
    const trace = new Trace();
    const phases = new PhaseLog();
    const clientOf = (ep: Endpoint) =>
      new Client({ url: ep.url, token: ep.token, fetch: tracedFetch(trace) });
    const coldClient = clientOf(cold);
    const warmClient = clientOf(warm);
    const one = oneNodeWorkflow();
    const runOne = async (key: string, ep: Endpoint, client: typeof coldClient, def: WorkflowDefinition) => {
      const t0 = nowMs();
      const result = await proc.executeWorkflow(def, {}, { runner: client });
      const ms = nowMs() - t0;
      if (!result.success) throw new Error(`${def.id} failed: ${JSON.stringify(result.error)}`);
      if (def.nodes.length === 1) checkStepOutput(result.results.step?.output);
      const spans = trace.between(t0, t0 + ms);
      phases.add(`${key}.http`, byWhat(spans));
      phases.add(key, { total: ms, inHttp: unionMs(spans), outsideHttp: ms - unionMs(spans) });
      trace.dropBefore(nowMs());
      for (const r of Object.values(result.results)) if (r.runId) await deleteRun(ep, r.runId);
      return ms;
    };
    const timed = async (fn: () => Promise<void>) => {
      const t0 = nowMs();
      await fn();
      return nowMs() - t0;
    };
    const variants: Variant[] = [
      { key: 'a', label: 'docker run --rm (CLI)', run: () => cliRun() },
      {
        key: 'b',
        label: 'Engine API lifecycle',
        run: async () => (await rawLifecycle(ctx.docker, ctx.network)).total,
      },
      {
        key: 'd',
        label: 'POST /run (sync) + GET artifact, cold',
        run: () =>
          timed(async () => {
            const state = await callJson<RunState>(cold, 'POST', '/run', stepBody());
            if (state.status !== 'succeeded') throw new Error(`run ${state.status}`);
            checkStepOutput(await artifactText(cold, state.id, STEP_OUTPUT));
            await deleteRun(cold, state.id);
          }),
      },
      {
        key: 'dS',
        label: 'POST /run?stream=ndjson, cold',
        run: (measured) => timed(async () => deleteRun(cold, keep(measured, 'dS', await streamRun(cold)))),
      },
      {
        key: 'dW',
        label: 'POST /run?stream=ndjson, warm',
        run: (measured) =>
          settled(warm, () =>
            timed(async () => deleteRun(warm, keep(measured, 'dW', await streamRun(warm)))),
          ),
      },
      { key: 'e', label: 'one-node workflow, cold', run: () => runOne('e', cold, coldClient, one) },
      {
        key: 'eW',
        label: 'one-node workflow, warm',
        run: () => settled(warm, () => runOne('eW', warm, warmClient, one)),
      },
    ];
    const res = await interleave(variants, ctx.runs, {
      warmup: 2,
      onRound: (r) => ctx.log(`speed round ${r + 1}/${ctx.runs}`),
    });
    const s = res.samples;
    for (const v of variants)
      out.measurements.push({
        name: `${v.key}: ${v.label}`,
        unit: 'ms',
        summary: PhaseLog.summary(s[v.key] ?? []),
      });
    const ratio = (n: string, d: string, target?: number) =>
      out.ratios.push({
        name: `${n}/${d}`,
        ratio: pairedRatio(s[n] ?? [], s[d] ?? []),
        ...(target === undefined ? {} : { target: { op: '<=' as const, value: target } }),
      });
    ratio('e', 'b', 1.05);
    ratio('eW', 'a', 0.6);
    ratio('eW', 'b');
    ratio('e', 'a');
    ratio('dS', 'd');
    ratio('dW', 'b');
    ratio('e', 'dS');
    ratio('eW', 'dW');

    // 10 quick runs at once against the same 10 one by one (streamed exchanges), cold and warm.
    const rounds = Math.max(2, Math.round(ctx.runs / 3));
    const batch = (ep: Endpoint, parallel: boolean, key: string, measured: boolean) =>
      settled(ep, () =>
        timed(async () => {
          const ids = parallel
            ? await Promise.all(Array.from({ length: CONCURRENT }, () => streamRun(ep)))
            : await (async () => {
                const got: string[] = [];
                for (let i = 0; i < CONCURRENT; i++) got.push(await streamRun(ep));
                return got;
              })();
          for (const id of ids) await deleteRun(ep, keep(measured, key, id));
        }),
      );
    const size = ctx.quick ? 5 : CHAIN;
    const serialRaw = () =>
      timed(async () => {
        for (let i = 0; i < size; i++) await rawLifecycle(ctx.docker, ctx.network);
      });
    const big = await interleave(
      [
        { key: 'par', label: `${CONCURRENT} at once, cold`, run: (m) => batch(cold, true, 'par', m) },
        { key: 'ser', label: `${CONCURRENT} one by one, cold`, run: (m) => batch(cold, false, 'ser', m) },
        { key: 'parW', label: `${CONCURRENT} at once, warm`, run: (m) => batch(warm, true, 'parW', m) },
        { key: 'serW', label: `${CONCURRENT} one by one, warm`, run: (m) => batch(warm, false, 'serW', m) },
        {
          key: 'chain',
          label: `chain of ${size}, cold`,
          run: () => runOne('chain', cold, coldClient, chain(size)),
        },
        {
          key: 'chainW',
          label: `chain of ${size}, warm`,
          run: () => settled(warm, () => runOne('chainW', warm, warmClient, chain(size))),
        },
        { key: 'chainRaw', label: `${size} raw lifecycles, serial`, run: serialRaw },
      ],
      rounds,
      { warmup: 1, onRound: (r) => ctx.log(`speed batch round ${r + 1}/${rounds}`) },
    );
    const b2 = big.samples;
    for (const k of ['par', 'ser', 'parW', 'serW', 'chain', 'chainW', 'chainRaw'])
      out.measurements.push({ name: k, unit: 'ms', summary: PhaseLog.summary(b2[k] ?? []) });
    const speedUp = (n: string, d: string, name: string) =>
      out.ratios.push({
        name,
        ratio: pairedRatio(b2[n] ?? [], b2[d] ?? []),
        target: { op: '>=' as const, value: 1.6 },
      });
    speedUp('ser', 'par', `${CONCURRENT} one by one / at once, cold (speed-up)`);
    speedUp('serW', 'parW', `${CONCURRENT} one by one / at once, warm (speed-up)`);
    out.ratios.push(
      { name: `chain${size} cold / ${size}x b`, ratio: pairedRatio(b2.chain ?? [], b2.chainRaw ?? []) },
      { name: `chain${size} warm / ${size}x b`, ratio: pairedRatio(b2.chainW ?? [], b2.chainRaw ?? []) },
    );
    for (const k of ['chain', 'chainW'] as const) {
      const perNode = (b2[k] ?? []).map((c, i) => (c - (b2.chainRaw?.[i] ?? Number.NaN)) / size);
      out.measurements.push({
        name: `${k}: added per node over b`,
        unit: 'ms',
        summary: PhaseLog.summary(perNode),
      });
      out.notes.push(
        `${k === 'chain' ? 'cold' : 'warm'} chain of ${size}: ${(PhaseLog.summary(b2[k] ?? []).p50 / size).toFixed(1)} ms per node p50, ` +
          `${PhaseLog.summary(perNode).p50.toFixed(1)} ms per node over one engine lifecycle (b).`,
      );
    }
    await events.settle(500);
    for (const key of ['dS', 'dW', 'par', 'ser', 'parW', 'serW'])
      engineTimeline(phases, key, idsOf[key] ?? [], events);
    for (const key of ['parW', 'serW']) {
      const ids = idsOf[key] ?? [];
      out.notes.push(
        `(${key}) ${ids.length - coldCount(ids, events)} of ${ids.length} runs took a parked container, ${coldCount(ids, events)} were created cold.`,
      );
    }
    out.measurements.push(...phases.measurements('mixed'));
    for (const key of ['e', 'eW']) {
      out.notes.push(
        `(${key}) p50 ms: total ${phases.p50(`${key}.total`).toFixed(1)}, inside HTTP calls ${phases.p50(`${key}.inHttp`).toFixed(1)}, ` +
          `outside (validation, scheduling, client) ${phases.p50(`${key}.outsideHttp`).toFixed(1)}`,
      );
    }
    for (const r of [res, big])
      for (const [k, f] of Object.entries(r.failures)) for (const e of f) out.errors.push(`${k}: ${e}`);
  } catch (err) {
    out.errors.push(`section 8: ${(err as Error).message}`);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
  return out;
}
