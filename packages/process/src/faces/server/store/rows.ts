import type {
  ElementRecord,
  NodeRecord,
  NodeRunStatus,
  RunStatus,
  RunSummary,
  RunTrigger,
  StoredError,
  StoredLogLine,
} from './types.ts';

// Row shapes as SQLite returns them, and their mapping to the records the API serves.

/** A `runs` row. */
export interface RunRow {
  id: string;
  workflow_id: string;
  workflow_name: string | null;
  status: string;
  input: string;
  error: string | null;
  trigger: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  resumed_from: string | null;
  fingerprints: string | null;
}

/** A `node_results` row. */
export interface NodeRow {
  node_id: string;
  status: string;
  output: string | null;
  exit_code: number | null;
  duration_ms: number | null;
  iterations: number;
  attempts: number;
  cached: number;
  light_run_id: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  logs_dropped: number;
  map_total: number | null;
  map_done: number | null;
  map_failed: number | null;
}

/** A `map_elements` row. */
export interface ElementRow {
  idx: number;
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  error: string | null;
  light_run_id: string | null;
}

/** A `logs` row. */
export interface LogRow {
  node_id: string;
  stream: string;
  line: string;
  time: string;
  element: number | null;
  attempt: number;
}

/** A `node_retries` row. */
export interface RetryRow {
  node_id: string;
  attempt: number;
  of: number;
  delay_ms: number;
  reason: string;
  time: string;
}

/** JSON text of a value, or null for null/undefined. */
export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** A runs row as a summary. */
export function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowName: row.workflow_name,
    status: row.status as RunStatus,
    trigger: row.trigger as RunTrigger,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    error: fromJson<StoredError>(row.error),
    resumedFrom: row.resumed_from,
  };
}

/** The input a run was started with. */
export function toRunInput(row: RunRow): unknown {
  return JSON.parse(row.input);
}

/** A node_results row plus its log lines as a node record. */
export function toNodeRecord(row: NodeRow, logs: StoredLogLine[]): NodeRecord {
  return {
    nodeId: row.node_id,
    status: row.status as NodeRunStatus,
    output: fromJson<Record<string, unknown>>(row.output),
    exitCode: row.exit_code,
    durationMs: row.duration_ms,
    iterations: row.iterations,
    attempts: row.attempts,
    cached: row.cached === 1,
    lightRunId: row.light_run_id,
    error: fromJson<StoredError>(row.error),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    logs,
    logsDropped: row.logs_dropped,
    map:
      row.map_total === null
        ? null
        : { total: row.map_total, done: row.map_done ?? 0, failed: row.map_failed ?? 0 },
  };
}

/** A map_elements row as an element record. */
export function toElementRecord(row: ElementRow): ElementRecord {
  return {
    index: row.idx,
    status: row.status as NodeRunStatus,
    exitCode: row.exit_code,
    durationMs: row.duration_ms,
    error: fromJson<StoredError>(row.error),
    lightRunId: row.light_run_id,
  };
}

/** A logs row as a log line. */
export function toLogLine(row: LogRow): StoredLogLine {
  const line: StoredLogLine = {
    stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
    line: row.line,
    time: row.time,
    attempt: row.attempt,
  };
  if (row.element !== null) line.element = row.element;
  return line;
}
