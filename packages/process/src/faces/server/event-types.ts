import type { NodeRunStatus, RunStatus, StoredError } from './store/types.ts';

// The events of `GET /api/runs/:id/events`. Types only, so the web UI shares them.

/** A node's container started (again, for a loop iteration). */
export interface NodeStartedEvent {
  type: 'node-started';
  runId: string;
  nodeId: string;
  iteration: number;
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
export type RunEvent = NodeStartedEvent | LogEvent | NodeFinishedEvent | RunFinishedEvent;
