import { z } from 'zod';
import { concurrencyDefinition, triggerDefinition } from '../../definition/triggers/triggers.ts';

// The API's own wire shapes (params, queries, responses). Request schemas are enforced;
// response schemas document what the routes send and feed the OpenAPI document.

const flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** `:id` of a workflow or run. */
export const idParams = z.object({ id: z.string().min(1).max(128) }).strict();

/** `GET /api/workflows/:id`. */
export const workflowGetQuery = z.object({ full: flag }).strict();

/** `?persist=1` on register, replace and delete. */
export const persistQuery = z.object({ persist: flag }).strict();

/** `POST /api/workflows/:id/run`. */
export const runQuery = z.object({ async: flag }).strict();

/** `GET /api/runs`. */
export const runListQuery = z
  .object({
    workflow: z.string().min(1).optional(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
    trigger: z.enum(['manual', 'schedule', 'webhook']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** `GET /api/runs/:id/events`: resume after this event id (for clients that cannot set `Last-Event-ID`). */
export const eventsQuery = z.object({ lastEventId: z.coerce.number().int().min(0).optional() }).strict();

const error = z.object({ code: z.string(), message: z.string(), nodeId: z.string().optional() });

/** A workflow as lists show it. */
export const workflowSummary = z.object({
  id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  nodeCount: z.number().int(),
  /** Whether the workflow lives in a folder under the served directory. */
  persisted: z.boolean(),
});

/** `GET /api/workflows`. */
export const workflowList = z.object({ workflows: z.array(workflowSummary) });

/** A node as the summary form of `GET /api/workflows/:id` shows it. */
const nodeSummary = z.object({ id: z.string(), name: z.string().nullable(), image: z.string() });
const linkSummary = z.object({
  from: z.string(),
  to: z.string(),
  when: z.unknown().optional(),
  maxIterations: z.number().int().optional(),
});

/** `GET /api/workflows/:id` without `full`: enough to draw the graph and build the run form. */
export const workflowDetail = workflowSummary.extend({
  nodes: z.array(nodeSummary),
  links: z.array(linkSummary),
  /** JSON Schema of the run input: `inputs` of the workflow, else of its entry nodes. */
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  /** `triggers` as declared in workflow.json (absent when it declares none). */
  triggers: z.array(triggerDefinition).optional(),
  /** `concurrency` as declared in workflow.json (absent when it declares none). */
  concurrency: concurrencyDefinition.optional(),
});

/** Where a map node stands: elements in its list, ended (failed included), failed. */
const mapCounts = z.object({ total: z.number().int(), done: z.number().int(), failed: z.number().int() });
/** One schedule of a served workflow. */
export const scheduleView = z.object({
  workflowId: z.string(),
  /** Its position in the workflow's `triggers`. */
  index: z.number().int(),
  cron: z.string(),
  timezone: z.string().nullable(),
  /** Paused over the API: it fires nothing until resumed. */
  paused: z.boolean(),
  /** The next three fire times (ISO 8601), whether paused or not. */
  nextRuns: z.array(z.string()),
});

/** `GET /api/schedules`. */
export const scheduleList = z.object({ schedules: z.array(scheduleView) });

/** `:workflowId/:index` of a schedule. */
export const scheduleParams = z
  .object({ workflowId: z.string().min(1).max(128), index: z.coerce.number().int().min(0) })
  .strict();

/** `:workflowId` of `POST /hooks/:workflowId`. */
export const hookParams = z.object({ workflowId: z.string().min(1).max(128) }).strict();

/** A node of a run. */
export const nodeRecord = z.object({
  nodeId: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'skipped', 'cancelled', 'timeout']),
  output: z.record(z.string(), z.unknown()).nullable(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  iterations: z.number().int(),
  /** Attempts made (0: never started, or output reused from the cache or a resumed run). */
  attempts: z.number().int(),
  /** The output came from the node cache. */
  cached: z.boolean(),
  lightRunId: z.string().nullable(),
  error: error.nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  logs: z.array(
    z.object({
      stream: z.enum(['stdout', 'stderr']),
      line: z.string(),
      time: z.string(),
      attempt: z.number().int(),
      element: z.number().int().optional(),
    }),
  ),
  logsDropped: z.number().int(),
  /** A map node's element counts; null on other nodes. */
  map: mapCounts.nullable(),
});

/** `GET /api/runs/:id/nodes/:nodeId/elements`. */
export const elementsParams = z
  .object({ id: z.string().min(1).max(128), nodeId: z.string().min(1).max(64) })
  .strict();

/** Paging of `GET /api/runs/:id/nodes/:nodeId/elements`. */
export const elementsQuery = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** One page of a map node's elements, by index. */
export const elementPage = z.object({
  elements: z.array(
    z.object({
      index: z.number().int(),
      status: z.enum(['running', 'succeeded', 'failed', 'skipped', 'cancelled', 'timeout']),
      exitCode: z.number().int().nullable(),
      durationMs: z.number().int().nullable(),
      error: error.nullable(),
      lightRunId: z.string().nullable(),
    }),
  ),
  total: z.number().int(),
});

/** A run as lists show it. */
export const runSummary = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowName: z.string().nullable(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  /** What started the run. */
  trigger: z.enum(['manual', 'schedule', 'webhook']),
  createdAt: z.string(),
  /** When the run left the queue; null while queued (or when it never started). */
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  error: error.nullable(),
  /** The run this one resumed, else null. */
  resumedFrom: z.string().nullable(),
});

/** `GET /api/runs/:id` and the sync run response. */
export const runRecord = runSummary.extend({ input: z.unknown(), nodes: z.array(nodeRecord) });

/** `GET /api/runs`. */
export const runPage = z.object({
  runs: z.array(runSummary),
  total: z.number().int(),
  nextOffset: z.number().int().nullable(),
});

/** `POST /api/workflows/:id/run?async=1`. */
export const runAccepted = z.object({ runId: z.string() });

/** `POST /api/runs/:id/resume`. */
export const resumeAccepted = z.object({ runId: z.string(), resumedFrom: z.string() });

/** `GET /health`. */
export const health = z.object({ status: z.literal('ok'), version: z.string() });

/** `DELETE /api/workflows/:id`. */
export const deleted = z.object({ id: z.string(), deleted: z.literal(true), persisted: z.boolean() });

/** One event of `GET /api/runs/:id/events` (the `data` of an SSE message); see `event-types.ts`. */
export const runEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('node-started'),
    runId: z.string(),
    nodeId: z.string(),
    iteration: z.number().int(),
    attempt: z.number().int(),
    time: z.string(),
  }),
  z.object({
    type: z.literal('node-retrying'),
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int(),
    of: z.number().int(),
    delayMs: z.number().int(),
    reason: error,
    time: z.string(),
  }),
  z.object({
    type: z.literal('log'),
    runId: z.string(),
    nodeId: z.string(),
    stream: z.enum(['stdout', 'stderr']),
    line: z.string(),
    time: z.string(),
    attempt: z.number().int(),
    element: z.number().int().optional(),
  }),
  z.object({
    type: z.literal('node-progress'),
    runId: z.string(),
    nodeId: z.string(),
    map: mapCounts,
    time: z.string(),
  }),
  z.object({
    type: z.literal('node-finished'),
    runId: z.string(),
    nodeId: z.string(),
    status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled', 'timeout']),
    exitCode: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    output: z.record(z.string(), z.unknown()).nullable(),
    error: error.nullable(),
    time: z.string(),
  }),
  z.object({
    type: z.literal('run-finished'),
    runId: z.string(),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    error: error.nullable(),
    time: z.string(),
  }),
]);

/** `GET /api/cache`. */
export const cacheListQuery = z
  .object({ workflow: z.string().min(1).optional(), node: z.string().min(1).optional() })
  .strict();

/** `DELETE /api/cache`. */
export const cacheClearQuery = cacheListQuery.extend({ expired: flag });

/** One node cache entry (its output left out: `outputBytes` says how big it is). */
export const cacheEntry = z.object({
  key: z.string(),
  workflowId: z.string(),
  nodeId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  outputBytes: z.number().int(),
  expired: z.boolean(),
});

/** `GET /api/cache`. */
export const cacheList = z.object({ entries: z.array(cacheEntry) });

/** `DELETE /api/cache`. */
export const cacheCleared = z.object({ deleted: z.number().int() });

/** The error body of every failure. */
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
