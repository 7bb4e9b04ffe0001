// A quick look at one warm light-run under a burst, outside the full bench: 10 streamed
// quick runs one by one, then 10 at once, twice, each batch starting from a full pool;
// per run, which container served it (`pool` or a cold `run`) and the engine's own
// timeline (create, start, extract-to-dir, die, archive-path, destroy; ms from the batch
// start), plus the pool's refills. Not a measurement: 2 pairs, no interleaving.
//
//   node --import tsx bench/pool-profile.ts [pool size, default 4] [extra light-run flags]
import Dockerode from 'dockerode';
import { EngineEvents, epochMs } from './lib/events.ts';
import { lightRunOwner } from './lib/leaks.ts';
import { inspectShutdownsWith, startLightRun } from './lib/light-run.ts';
import { STEP_IMAGE, STEP_INPUT, STEP_OUTPUT, STEP_WORKDIR, stepScript } from './lib/step.ts';

const BURST = 10;
const size = Number(process.argv[2] ?? 4);
const docker = new Dockerode();
inspectShutdownsWith(docker);
const lr = await startLightRun(
  ['--warm-pool', STEP_IMAGE, '--warm-pool-size', String(size), ...process.argv.slice(3)],
  'pool-profile',
);
const body = JSON.stringify({
  image: STEP_IMAGE,
  files: { [STEP_INPUT.name]: STEP_INPUT.content },
  entrypoint: stepScript(),
  extract: [`${STEP_WORKDIR}/${STEP_OUTPUT}`],
  detached: true,
});

interface Done {
  id: string;
  t0: number;
  t1: number;
}

async function one(): Promise<Done> {
  const t0 = epochMs();
  const res = await fetch(`${lr.url}/run?stream=ndjson`, {
    method: 'POST',
    headers: { authorization: `Bearer ${lr.token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  const end = JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as {
    state?: { id: string; status: string };
  };
  if (end.state?.status !== 'succeeded') throw new Error(`run did not succeed: ${text.slice(-300)}`);
  const t1 = epochMs();
  await fetch(`${lr.url}/runs/${end.state.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${lr.token}` },
  });
  return { id: end.state.id, t0, t1 };
}

/** Waits until `size` containers are parked (running, kind pool, this light-run's owner). */
async function full(): Promise<void> {
  const t = Date.now();
  const filters = JSON.stringify({
    label: [`dev.light.owner=${lightRunOwner(lr.dataDir)}`, 'dev.light.kind=pool'],
    status: ['running'],
  });
  while ((await docker.listContainers({ filters })).length < size)
    await new Promise((r) => setTimeout(r, 200));
  console.log(`(pool full after ${Date.now() - t} ms)`);
}

function report(events: EngineEvents, name: string, t0: number, runs: Done[]): void {
  console.log(`${name}: total ${(epochMs() - t0).toFixed(0)} ms`);
  const byRun = new Map<string, { action: string; t: number; kind: string }[]>();
  for (const e of events.events) {
    const id = e.attributes['dev.light.run-id'] ?? '?';
    const list = byRun.get(id) ?? [];
    list.push({ action: e.action, t: e.timeMs - t0, kind: e.attributes['dev.light.kind'] ?? '' });
    byRun.set(id, list);
  }
  const line = (evs: { action: string; t: number }[]) =>
    evs.map((e) => `${e.action}@${e.t.toFixed(0)}`).join(' ');
  for (const r of runs) {
    const evs = byRun.get(r.id) ?? [];
    const span = `${(r.t0 - t0).toFixed(0)}..${(r.t1 - t0).toFixed(0)} (${(r.t1 - r.t0).toFixed(0)} ms)`;
    console.log(`  run ${r.id.slice(0, 8)} ${span} ${evs[0]?.kind ?? '?'}: ${line(evs)}`);
  }
  const ids = new Set(runs.map((r) => r.id));
  for (const [id, evs] of byRun) {
    if (!ids.has(id) && evs.some((e) => e.action === 'create' && e.t > 0))
      console.log(`  refill ${id.slice(0, 8)}: ${line(evs)}`);
  }
}

try {
  await using events = await EngineEvents.start(docker);
  await full();
  for (let round = 0; round < 2; round++) {
    let t0 = epochMs();
    const serial: Done[] = [];
    for (let i = 0; i < BURST; i++) serial.push(await one());
    report(events, 'one by one', t0, serial);
    await full();
    t0 = epochMs();
    report(events, 'at once', t0, await Promise.all(Array.from({ length: BURST }, () => one())));
    await full();
  }
} finally {
  await lr.stop();
}
