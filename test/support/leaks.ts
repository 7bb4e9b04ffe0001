import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Dockerode from 'dockerode';

/** Label every project resource carries (mirrors light-runner's LABELS.managed). */
const MANAGED = 'dev.light.managed=true';

/** Prefix of every temp dir the project and its tests create; the leak check looks for it. */
export const TEMP_PREFIX = 'light-';

/** What the project left behind, by kind. */
export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
  tempDirs: string[];
  processes: string[];
}

/** Lists project resources that still exist: labelled Docker objects, temp dirs, light-run children. */
export async function listLeftovers(docker = new Dockerode()): Promise<Leftovers> {
  const filters = JSON.stringify({ label: [MANAGED] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => `${c.Names[0] ?? c.Id} (${c.State})`),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    tempDirs: readdirSync(tmpdir()).filter((n) => n.startsWith(TEMP_PREFIX)),
    processes: lightRunProcesses(),
  };
}

function lightRunProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (/light-run(\.js|\.ts)? serve|bin\/light-run/.test(cmd)) found.push(`${pid}: ${cmd}`);
  }
  return found;
}

/** Throws, naming every leftover, unless the project left nothing behind. */
export async function assertNoLeaks(docker?: Dockerode): Promise<void> {
  const left = await listLeftovers(docker);
  const lines = Object.entries(left)
    .filter(([, items]) => items.length > 0)
    .map(([kind, items]) => `${kind}: ${items.join(', ')}`);
  if (lines.length > 0) throw new Error(`resources left behind:\n  ${lines.join('\n  ')}`);
}
