import type { Engine } from '../engine/engine.ts';
import type { DefaultNetwork } from '../network/default-network.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ResolvedOptions } from './options.ts';

/** What every part of a run needs from its runner. */
export interface RunContext {
  engine: Engine;
  store: StateStore;
  options: Readonly<ResolvedOptions>;
  defaultNetwork: DefaultNetwork;
  /** Containers of finished runs whose removal failed (e.g. the engine was away); retried before the next run. */
  leftovers: Set<string>;
}
