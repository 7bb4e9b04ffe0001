import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { listLeftovers } from '../../test/support/leaks.ts';
import { BENCH_TMP_PREFIX } from './temp.ts';

// Other sessions run tests on this engine at the same time, so the project-wide leak check
// (test/support/leaks.ts) would blame the benchmark for their resources. This check looks
// only at what the benchmark can own: its owner labels, its temp-dir prefix, its light-runs.

/** Owner label values the benchmark uses directly (raw engine, its DockerRunner). */
export const BENCH_OWNERS = new Set(['bench', 'light-bench']);

/** Owner label light-run gives its containers for a data dir (mirrors its server options). */
export function lightRunOwner(dataDir: string): string {
  return `light-run-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/** Registers the owner of a light-run the benchmark started. */
export function ownLightRun(dataDir: string): void {
  BENCH_OWNERS.add(lightRunOwner(dataDir));
}

/** What the benchmark left behind, and how many project resources other sessions hold. */
export async function benchLeftovers(
  docker: Dockerode,
): Promise<{ ours: string[]; shared: string[]; others: number }> {
  const all = await listLeftovers(docker);
  const filters = JSON.stringify({ label: ['dev.light.managed=true'] });
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  const mine = (labels: Record<string, string> | undefined) =>
    BENCH_OWNERS.has(labels?.['dev.light.owner'] ?? '');
  // light-runner's default network is shared by name between every runner on the host and
  // labelled with its first creator: one of ours may have created it while other sessions'
  // containers still use it. That one is reported as shared, not as a leak.
  const shared: string[] = [];
  const ourNetworks: string[] = [];
  for (const n of networks.filter((x) => mine(x.Labels) || x.Name.startsWith('light-bench'))) {
    const info = (await docker.getNetwork(n.Id).inspect()) as { Containers?: Record<string, unknown> };
    const users = Object.keys(info.Containers ?? {}).length;
    if (users > 0 && !n.Name.startsWith('light-bench'))
      shared.push(`${n.Name} (${users} containers of other sessions)`);
    else ourNetworks.push(`network ${n.Name}`);
  }
  const ours = [
    ...containers.filter((c) => mine(c.Labels)).map((c) => `container ${c.Names[0] ?? c.Id} (${c.State})`),
    ...ourNetworks,
    ...readdirSync(tmpdir())
      .filter((n) => n.startsWith(BENCH_TMP_PREFIX))
      .map((n) => `temp dir ${n}`),
    ...benchLightRuns().map((p) => `process ${p}`),
  ];
  const total = Object.values(all).reduce((n, items) => n + items.length, 0);
  return { ours, shared, others: Math.max(0, total - ours.length) };
}

function benchLightRuns(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // the process ended while we looked
    }
    if (cmd.includes('light-run') && cmd.includes(`${tmpdir()}/${BENCH_TMP_PREFIX}`))
      found.push(`${pid}: ${cmd.trim()}`);
  }
  return found;
}
