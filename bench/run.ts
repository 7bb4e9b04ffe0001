// Entry of `npm run bench`: runs the selected sections one after another, prints the
// ratio table, writes bench/results/latest.{md,json} and checks that nothing is left behind.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { artifacts } from './artifacts.ts';
import { dag } from './dag.ts';
import { durable } from './durable.ts';
import type { BenchContext } from './lib/context.ts';
import { benchNetwork, dockerClient, removeBenchContainers } from './lib/docker.ts';
import { freshness } from './lib/freshness.ts';
import { describe } from './lib/interleave.ts';
import { benchLeftovers } from './lib/leaks.ts';
import { inspectShutdownsWith, shutdownFindings } from './lib/light-run.ts';
import { markdown, ratioTable, type SectionResult, section } from './lib/report.ts';
import { load } from './load.ts';
import { makespan } from './makespan.ts';
import { map } from './map.ts';
import { overhead } from './overhead.ts';
import { scheduler } from './scheduler.ts';
import { speed } from './speed.ts';
import { transfer } from './transfer.ts';
import { warmStart } from './warm-start.ts';

const SECTIONS: Record<string, (ctx: BenchContext) => Promise<SectionResult>> = {
  overhead,
  dag,
  makespan,
  scheduler,
  load,
  artifacts,
  'warm-start': warmStart,
  speed,
  map,
  durable,
  transfer,
};

const USAGE = `usage: npm run bench -- [--only ${Object.keys(SECTIONS).join(',')}] [--runs N] [--quick]
  --only   comma-separated sections (default: all)
  --runs   measured runs per variant in interleaved sections (default 15)
  --quick  smaller sizes everywhere (a smoke run of the harness, not a measurement)
  --render rewrite results/latest.md from results/latest.json (no measurement)`;

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** Re-renders the Markdown report from the JSON of the last run. */
function render(): number {
  const { meta, results } = JSON.parse(readFileSync(`${RESULTS_DIR}latest.json`, 'utf8')) as {
    meta: Record<string, string>;
    results: SectionResult[];
  };
  const units = (u: string) => (u.includes('|') ? 'mixed' : u);
  for (const r of results) for (const m of r.measurements) m.unit = units(m.unit);
  writeFileSync(`${RESULTS_DIR}latest.md`, markdown(results, meta));
  console.log(ratioTable(results));
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '15' },
      quick: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.render) return render();
  const chosen = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SECTIONS);
  const unknown = chosen.filter((s) => !SECTIONS[s]);
  const runs = Number(values.runs);
  if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1 || runs > 1000) {
    console.error(unknown.length ? `unknown section(s): ${unknown.join(', ')}` : '--runs must be 1..1000');
    console.error(USAGE);
    return 2;
  }
  const docker = dockerClient();
  inspectShutdownsWith(docker);
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const startedAt = new Date().toISOString();
  // Judged before measuring: what matters is whether the code measured was current.
  const packages = freshness();
  const results: SectionResult[] = [];
  const net = await benchNetwork(docker);
  const ctx: BenchContext = {
    docker,
    runs,
    quick: values.quick,
    network: net.name,
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
  };
  let removed = 0;
  try {
    for (const name of chosen) {
      const fn = SECTIONS[name];
      if (!fn) continue;
      ctx.log(`section ${name}`);
      const t0 = Date.now();
      try {
        results.push(await fn(ctx));
      } catch (err) {
        const failed = section(name, 'section failed');
        failed.errors.push(describe(err));
        results.push(failed);
      }
      ctx.log(`section ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    removed = await removeBenchContainers(docker);
    await net[Symbol.asyncDispose]();
  }
  const { ours: leftovers, shared, others } = await benchLeftovers(docker);
  const meta: Record<string, string> = {
    command,
    started: startedAt,
    finished: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    engine: `Docker ${(await docker.version()).Version}`,
    'packages (dist vs src, at start)': packages,
    'leak check':
      leftovers.length === 0
        ? `clean: no container, network, temp dir or light-run process of the benchmark left (${others} project resources of other sessions present, not counted)`
        : `LEFT: ${leftovers.join('; ')}`,
  };
  if (shutdownFindings.length > 0) {
    meta['left by light-run at shutdown (found and removed by the bench)'] = shutdownFindings.join('; ');
  }
  if (shared.length > 0)
    meta['shared default network created by a bench light-run, still used by others'] = shared.join(', ');
  if (removed > 0) meta['stray bench containers removed at the end'] = String(removed);
  const md = markdown(results, meta);
  const dir = RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.md`, md);
  writeFileSync(`${dir}latest.json`, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  console.log(ratioTable(results));
  for (const r of results) {
    for (const n of r.notes) console.log(`[${r.id}] ${n}`);
    for (const m of r.missing) console.log(`[${r.id}] not measured: ${m}`);
    for (const e of r.errors) console.log(`[${r.id}] error: ${e}`);
  }
  console.log(`leak check: ${meta['leak check']}`);
  for (const f of shutdownFindings) console.log(`light-run shutdown: ${f} (removed by the bench)`);
  console.log(`full report: bench/results/latest.md`);
  return leftovers.length === 0 ? 0 : 1;
}

process.exitCode = await main();
