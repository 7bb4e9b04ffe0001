/**
 * light-process/server: the REST server of `light serve`, its run history (SQLite) and the
 * internals the CLI and the server share. Importing it loads fastify and better-sqlite3; the
 * SDK (`light-process`) loads neither.
 *
 * @example
 * import { startLocalLightRun } from 'light-process';
 * import { createLightServer } from 'light-process/server';
 *
 * await using local = await startLocalLightRun();
 * await using server = await createLightServer({ dir: 'examples', runner: local.client });
 * console.log(await server.listen({ port: 3000 }));
 * @module
 */

// Server and history first, then the internals (engine parts, remote profiles of the CLI).
// One named export per line group, sorted by module path (biome keeps the order).

export { nodeRequest, PLACEHOLDER_FILE, scopedNetworkName } from './engine/node-request.ts';
export { normalizeOutput, OUTPUT_FILE, parseOutputFile } from './engine/output-channel.ts';
export type { Activation, ConditionEvaluator, Progress } from './engine/scheduler.ts';
export { Scheduler } from './engine/scheduler.ts';
export type { RemoteProfile, RemotesFile } from './faces/remote/remote-config.ts';
export { readRemotes, remotesPath, writeRemotes } from './faces/remote/remote-config.ts';
export type { ResolvedRemote } from './faces/remote/resolve-remote.ts';
export { resolveRemote } from './faces/remote/resolve-remote.ts';
export type { ApiErrorBody, ApiErrorCode } from './faces/server/api-error.ts';
export { API_ERRORS, ApiError } from './faces/server/api-error.ts';
export type { LightServer } from './faces/server/app.ts';
export { createLightServer } from './faces/server/app.ts';
export type { OpenApiDocument } from './faces/server/openapi.ts';
export type { LightServerOptions, ServerRunner } from './faces/server/options.ts';
export type { ExecuteFunction } from './faces/server/run-registry.ts';
export type { Clock } from './faces/server/schedules/clock.ts';
export type { ScheduleView } from './faces/server/schedules/scheduler.ts';
export type {
  ElementEnd,
  HistoryStoreOptions,
  InterruptedRun,
  NodeEnd,
} from './faces/server/store/history-store.ts';
export { HistoryStore } from './faces/server/store/history-store.ts';
export type { NodeCacheFilter, NodeCacheListing } from './faces/server/store/node-cache-store.ts';
export { NodeCacheStore } from './faces/server/store/node-cache-store.ts';
export type {
  ElementPage,
  ElementRecord,
  ListRunsQuery,
  MapCounts,
  RetentionOptions,
  RunTrigger,
} from './faces/server/store/types.ts';
export {
  REPLAY_WINDOW_MS,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from './faces/server/webhook-signature.ts';
