import type { RunTrigger } from '../../../definition/triggers/triggers.ts';
import type { NodeErrorCode, WorkflowErrorCode } from '../../../engine/types.ts';

/**
 * Where a workflow run stands. `queued` (waiting for a concurrency slot; kept across a restart)
 * and `running` are the states that are not final.
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** How a run was started: over the API or the UI, by a schedule, or by a webhook call. */
export type { RunTrigger };

/** Where one node of a run stands: `running` while its container runs, then how it ended. */
export type NodeRunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'timeout';

/**
 * The code of an error in the history: a workflow's or a node's (see `WorkflowErrorCode` and
 * `NodeErrorCode`), `CANCELLED` (cancelled over the API or at shutdown), `INTERRUPTED` (the
 * server stopped while it ran) or `EXECUTION_FAILED` (the executor threw something that is
 * not a `LightProcessError`).
 */
export type StoredErrorCode =
  | WorkflowErrorCode
  | NodeErrorCode
  | 'CANCELLED'
  | 'INTERRUPTED'
  | 'EXECUTION_FAILED';

/** An error as the history keeps it. */
export interface StoredError {
  code: StoredErrorCode;
  message: string;
  nodeId?: string;
}

/** One log line of a node. */
export interface StoredLogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** ISO 8601. */
  time: string;
  /** The attempt that printed it (1-based; see the node's `retry`). */
  attempt: number;
  /** The element of a map node that printed it (absent on other nodes). */
  element?: number;
}

/** Where a map node stands: elements in its list, elements ended (failed included), failed ones. */
export interface MapCounts {
  total: number;
  done: number;
  failed: number;
}

/** One element of a map node, as `GET /api/runs/:id/nodes/:nodeId/elements` lists it. */
export interface ElementRecord {
  /** Position in the list, from 0. */
  index: number;
  status: NodeRunStatus;
  exitCode: number | null;
  /** Milliseconds; null while running. */
  durationMs: number | null;
  error: StoredError | null;
  lightRunId: string | null;
}

/** One page of a map node's elements, by index. */
export interface ElementPage {
  elements: ElementRecord[];
  /** Elements recorded for the node (started or ended). */
  total: number;
}

/** One node of a run, as the history keeps it. */
export interface NodeRecord {
  nodeId: string;
  status: NodeRunStatus;
  output: Record<string, unknown> | null;
  exitCode: number | null;
  /** Milliseconds; null while running. */
  durationMs: number | null;
  iterations: number;
  /** Attempts made (>= 1 once started; 0 for a node that never started, or whose output was reused). */
  attempts: number;
  /** The output came from the node cache: no container started. */
  cached: boolean;
  /** light-run id of the node's last container run, when known. */
  lightRunId: string | null;
  error: StoredError | null;
  startedAt: string;
  finishedAt: string | null;
  /** Oldest first; at most the store's per-node cap (the newest lines are kept). */
  logs: StoredLogLine[];
  /** Lines dropped because the node printed more than the per-node cap. */
  logsDropped: number;
  /**
   * A map node's element counts (null on other nodes). Its elements are not embedded: page
   * through them with `HistoryStore.listElements` / `GET /api/runs/:id/nodes/:nodeId/elements`.
   */
  map: MapCounts | null;
}

/** A run without its nodes, as lists show it. */
export interface RunSummary {
  id: string;
  workflowId: string;
  workflowName: string | null;
  status: RunStatus;
  /** What started it. */
  trigger: RunTrigger;
  /** When it was asked for (ISO 8601). */
  createdAt: string;
  /** When it left the queue and started (ISO 8601); null while queued or when it never started. */
  startedAt: string | null;
  finishedAt: string | null;
  /** Milliseconds from `startedAt` to `finishedAt`; null until it has ended, or when it never started. */
  durationMs: number | null;
  error: StoredError | null;
  /** The run this one resumed (`POST /api/runs/:id/resume`), else null. */
  resumedFrom: string | null;
}

/** A run with its input, and every node that started. */
export interface RunRecord extends RunSummary {
  input: unknown;
  nodes: NodeRecord[];
}

/** Filters and paging of `listRuns`. */
export interface ListRunsQuery {
  workflowId?: string;
  status?: RunStatus;
  trigger?: RunTrigger;
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** One page of runs, newest first. */
export interface RunPage {
  runs: RunSummary[];
  total: number;
  /** Offset of the next page; null on the last page. */
  nextOffset: number | null;
}

/** How long finished runs are kept. Both limits apply when both are set. */
export interface RetentionOptions {
  /** Finished runs older than this are deleted. Milliseconds; absent: no age limit. */
  maxAgeMs?: number;
  /** Only the newest this many finished runs are kept; absent: no count limit. */
  maxRuns?: number;
}

/** What the history keeps about a schedule of a workflow (`triggers[index]`). */
export interface ScheduleState {
  workflowId: string;
  index: number;
  /** Paused over the API: it fires no run until resumed. */
  paused: boolean;
  /** The last fire time it ran for (ISO 8601), or since when it was watched; the base of catch-up. */
  lastFireAt: string | null;
}
