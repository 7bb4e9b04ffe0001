import type { ServerRunner } from './options.ts';
import type { RunRegistry } from './run-registry.ts';
import type { HistoryStore } from './store/history-store.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What route handlers share: the workflows, the runs and the history. */
export interface ServerContext {
  catalog: WorkflowCatalog;
  runs: RunRegistry;
  store: HistoryStore;
  /** Where node artifacts are read from (light-run). */
  runner: ServerRunner;
  /** light-process version, as `/health` reports it. */
  version: string;
}
