import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext } from './lib/context.ts';
import { BENCH_LABELS } from './lib/docker.ts';
import { describe } from './lib/interleave.ts';
import { type LightRunProcess, startLightRun } from './lib/light-run.ts';
import { type SectionResult, section } from './lib/report.ts';
import { nowMs } from './lib/stats.ts';
import { benchTempDir } from './lib/temp.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const LIGHT_BIN = fileURLToPath(new URL('../packages/process/bin/light.js', import.meta.url));
const IMAGE = 'localhost/light-sh';
/** The caps the issue sets on peak RSS while the artifact moves. */
const LIGHT_RUN_RSS_MIB = 150;
const LIGHT_PROCESS_RSS_MIB = 100;

const labels = Object.entries(BENCH_LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

async function docker(args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 * MiB })).stdout.trim();
}

/**
 * The baseline: one container writes the file, `docker cp` copies it out to the host and
 * into a second (created, not started) container, which then reads it. Times the two
 * copies and the whole path.
 */
async function dockerPath(mib: number, dir: string) {
  const t0 = nowMs();
  const producer = await docker([
    'create',
    ...labels,
    IMAGE,
    'sh',
    '-c',
    `head -c ${mib * MiB} /dev/zero > /app/big.bin`,
  ]);
  const consumer = await docker(['create', ...labels, IMAGE, 'sh', '-c', 'wc -c < /app/big.bin']);
  try {
    await docker(['start', '-a', producer]);
    const c0 = nowMs();
    await docker(['cp', `${producer}:/app/big.bin`, join(dir, 'big.bin')]);
    const c1 = nowMs();
    await docker(['cp', join(dir, 'big.bin'), `${consumer}:/app/big.bin`]);
    const c2 = nowMs();
    const bytes = Number(await docker(['start', '-a', consumer]));
    return { totalMs: nowMs() - t0, outMs: c1 - c0, inMs: c2 - c1, bytes };
  } finally {
    await docker(['rm', '-f', producer, consumer]);
    rmSync(join(dir, 'big.bin'), { force: true });
  }
}

/** The same two steps as a workflow run by the `light` bin under GNU time (its peak RSS). */
async function lightPath(mib: number, dir: string, lr: LightRunProcess) {
  const wf = join(dir, 'wf');
  mkdirSync(join(wf, 'make'), { recursive: true });
  mkdirSync(join(wf, 'use'), { recursive: true });
  writeFileSync(
    join(wf, 'workflow.json'),
    JSON.stringify({
      id: 'transfer',
      nodes: [
        { id: 'make', dir: 'make' },
        { id: 'use', dir: 'use' },
      ],
      links: [{ from: 'make', to: 'use' }],
    }),
  );
  const node = (id: string, entrypoint: string, extra: Record<string, unknown> = {}) =>
    writeFileSync(
      join(wf, id, '.node.json'),
      JSON.stringify({ id, image: IMAGE, entrypoint, timeout: 900_000, ...extra }),
    );
  node('make', `head -c ${mib * MiB} /dev/zero > big.bin`, { artifacts: ['big.bin'] });
  node('use', 'printf \'{"bytes":%s}\' "$(wc -c < in/make/big.bin)" > .lp-output.json');
  lr.resetPeak();
  const t0 = nowMs();
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'maxrss_kib=%M', process.execPath, LIGHT_BIN, 'run', wf, '--json'],
    {
      env: { ...process.env, LIGHT_RUN_URL: lr.url, LIGHT_RUN_TOKEN: lr.token, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const totalMs = nowMs() - t0;
  if (code !== 0) throw new Error(`light run exited ${code}: ${stderr.slice(-800)}`);
  const rss = /maxrss_kib=(\d+)/.exec(stderr)?.[1];
  const result = JSON.parse(stdout) as { results: { use: { output: { bytes: number } } } };
  return {
    totalMs,
    bytes: result.results.use.output.bytes,
    lightProcessPeakMiB: Number(rss) / 1024,
    lightRunPeakMiB: lr.peakKiB() / 1024,
  };
}

/**
 * Section 11 (issue 15): a 1 GiB artifact from one node to the next. Peak RSS of light-run
 * (VmHWM) and of the `light` process (GNU time), and the whole path against the same two
 * steps joined by `docker cp` out and in, measured side by side.
 */
export async function transfer(ctx: BenchContext): Promise<SectionResult> {
  const out = section('9-transfer', 'Artifact node to node: peak RSS, and time against docker cp');
  const mib = ctx.quick ? 64 : 1024;
  const dir = benchTempDir('transfer');
  let lr: LightRunProcess | undefined;
  try {
    lr = await startLightRun(
      ['--max-extract', `${mib * 2}mb`, '--artifact-store', `${mib * 4}mb`, '--disk', `${mib * 2 + 512}mb`],
      'transfer',
    );
    const rounds = ctx.quick ? 1 : Math.max(1, Math.min(3, Math.floor(ctx.runs / 5)));
    ctx.log('transfer: baseline, a one-node workflow without artifacts');
    const idle = await lightPath(0, join(dir, 'idle'), lr);
    const d: Awaited<ReturnType<typeof dockerPath>>[] = [];
    const l: Awaited<ReturnType<typeof lightPath>>[] = [];
    for (let i = 0; i < rounds; i++) {
      ctx.log(`transfer: round ${i + 1}/${rounds}, docker cp`);
      d.push(await dockerPath(mib, dir));
      ctx.log(`transfer: round ${i + 1}/${rounds}, light run`);
      l.push(await lightPath(mib, join(dir, `r${i}`), lr));
    }
    for (const r of [...d, ...l])
      if (r.bytes !== mib * MiB) out.errors.push(`a consumer saw ${r.bytes} bytes, expected ${mib * MiB}`);
    if (idle.bytes !== 0) out.errors.push(`the baseline consumer saw ${idle.bytes} bytes, expected 0`);
    const one = (values: number[]) => {
      const s = [...values].sort((a, b) => a - b);
      const mid = s[Math.floor(s.length / 2)] ?? Number.NaN;
      return {
        n: s.length,
        min: s[0] ?? Number.NaN,
        p10: s[0] ?? Number.NaN,
        p50: mid,
        p90: s.at(-1) ?? Number.NaN,
        p99: s.at(-1) ?? Number.NaN,
        max: s.at(-1) ?? Number.NaN,
      };
    };
    const med = (values: number[]) => one(values).p50;
    const dockerCp = d.map((r) => r.outMs + r.inMs);
    // The containers' own work (writing, reading 1 GiB) is the same on both paths: what the
    // light path spends beyond the docker path's non-copy part is its transfer.
    const lightTransfer = l.map((r, i) => r.totalMs - ((d[i]?.totalMs ?? 0) - (dockerCp[i] ?? 0)));
    out.measurements.push(
      {
        name: `docker: write + cp out + cp in + read, ${mib} MiB`,
        unit: 'ms',
        summary: one(d.map((r) => r.totalMs)),
      },
      { name: 'docker cp out', unit: 'ms', summary: one(d.map((r) => r.outMs)) },
      { name: 'docker cp in', unit: 'ms', summary: one(d.map((r) => r.inMs)) },
      {
        name: `light run: two-node workflow, ${mib} MiB artifact`,
        unit: 'ms',
        summary: one(l.map((r) => r.totalMs)),
      },
      { name: 'light run: transfer (derived)', unit: 'ms', summary: one(lightTransfer) },
      { name: 'peak RSS light-run', unit: 'MiB', summary: one(l.map((r) => r.lightRunPeakMiB)) },
      {
        name: 'peak RSS light (light-process)',
        unit: 'MiB',
        summary: one(l.map((r) => r.lightProcessPeakMiB)),
      },
      {
        name: 'peak RSS light, the same workflow with a 0-byte artifact',
        unit: 'MiB',
        summary: one([idle.lightProcessPeakMiB]),
      },
    );
    const ratio = (v: number) => ({ value: v, p10: Number.NaN, p90: Number.NaN, rounds });
    out.ratios.push(
      {
        name: 'peak RSS light-run / 150 MiB',
        ratio: ratio(med(l.map((r) => r.lightRunPeakMiB)) / LIGHT_RUN_RSS_MIB),
        target: { op: '<=', value: 1 },
      },
      {
        name: 'peak RSS light-process / 100 MiB',
        ratio: ratio(med(l.map((r) => r.lightProcessPeakMiB)) / LIGHT_PROCESS_RSS_MIB),
        target: { op: '<=', value: 1 },
      },
      {
        name: 'workflow / docker path (whole)',
        ratio: ratio(med(l.map((r) => r.totalMs)) / med(d.map((r) => r.totalMs))),
        target: { op: '<=', value: 1.5 },
      },
      {
        name: 'transfer (derived) / docker cp out+in',
        ratio: ratio(med(lightTransfer) / med(dockerCp)),
        target: { op: '<=', value: 1.5 },
      },
    );
    out.notes.push(
      "The transfer of the light path is derived: its makespan minus the docker path's non-copy part (container work, create, start). " +
        'The light path also pays a workflow start (light-process start, lease, two runs through light-run).',
    );
  } catch (err) {
    out.errors.push(describe(err));
  } finally {
    await lr?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
