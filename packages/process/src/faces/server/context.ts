import type { ServerRunner } from './options.ts';
import type { RunRegistry } from './run-registry.ts';
import type { CronScheduler } from './schedules/scheduler.ts';
import type { HistoryStore } from './store/history-store.ts';
import type { NodeCacheStore } from './store/node-cache-store.ts';
import type { WebhookVerifier } from './webhook-signature.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What route handlers share: the workflows, the runs, the history and the triggers. */
export interface ServerContext {
  catalog: WorkflowCatalog;
  runs: RunRegistry;
  store: HistoryStore;
  scheduler: CronScheduler;
  verifier: WebhookVerifier;
  /** The value of a webhook's `secretEnv` variable, read by the server (never passed to a node). */
  secret: (name: string) => string | undefined;
  /** The node cache of memoized nodes (`cache: { ttl }`). */
  cache: NodeCacheStore;
  /** Where node artifacts are read from (light-run). */
  runner: ServerRunner;
  /** light-process version, as `/health` reports it. */
  version: string;
}
