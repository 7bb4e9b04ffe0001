// `npm run bench:swarm`: light-run's swarm backend against the local backend on this
// machine's rig (scripts/swarm-up.sh). Per-run overhead of one quick step, and the time for
// 50 quick runs on the local engine, a swarm with 1 worker and one with 2 workers. Prints a
// markdown table; the rig is removed at the end (scripts/swarm-down.sh).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type LightRunProc, startLightRun } from '../test/support/light-run-proc.ts';
import { runSync, startDetached, waitEnd } from '../test/support/run-api.ts';
import { startSwarmLightRun, swarmUp } from '../test/support/swarm.ts';

const DOWN = fileURLToPath(new URL('../scripts/swarm-down.sh', import.meta.url));
const STEP = { image: 'localhost/light-sh', entrypoint: 'echo hi > /app/out.txt', extract: ['/app/out.txt'] };
const OVERHEAD_RUNS = 8;
const BURST = 50;
const CONCURRENT = '16';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function overhead(lr: LightRunProc): Promise<number> {
  await runSync(lr, STEP); // the first run pulls/pushes the image
  const times: number[] = [];
  for (let i = 0; i < OVERHEAD_RUNS; i++) {
    const t0 = performance.now();
    const { state } = await runSync(lr, STEP);
    if (state.status !== 'succeeded') throw new Error(`overhead run ${JSON.stringify(state)}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function burst(lr: LightRunProc): Promise<{ ms: number; nodes: number }> {
  await runSync(lr, STEP);
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: BURST }, () => startDetached(lr, STEP)));
  const ends = await Promise.all(runs.map((r) => waitEnd(lr, r.id, 600_000)));
  const ms = performance.now() - t0;
  const failed = ends.filter((e) => e.status !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} burst runs failed: ${JSON.stringify(failed[0])}`);
  const nodes = new Set<string>();
  for (const r of runs) {
    const { node } = (await (await lr.api(`/runs/${r.id}`)).json()) as { node?: string };
    nodes.add(node ?? 'local');
  }
  return { ms, nodes: nodes.size };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  try {
    await using local = await startLightRun({ args: ['--max-concurrent', CONCURRENT] });
    const localOverhead = await overhead(local);
    const localBurst = await burst(local);

    let rig = swarmUp(2);
    let one: { ms: number; nodes: number };
    {
      await using swarm = await startSwarmLightRun(rig, ['--max-concurrent', CONCURRENT]);
      one = await burst(swarm);
    }
    rig = swarmUp(3);
    await using swarm = await startSwarmLightRun(rig, ['--max-concurrent', CONCURRENT]);
    const swarmOverhead = await overhead(swarm);
    const two = await burst(swarm);

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const rate = (b: { ms: number }) => `${((BURST * 1000) / b.ms).toFixed(2)} runs/s`;
    rows.push(
      '| measure | local backend | swarm | ratio (swarm / local) |',
      '| --- | --- | --- | --- |',
      `| one quick step, median of ${OVERHEAD_RUNS} sync runs | ${s(localOverhead)} | ${s(swarmOverhead)} (2 workers) | ${(swarmOverhead / localOverhead).toFixed(1)}x |`,
      `| ${BURST} quick runs, ${CONCURRENT} at once: 1 engine (local) | ${s(localBurst.ms)}, ${rate(localBurst)} | | |`,
      `| ${BURST} quick runs: swarm, manager + 1 worker (${one.nodes} node used) | | ${s(one.ms)}, ${rate(one)} | ${(one.ms / localBurst.ms).toFixed(1)}x the time |`,
      `| ${BURST} quick runs: swarm, manager + 2 workers (${two.nodes} nodes used) | | ${s(two.ms)}, ${rate(two)} | ${(two.ms / localBurst.ms).toFixed(1)}x the time; ${(one.ms / two.ms).toFixed(2)}x the 1-worker throughput |`,
    );
    console.log(rows.join('\n'));
  } finally {
    execFileSync('bash', [DOWN], { stdio: 'inherit' });
  }
}

await main();
