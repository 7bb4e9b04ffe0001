import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { LogStore } from '../runs/log-store.ts';
import type { RunManager } from '../runs/run-manager.ts';
import type { ResolvedOptions } from './options.ts';

/** The network helpers of light-runner that the network routes use. */
export interface NetworkPort {
  create(
    name: string,
    options: { internal: boolean; icc: boolean },
  ): Promise<{ name: string; created: boolean }>;
  exists(name: string): Promise<boolean>;
  remove(name: string): Promise<unknown>;
  cleanup(options: { prefix?: string; maxAgeMs?: number }): Promise<string[]>;
}

/** What every route handler works with. */
export interface ServerContext {
  options: ResolvedOptions;
  manager: RunManager;
  artifacts: ArtifactStore;
  logs: LogStore;
  networks: NetworkPort;
  /** Engine version, or an error with code ENGINE_UNREACHABLE. */
  ping(): Promise<{ version: string }>;
}
