import type Dockerode from 'dockerode';
import type { PullProgress } from '../engine/pull-image.ts';
import { InvalidRequestError } from '../errors.ts';
import type { WarmPoolOptions } from '../pool/pool-options.ts'; // warm-pool hook

/** Options of a {@link DockerRunner}; validated once, then frozen. */
export interface DockerRunnerOptions {
  /** Injected engine client. @default new Dockerode() (the local socket) */
  docker?: Dockerode;
  /** Directory of run records: `<stateDir>/<id>.json`, written atomically. */
  stateDir: string;
  /** Extracted files land in `<artifactsDir>/<runId>/<artifact path>`. */
  artifactsDir: string;
  /** Value of the owner label; reapOrphans() only touches containers with the same owner. @default 'light-runner' */
  owner?: string;
  /**
   * Per-container caps. `diskBytes` bounds what a container writes to its filesystem (workdir,
   * /tmp, anywhere): no single file can grow past it, and a run whose writable layer reaches it
   * is killed and fails with DISK_LIMIT. @default { memoryBytes: 512 MiB, cpus: 1, pids: 100, diskBytes: 1 GiB }
   */
  limits?: { memoryBytes?: number; cpus?: number; pids?: number; diskBytes?: number };
  /** OCI runtime: `runsc` runs containers under gVisor. @default engine default (runc) */
  runtime?: 'runc' | 'runsc';
  /** GPUs handed to every container (`all` or a count); needs the NVIDIA runtime. @default none */
  gpus?: 'all' | number;
  /** Cap per extracted file, and for all the extracted files of one run together, in bytes. @default 268435456 (256 MiB) */
  maxExtractBytes?: number;
  /** Network used when a request names none; created on demand with inter-container traffic off. @default 'light-isolated' */
  defaultNetwork?: string;
  /**
   * Host firewall rules that keep containers on the runner's bridges from reaching any address
   * of the host: `auto` adds them where it can (root, a working iptables, an engine on this
   * host) and {@link DockerRunner.enforcement} tells whether they hold; `off` never adds them.
   * @default 'auto'
   */
  hostFirewall?: 'auto' | 'off';
  /** Progress of image pulls. */
  onPullProgress?: (event: PullProgress) => void;
  /** warm-pool hook: containers started ahead per image and parked; see src/pool. @default undefined (off) */
  warmPool?: WarmPoolOptions;
  /**
   * Where the runner reports what it handled but a caller may want to know (a container it
   * could not remove, a disk measurement that failed, a firewall it cannot hold), one line
   * each. The library never writes to stderr itself. @default discarded (light-run passes its own log)
   */
  log?: (line: string) => void;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  stateDir: string;
  artifactsDir: string;
  owner: string;
  memoryBytes: number;
  cpus: number;
  pids: number;
  diskBytes: number;
  runtime: 'runc' | 'runsc' | undefined;
  gpus: 'all' | number | undefined;
  maxExtractBytes: number;
  defaultNetwork: string;
  hostFirewall: 'auto' | 'off';
  onPullProgress: ((event: PullProgress) => void) | undefined;
  log: (line: string) => void;
}

/** 512 MiB. */
export const DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024;
/** 1 GiB. */
export const DEFAULT_DISK_BYTES = 1024 * 1024 * 1024;
/** 256 MiB. */
export const DEFAULT_MAX_EXTRACT_BYTES = 256 * 1024 * 1024;
/** Name of the shared isolated bridge. */
export const DEFAULT_NETWORK = 'light-isolated';

function positive(field: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new InvalidRequestError(field, `must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function hostFirewallMode(value: unknown): 'auto' | 'off' {
  if (value === undefined || value === 'auto' || value === 'off') return value ?? 'auto';
  throw new InvalidRequestError('hostFirewall', "must be 'auto' or 'off'");
}

function logOption(value: unknown): (line: string) => void {
  if (value === undefined) return () => undefined;
  if (typeof value === 'function') return value as (line: string) => void;
  throw new InvalidRequestError('log', 'must be a function');
}

/** Applies defaults and validates; throws InvalidRequestError naming the option. */
export function resolveOptions(options: DockerRunnerOptions): Readonly<ResolvedOptions> {
  if (!options.stateDir) throw new InvalidRequestError('stateDir', 'is required');
  if (!options.artifactsDir) throw new InvalidRequestError('artifactsDir', 'is required');
  if (options.gpus !== undefined && options.gpus !== 'all') positive('gpus', options.gpus, 1, true);
  return Object.freeze({
    stateDir: options.stateDir,
    artifactsDir: options.artifactsDir,
    owner: options.owner ?? 'light-runner',
    memoryBytes: positive('limits.memoryBytes', options.limits?.memoryBytes, DEFAULT_MEMORY_BYTES, true),
    cpus: positive('limits.cpus', options.limits?.cpus, 1, false),
    pids: positive('limits.pids', options.limits?.pids, 100, true),
    diskBytes: positive('limits.diskBytes', options.limits?.diskBytes, DEFAULT_DISK_BYTES, true),
    runtime: options.runtime,
    gpus: options.gpus,
    maxExtractBytes: positive('maxExtractBytes', options.maxExtractBytes, DEFAULT_MAX_EXTRACT_BYTES, true),
    defaultNetwork: options.defaultNetwork ?? DEFAULT_NETWORK,
    hostFirewall: hostFirewallMode(options.hostFirewall),
    onPullProgress: options.onPullProgress,
    log: logOption(options.log),
  });
}
