import type { DiskQuotaProbe } from '../enforcement/disk-quota.ts';
import type { Engine } from '../engine/engine.ts';
import type { DefaultNetwork } from '../network/default-network.ts';
import type { HostFirewall } from '../network/host-firewall.ts';
import type { EngineWork } from '../pool/engine-work.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ResolvedOptions } from './options.ts';

/** What every part of a run needs from its runner. */
export interface RunContext {
  engine: Engine;
  store: StateStore;
  options: Readonly<ResolvedOptions>;
  defaultNetwork: DefaultNetwork;
  /** Whether the engine enforces a per-container size quota (probed once). */
  diskQuota: DiskQuotaProbe;
  /** Guards the runner's bridges from reaching the host. */
  firewall: HostFirewall;
  /** Containers of finished runs whose removal failed (e.g. the engine was away); retried before the next run. */
  leftovers: Set<string>;
  /** Runs busy with the engine (set-up or tear-down) now; the warm pool refills below a threshold of them. */
  engineWork: EngineWork;
}
