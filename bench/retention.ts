// A one-off measurement of light-run's retention (issue 10.5), not a section of `npm run bench`:
// N quick runs against the light-run bin with --keep-runs K, then the count of run records
// and of each kind of file left in its data dir. Nothing is asserted; the numbers are printed.
//   node --import tsx bench/retention.ts [--runs 2000] [--keep-runs 100] [--parallel 4]
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startLightRun } from './lib/light-run.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    'keep-runs': { type: 'string', default: '100' },
    parallel: { type: 'string', default: '4' },
  },
});
const runs = Number(values.runs);
const keepRuns = Number(values['keep-runs']);
const parallel = Number(values.parallel);

function kinds(dataDir: string): Record<string, number> {
  const count = (sub: string) =>
    existsSync(join(dataDir, sub)) ? readdirSync(join(dataDir, sub)).length : 0;
  return {
    records: count('runs'),
    logs: count('logs'),
    artifacts: count('artifacts'),
    runner: count('runner'),
  };
}

await using lr = await startLightRun(
  ['--keep-runs', String(keepRuns), '--max-concurrent', String(parallel)],
  'retention',
);
const headers = { authorization: `Bearer ${lr.token}`, 'content-type': 'application/json' };
const body = JSON.stringify({
  image: 'localhost/light-sh',
  entrypoint: 'echo quick; echo out > out.txt',
  extract: ['/app/out.txt'],
});
let next = 0;
let failed = 0;
/** Failed runs by error code (or HTTP status when the run was refused). */
const failures: Record<string, number> = {};
const started = Date.now();
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < runs) {
      next += 1;
      const res = await fetch(`${lr.url}/run`, { method: 'POST', headers, body });
      const state = (await res.json()) as { status?: string; error?: { code: string; message?: string } };
      if (state.status !== 'succeeded') {
        failed += 1;
        const key = state.error?.code ?? `HTTP ${res.status}`;
        failures[key] = (failures[key] ?? 0) + 1;
        if (failures[key] === 1) process.stderr.write(`first ${key}: ${state.error?.message ?? ''}\n`);
      }
      if (next % 250 === 0) process.stderr.write(`${next} runs, ${JSON.stringify(kinds(lr.dataDir))}\n`);
    }
  }),
);
const elapsedS = (Date.now() - started) / 1000;
// Deletions after the last run are asynchronous: give the last sweep a moment.
await sleep(2000);
const listed = (await (await fetch(`${lr.url}/runs?limit=1000`, { headers })).json()) as { runs: unknown[] };
const rssKiB = lr.rssKiB();
console.log(
  JSON.stringify(
    {
      runs,
      keepRuns,
      parallel,
      failed,
      failures,
      elapsedS,
      listed: listed.runs.length,
      files: kinds(lr.dataDir),
      rssKiB,
    },
    null,
    2,
  ),
);
