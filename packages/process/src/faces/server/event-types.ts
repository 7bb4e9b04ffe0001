import type { MapCounts, NodeRunStatus, RunStatus, StoredError } from './store/types.ts';

// The events of `GET /api/runs/:id/events`. Types only, so the web UI shares them.

/** A node's container started (again, for a loop iteration). */
export interface NodeStartedEvent {
  type: 'node-started';
  runId: string;
  nodeId: string;
  iteration: number;
  /** 1-based; above 1 when the node's retry policy runs it again. */
  attempt: number;
  time: string;
}

/** An attempt of a node failed; the next one starts after `delayMs`. */
export interface NodeRetryingEvent {
  type: 'node-retrying';
  runId: string;
  nodeId: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Attempts in all. */
  of: number;
  delayMs: number;
  reason: StoredError;
  time: string;
}

/** A node printed a line. */
export interface LogEvent {
  type: 'log';
  runId: string;
  nodeId: string;
  stream: 'stdout' | 'stderr';
  line: string;
  time: string;
  /** The attempt that printed it (1-based). */
  attempt: number;
  /** The element of a map node that printed it (absent on other nodes). */
  element?: number;
}

/**
 * An element of a map node ended: the node's counts so far. Streamed live only (a replay
 * skips them; `GET /api/runs/:id` has the latest counts in the node's `map`).
 */
export interface NodeProgressEvent {
  type: 'node-progress';
  runId: string;
  nodeId: string;
  map: MapCounts;
  time: string;
}

/** A node ended. */
export interface NodeFinishedEvent {
  type: 'node-finished';
  runId: string;
  nodeId: string;
  status: Exclude<NodeRunStatus, 'running'>;
  exitCode: number | null;
  durationMs: number | null;
  output: Record<string, unknown> | null;
  error: StoredError | null;
  time: string;
}

/** The run ended; the stream closes after this event. */
export interface RunFinishedEvent {
  type: 'run-finished';
  runId: string;
  status: Exclude<RunStatus, 'running' | 'queued'>;
  error: StoredError | null;
  time: string;
}

/** Any event of a run's stream. */
export type RunEvent =
  | NodeStartedEvent
  | NodeRetryingEvent
  | LogEvent
  | NodeProgressEvent
  | NodeFinishedEvent
  | RunFinishedEvent;
