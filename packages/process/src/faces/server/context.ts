import type { RunRegistry } from './run-registry.ts';
import type { HistoryStore } from './store/history-store.ts';
import type { NodeCacheStore } from './store/node-cache-store.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What route handlers share: the workflows, the runs and the history. */
export interface ServerContext {
  catalog: WorkflowCatalog;
  runs: RunRegistry;
  store: HistoryStore;
  /** The node cache of memoized nodes (`cache: { ttl }`). */
  cache: NodeCacheStore;
  /** light-process version, as `/health` reports it. */
  version: string;
}
