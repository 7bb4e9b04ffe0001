import type { RunnerEnforcement, RunnerSettings, SwarmNode } from 'light-runner';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { LeaseRegistry } from '../leases/lease-registry.ts';
import type { LogStore } from '../runs/log-store.ts';
import type { RunManager } from '../runs/run-manager.ts';
import type { UploadStore } from '../uploads/upload-store.ts';
import type { ResolvedOptions } from './options.ts';

/** The network helpers of light-runner that the network routes use. */
export interface NetworkPort {
  create(
    name: string,
    options: { internal: boolean; icc: boolean },
  ): Promise<{ name: string; created: boolean }>;
  exists(name: string): Promise<boolean>;
  /** `own`: made by this light-run (POST /networks, or its default network); `foreign`: anyone else's. */
  ownership(name: string): Promise<'own' | 'foreign' | 'missing'>;
  remove(name: string): Promise<unknown>;
  cleanup(options: { prefix?: string; maxAgeMs?: number }): Promise<string[]>;
}

/** What every route handler works with. */
export interface ServerContext {
  options: ResolvedOptions;
  manager: RunManager;
  artifacts: ArtifactStore;
  /** Node files streamed in ahead of a run (`POST /uploads`). */
  uploads: UploadStore;
  logs: LogStore;
  /** Leases that tie runs and networks to a live client. */
  leases: LeaseRegistry;
  networks: NetworkPort;
  /** The image ID of a reference on this engine (no pull); undefined when the engine has no such image. */
  imageId(image: string): Promise<string | undefined>;
  /** Engine version, or an error with code ENGINE_UNREACHABLE. */
  ping(): Promise<{ version: string }>;
  /** What every container gets (caps with defaults applied, runtime, GPUs, warm pool). */
  runnerSettings(): RunnerSettings;
  /** Swarm backend: the registry and the cluster's nodes; undefined for the docker backend. */
  cluster?: () => Promise<{ registry: string | null; nodes: SwarmNode[] }>;
  /** Which limits the engine and host enforce, as the runner probed them. */
  enforcement(): Promise<RunnerEnforcement>;
}
