import type { NodeErrorCode, WorkflowErrorCode } from '../../../engine/types.ts';

/** Where a workflow run stands. `running` is the only state that is not final. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

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
}

/** A run without its nodes, as lists show it. */
export interface RunSummary {
  id: string;
  workflowId: string;
  workflowName: string | null;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  /** Milliseconds; null while running. */
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
