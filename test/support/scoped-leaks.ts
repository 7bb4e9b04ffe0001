import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import { removeTempDir } from './temp.ts';

/**
 * What one test file created: the owner labels of its light-run instances, the names (or
 * prefixes) of networks it made, its temp dirs and the pids of its children. The leak check
 * of a file looks at exactly these, so it holds even while other suites share the engine.
 */
export interface LeakScope {
  owners: Set<string>;
  networkPrefixes: Set<string>;
  tempPaths: Set<string>;
  pids: Set<number>;
}

/** An empty scope to fill as a file creates things. */
export function leakScope(): LeakScope {
  return { owners: new Set(), networkPrefixes: new Set(), tempPaths: new Set(), pids: new Set() };
}

/** Adds a started light-run (its owner label, data dir and pid) to `scope`; returns it. */
export function track<T extends { owner: string; dataDir: string; pid: number }>(scope: LeakScope, lr: T): T {
  scope.owners.add(lr.owner);
  scope.tempPaths.add(lr.dataDir);
  scope.pids.add(lr.pid);
  return lr;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Live processes whose command line mentions one of `needles` (e.g. a data dir of the scope). */
function processesMentioning(needles: string[]): string[] {
  if (needles.length === 0) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // ended while we looked
    }
    if (cmd.includes('light-run') && needles.some((n) => cmd.includes(n)) && alive(Number(pid)))
      found.push(`${pid}: ${cmd}`);
  }
  return found;
}

/** What the scope left behind, by kind (empty lists when nothing). */
export async function leftoversOf(
  scope: LeakScope,
  docker = new Dockerode(),
): Promise<Record<string, string[]>> {
  const owners = [...scope.owners];
  const mine = (labels: Record<string, string> | undefined | null) =>
    owners.includes(labels?.['dev.light.owner'] ?? '');
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters: JSON.stringify({ label: ['dev.light.managed=true'] }) }),
    docker.listNetworks(),
    docker.listVolumes(),
  ]);
  const prefixes = [...scope.networkPrefixes];
  return {
    containers: containers.filter((c) => mine(c.Labels)).map((c) => `${c.Names[0]} (${c.State})`),
    networks: networks
      .filter((n) => mine(n.Labels) || prefixes.some((p) => n.Name.startsWith(p)))
      .map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).filter((v) => mine(v.Labels)).map((v) => v.Name),
    tempDirs: [...scope.tempPaths].filter((p) => existsSync(p)),
    processes: [
      ...[...scope.pids].filter(alive).map((p) => `pid ${p}`),
      ...processesMentioning([...scope.tempPaths]),
    ],
    // light-runner's host firewall rules are named `light-runner:<network>`; light-run's
    // default network is `<owner>-default`, so owners serve as name prefixes too.
    firewallRules: firewallRulesNaming([...owners, ...prefixes]),
  };
}

/** INPUT rules of light-runner whose network name starts with one of `prefixes` (none without iptables). */
function firewallRulesNaming(prefixes: string[]): string[] {
  if (prefixes.length === 0 || process.getuid?.() !== 0) return [];
  let listing: string;
  try {
    listing = execFileSync('iptables', ['-w', '-S', 'INPUT'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return []; // no iptables here: the runner added no rules either
  }
  return listing
    .split('\n')
    .filter((line) => prefixes.some((p) => line.includes(`light-runner:${p}`)))
    .map((line) => line.trim());
}

/** Throws, naming each leftover, unless the scope left nothing. Polls briefly: removal is async. */
export async function assertNoLeaksOf(scope: LeakScope, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = await leftoversOf(scope);
    const lines = Object.entries(left)
      .filter(([, items]) => items.length > 0)
      .map(([kind, items]) => `${kind}: ${items.join(', ')}`);
    if (lines.length === 0) return;
    if (Date.now() > deadline) throw new Error(`resources left behind:\n  ${lines.join('\n  ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Removes whatever the scope left (after the assertion that it left nothing has run), so one
 * failed case does not spill into the next: kills its pids, removes its labelled containers
 * and networks, deletes its temp dirs.
 */
export async function reapScope(scope: LeakScope, docker = new Dockerode()): Promise<void> {
  for (const pid of scope.pids) {
    try {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const owners = [...scope.owners];
  const mine = (labels: Record<string, string> | undefined | null) =>
    owners.includes(labels?.['dev.light.owner'] ?? '');
  const containers = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: ['dev.light.managed=true'] }),
  });
  for (const c of containers.filter((c) => mine(c.Labels)))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  const prefixes = [...scope.networkPrefixes];
  for (const n of await docker.listNetworks()) {
    if (mine(n.Labels) || prefixes.some((p) => n.Name.startsWith(p)))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
  }
  for (const rule of firewallRulesNaming([...owners, ...prefixes])) {
    try {
      execFileSync('iptables', ['-w', ...rule.replace(/^-A /, '-D ').replaceAll('"', '').split(/\s+/)], {
        stdio: 'ignore',
      });
    } catch {
      // already removed by the runner meanwhile
    }
  }
  for (const path of scope.tempPaths) removeTempDir(path);
}
