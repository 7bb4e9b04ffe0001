import type { RunState } from 'light-run';
import type { BenchContext } from './lib/context.ts';
import { callJson, deleteRun, type Endpoint } from './lib/http.ts';
import { describe } from './lib/interleave.ts';
import { type LightRunProcess, startLightRun } from './lib/light-run.ts';
import { type SectionResult, section } from './lib/report.ts';
import { nowMs } from './lib/stats.ts';

const MiB = 1024 * 1024;

/** The cap the issue sets on light-run's peak RSS while it moves the artifact. */
const RSS_LIMIT_MIB = 150;

/** Streams an artifact to nowhere, counting bytes (the benchmark never holds it either). */
async function download(ep: Endpoint, id: string, path: string): Promise<number> {
  const res = await fetch(`${ep.url}/runs/${encodeURIComponent(id)}/artifacts/${path}`, {
    headers: { authorization: `Bearer ${ep.token}` },
    signal: AbortSignal.timeout(600_000),
  });
  if (!res.ok || !res.body)
    throw new Error(`GET artifact answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

async function bigRun(lr: LightRunProcess, mib: number) {
  const t0 = nowMs();
  const state = await callJson<RunState>(lr, 'POST', '/run', {
    image: 'localhost/light-sh',
    entrypoint: `head -c ${mib * MiB} /dev/zero > big.bin`,
    extract: ['/app/big.bin'],
    timeout: 600_000,
  });
  return { state, ms: nowMs() - t0 };
}

/**
 * Section 6: a step writes a 512 MiB file, light-run extracts it into its store and serves
 * it; light-run's peak RSS (VmHWM) during each half must stay under 150 MiB.
 */
export async function artifacts(ctx: BenchContext): Promise<SectionResult> {
  const out = section('6-artifacts', 'Large artifact through light-run: peak RSS');
  const target = ctx.quick ? 64 : 512;
  let lr: LightRunProcess;
  try {
    // light-runner caps one extracted file at 256 MiB by default; this section raises it.
    lr = await startLightRun(['--max-extract', `${target * 2}mb`], 'artifacts');
  } catch (err) {
    out.missing.push(`section 6 needs light-run: ${(err as Error).message.split('\n')[0]}`);
    return out;
  }
  try {
    const idle = lr.rssKiB() / 1024;
    const mib = target;
    const reset = lr.resetPeak();
    const { state, ms } = await bigRun(lr, mib);
    if (state.status !== 'succeeded')
      throw new Error(`${mib} MiB run ended ${state.status}: ${state.error?.message}`);
    const runPeak = lr.peakKiB() / 1024;
    lr.resetPeak();
    const t0 = nowMs();
    const bytes = await download(lr, state.id, 'big.bin');
    const dlMs = nowMs() - t0;
    const dlPeak = lr.peakKiB() / 1024;
    if (bytes !== mib * MiB) out.errors.push(`downloaded ${bytes} bytes, expected ${mib * MiB}`);
    await deleteRun(lr, state.id);
    const one = (value: number) => ({
      n: 1,
      min: value,
      p10: value,
      p50: value,
      p90: value,
      p99: value,
      max: value,
    });
    out.measurements.push(
      { name: 'light-run RSS idle', unit: 'MiB', summary: one(idle) },
      { name: `peak RSS: run + extraction of ${mib} MiB`, unit: 'MiB', summary: one(runPeak) },
      { name: `peak RSS: download of ${mib} MiB`, unit: 'MiB', summary: one(dlPeak) },
      { name: `run + extraction of ${mib} MiB`, unit: 'ms', summary: one(ms) },
      { name: `download of ${mib} MiB`, unit: 'ms', summary: one(dlMs) },
    );
    const ratio = (v: number) => ({ value: v / RSS_LIMIT_MIB, p10: Number.NaN, p90: Number.NaN, rounds: 1 });
    out.ratios.push(
      {
        name: `peak RSS (extract ${mib} MiB) / 150 MiB`,
        ratio: ratio(runPeak),
        target: { op: '<=', value: 1 },
      },
      {
        name: `peak RSS (download ${mib} MiB) / 150 MiB`,
        ratio: ratio(dlPeak),
        target: { op: '<=', value: 1 },
      },
    );
    out.notes.push(
      `throughput: extraction ${((mib / ms) * 1000).toFixed(0)} MiB/s (incl. writing the file in the container), ` +
        `download ${((mib / dlMs) * 1000).toFixed(0)} MiB/s. VmHWM reset through clear_refs: ${reset ? 'yes' : 'no (peak since start)'}.`,
    );
  } catch (err) {
    out.errors.push(describe(err));
  } finally {
    await lr.stop();
  }
  return out;
}
