import type Dockerode from 'dockerode';
import { LABELS } from '../labels.ts';
import type { ResolvedOptions } from './options.ts';
import type { ValidRequest } from './validate-request.ts';

/**
 * Capabilities always dropped. Docker's default set minus these still lets a normal
 * process run (chown, setuid to a user, bind low ports), but not forge packets, make
 * device nodes, chroot, change capability sets or write the audit log.
 */
export const DROPPED_CAPABILITIES = ['NET_RAW', 'MKNOD', 'SYS_CHROOT', 'SETPCAP', 'SETFCAP', 'AUDIT_WRITE'];

/** Networks the engine predefines; they take no aliases. */
const PREDEFINED_NETWORKS = new Set(['none', 'bridge', 'host', 'default']);

/** The container command: setup chained with `&&`, then the entrypoint; undefined keeps the image's. */
export function commandOf(request: Pick<ValidRequest, 'setup' | 'entrypoint'>): string | undefined {
  const parts = [...request.setup, ...(request.entrypoint === undefined ? [] : [request.entrypoint])];
  return parts.length === 0 ? undefined : parts.join(' && ');
}

/** DNS aliases on a network: the run id, so `${service:<id>}` resolves, except on predefined networks. */
export function aliasesFor(network: string, runId: string): string[] {
  return PREDEFINED_NETWORKS.has(network) ? [] : [runId];
}

/**
 * The create body for one run. Hardening (dropped capabilities, no-new-privileges,
 * PID/memory/CPU caps) comes from the runner's options only; a request cannot relax it.
 * `storageBytes` (bytes) sets the engine's size quota of the container's filesystem.
 */
export function containerSpec(
  request: ValidRequest,
  options: ResolvedOptions,
  primaryNetwork: string,
  storageBytes?: number,
): Dockerode.ContainerCreateOptions {
  const command = commandOf(request);
  const openStdin = request.stdin !== undefined;
  const host: Dockerode.HostConfig = {
    NetworkMode: primaryNetwork,
    CapDrop: DROPPED_CAPABILITIES,
    SecurityOpt: ['no-new-privileges'],
    PidsLimit: options.pids,
    Memory: options.memoryBytes,
    MemorySwap: options.memoryBytes,
    NanoCpus: Math.round(options.cpus * 1e9),
    Privileged: false,
    // No single file may outgrow the disk bound (the writable layer as a whole is watched).
    Ulimits: [{ Name: 'fsize', Soft: options.diskBytes, Hard: options.diskBytes }],
    // The engine keeps its own copy of the output on the host's disk: keep it small. The
    // runner reads output through attach; the log is only for re-attaching (its tail).
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
    // A minimal init as PID 1 forwards stop signals to the command (a bare PID 1 ignores
    // SIGTERM, so every stop would wait out its grace) and reaps zombies.
    Init: true,
  };
  // The engine's per-container quota of the writable layer, where it has one (see disk-quota.ts).
  if (storageBytes !== undefined) host.StorageOpt = { size: String(storageBytes) };
  if (options.runtime) host.Runtime = options.runtime;
  if (options.gpus !== undefined) {
    host.DeviceRequests = [
      { Driver: '', Count: options.gpus === 'all' ? -1 : options.gpus, Capabilities: [['gpu']] },
    ];
  }
  const spec: Dockerode.ContainerCreateOptions = {
    name: `light-${request.id}`,
    Image: request.image,
    Hostname: request.id,
    WorkingDir: request.workdir,
    Env: request.env,
    Labels: {
      ...request.labels,
      [LABELS.managed]: 'true',
      [LABELS.runId]: request.id,
      [LABELS.owner]: options.owner,
      [LABELS.kind]: 'run',
    },
    AttachStdin: openStdin,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: openStdin,
    StdinOnce: openStdin,
    Tty: false,
    StopSignal: 'SIGTERM',
    HostConfig: host,
    NetworkingConfig: {
      EndpointsConfig: { [primaryNetwork]: { Aliases: aliasesFor(primaryNetwork, request.id) } },
    },
  };
  if (command !== undefined) {
    spec.Entrypoint = ['/bin/sh', '-c'];
    spec.Cmd = [command];
  }
  return spec;
}
