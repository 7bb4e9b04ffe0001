import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { type LightRunProc, startLightRun } from './light-run-proc.ts';

const UP = fileURLToPath(new URL('../../scripts/swarm-up.sh', import.meta.url));

/** What scripts/swarm-up.sh printed. */
export interface SwarmRig {
  registry: string;
  /** Container names (= swarm hostnames) of the worker engines. */
  workers: string[];
  /** The manager's hostname. */
  manager: string;
}

/** Starts (or reuses) the local swarm of `engines` engines with the project's script. */
export function swarmUp(engines = 3): SwarmRig {
  const out = execFileSync('bash', [UP, String(engines)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const values = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  if (values.DOCKER_HOST !== '')
    throw new Error(`swarm-up.sh: expected the local engine as manager, got ${out}`);
  const registry = values.LIGHT_REGISTRY;
  if (!registry) throw new Error(`swarm-up.sh printed no LIGHT_REGISTRY: ${out}`);
  const manager = execFileSync('docker', ['info', '--format', '{{.Name}}'], { encoding: 'utf8' }).trim();
  return { registry, workers: (values.LIGHT_SWARM_WORKERS ?? '').split(',').filter(Boolean), manager };
}

/** `light-run serve --backend swarm` over the rig; 12 runs at once (a later flag wins). */
export function startSwarmLightRun(rig: SwarmRig, args: string[] = []): Promise<LightRunProc> {
  return startLightRun({
    args: ['--backend', 'swarm', '--registry', rig.registry, '--max-concurrent', '12', ...args],
  });
}

/** Services, configs and overlay networks a light-run owner left on the swarm. */
export async function swarmLeftovers(owner: string, docker = new Dockerode()): Promise<string[]> {
  const label = [`dev.light.owner=${owner}`];
  const services = (await docker.listServices({ filters: { label } })) as Array<{ Spec?: { Name?: string } }>;
  const configs = (await docker.listConfigs({ filters: { label } })) as Array<{ Spec?: { Name?: string } }>;
  const networks = await docker.listNetworks({ filters: { label, driver: ['overlay'] } });
  return [
    ...services.map((s) => `service ${s.Spec?.Name}`),
    ...configs.map((c) => `config ${c.Spec?.Name}`),
    ...networks.map((n) => `network ${n.Name}`),
  ];
}

/** Waits until nothing of `owner` is left on the swarm (removal is asynchronous); throws naming what is. */
export async function assertNoSwarmLeftovers(owner: string, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let left = await swarmLeftovers(owner);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    left = await swarmLeftovers(owner);
  }
  if (left.length > 0) throw new Error(`left on the swarm by ${owner}: ${left.join(', ')}`);
}

/** Writes a workflow folder: workflow.json and one folder per node/service (`.node.json` + files). */
export function writeWorkflow(
  dir: string,
  workflow: Record<string, unknown>,
  nodes: Record<string, { node: Record<string, unknown>; files?: Record<string, string> }>,
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'workflow.json'), JSON.stringify(workflow, null, 2));
  for (const [name, { node, files }] of Object.entries(nodes)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, '.node.json'), JSON.stringify(node, null, 2));
    for (const [path, content] of Object.entries(files ?? {})) {
      mkdirSync(join(dir, name, path, '..'), { recursive: true });
      writeFileSync(join(dir, name, path), content);
    }
  }
  return dir;
}

/** `GET /runs` of a light-run: every run with its node. */
export async function runsOf(
  lr: LightRunProc,
): Promise<Array<{ id: string; status: string; node?: string; image: string }>> {
  const body = (await (await lr.api('/runs?limit=1000')).json()) as {
    runs: Array<{ id: string; status: string; node?: string; image: string }>;
  };
  return body.runs;
}
