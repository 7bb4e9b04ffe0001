import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { fileSystemError } from '../../../definition/errors.ts';
import { migrate } from './migrations.ts';
import { readRun, readRunPage } from './queries.ts';
import { type RetryRow, toJson } from './rows.ts';
import type {
  ListRunsQuery,
  NodeRunStatus,
  RetentionOptions,
  RunPage,
  RunRecord,
  RunStatus,
  StoredError,
  StoredLogLine,
} from './types.ts';

/** Options of `HistoryStore.open`. */
export interface HistoryStoreOptions {
  /** SQLite file; its folder is created when missing. `:memory:` for a throwaway store. */
  path: string;
  /** Log lines kept per node of a run (the newest win). @default 1000 */
  logLinesPerNode?: number;
  /** How long finished runs are kept. @default keep everything */
  retention?: RetentionOptions;
}

/** What a node reported when it ended. */
export interface NodeEnd {
  status: Exclude<NodeRunStatus, 'running'>;
  output: Record<string, unknown> | null;
  exitCode: number | null;
  durationMs: number;
  iterations: number;
  attempts: number;
  cached: boolean;
  lightRunId?: string | undefined;
  error?: StoredError | undefined;
}

/** A failed attempt followed by another one. */
export interface NodeRetry {
  nodeId: string;
  attempt: number;
  of: number;
  delayMs: number;
  reason: StoredError;
  time: string;
}

/** A run that was still `running` when the store was opened, now marked failed. */
export interface InterruptedRun {
  runId: string;
  /** light-run runs (steps, services) it had in flight, to cancel. */
  lightRunIds: string[];
}

const DEFAULT_LOG_LINES_PER_NODE = 1000;

/** Run history in SQLite (WAL): runs, per-node results and capped per-node logs. */
export class HistoryStore implements Disposable {
  readonly #db: Database.Database;
  readonly #logCap: number;
  readonly #retention: RetentionOptions;
  readonly #logCounts = new Map<string, number>();

  private constructor(db: Database.Database, options: HistoryStoreOptions) {
    this.#db = db;
    this.#logCap = options.logLinesPerNode ?? DEFAULT_LOG_LINES_PER_NODE;
    this.#retention = options.retention ?? {};
  }

  /** Opens (creating and migrating when needed) the history database at `options.path`. */
  static open(options: HistoryStoreOptions): HistoryStore {
    let db: Database.Database;
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (cause) {
      throw fileSystemError('open the run history database', options.path, cause);
    }
    return new HistoryStore(db, options);
  }

  /** Records a new run as `running`. */
  createRun(run: {
    id: string;
    workflowId: string;
    workflowName?: string | undefined;
    input: unknown;
    /** Fingerprint of every node (see engine/resume.ts), kept so the run can be resumed. */
    fingerprints?: Record<string, string>;
    resumedFrom?: string | undefined;
  }): void {
    this.#db
      .prepare(
        `INSERT INTO runs (id, workflow_id, workflow_name, status, input, created_at, fingerprints, resumed_from)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.workflowId,
        run.workflowName ?? null,
        JSON.stringify(run.input ?? null),
        now(),
        toJson(run.fingerprints),
        run.resumedFrom ?? null,
      );
  }

  /** The node fingerprints recorded with a run (null for a run recorded before they were). */
  fingerprints(runId: string): Record<string, string> | null {
    const row = this.#db.prepare('SELECT fingerprints FROM runs WHERE id = ?').get(runId) as
      | { fingerprints: string | null }
      | undefined;
    return row?.fingerprints ? (JSON.parse(row.fingerprints) as Record<string, string>) : null;
  }

  /** Records a failed attempt that another follows. */
  nodeRetrying(runId: string, retry: NodeRetry): void {
    this.#db
      .prepare(
        `INSERT INTO node_retries (run_id, node_id, attempt, of, delay_ms, reason, time)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        retry.nodeId,
        retry.attempt,
        retry.of,
        Math.round(retry.delayMs),
        JSON.stringify(retry.reason),
        retry.time,
      );
  }

  /** The retries of a run, oldest first. */
  retries(runId: string): NodeRetry[] {
    const rows = this.#db
      .prepare('SELECT * FROM node_retries WHERE run_id = ? ORDER BY seq')
      .all(runId) as RetryRow[];
    return rows.map((r) => ({
      nodeId: r.node_id,
      attempt: r.attempt,
      of: r.of,
      delayMs: r.delay_ms,
      reason: JSON.parse(r.reason) as StoredError,
      time: r.time,
    }));
  }

  /** Marks a node as running (again, for a loop iteration or a retry attempt). */
  nodeStarted(runId: string, nodeId: string, iteration: number, attempt = 1): void {
    this.#db
      .prepare(
        `INSERT INTO node_results (run_id, node_id, status, iterations, attempts, started_at)
         VALUES (?, ?, 'running', ?, ?, ?)
         ON CONFLICT (run_id, node_id) DO UPDATE SET status = 'running', iterations = excluded.iterations,
           attempts = excluded.attempts, finished_at = NULL, duration_ms = NULL`,
      )
      .run(runId, nodeId, iteration, attempt, now());
  }

  /** Records how a node ended. */
  nodeFinished(runId: string, nodeId: string, end: NodeEnd): void {
    const finishedAt = now();
    this.#db
      .prepare(
        `INSERT INTO node_results (run_id, node_id, status, output, exit_code, duration_ms, iterations,
           attempts, cached, light_run_id, error, started_at, finished_at)
         VALUES (@runId, @nodeId, @status, @output, @exitCode, @durationMs, @iterations, @attempts, @cached,
           @lightRunId, @error, @finishedAt, @finishedAt)
         ON CONFLICT (run_id, node_id) DO UPDATE SET status = @status, output = @output, exit_code = @exitCode,
           duration_ms = @durationMs, iterations = @iterations, attempts = @attempts, cached = @cached,
           light_run_id = @lightRunId, error = @error, finished_at = @finishedAt`,
      )
      .run({
        runId,
        nodeId,
        status: end.status,
        output: toJson(end.output),
        exitCode: end.exitCode,
        durationMs: Math.round(end.durationMs),
        iterations: end.iterations,
        attempts: end.attempts,
        cached: end.cached ? 1 : 0,
        lightRunId: end.lightRunId ?? null,
        error: toJson(end.error),
        finishedAt,
      });
  }

  /** Appends a log line; past the per-node cap the oldest line of that node is dropped. */
  appendLog(runId: string, nodeId: string, line: StoredLogLine): void {
    const key = `${runId}\0${nodeId}`;
    const count = (this.#logCounts.get(key) ?? this.#countLogs(runId, nodeId)) + 1;
    this.#db
      .prepare('INSERT INTO logs (run_id, node_id, stream, line, time, attempt) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, nodeId, line.stream, line.line, line.time, line.attempt);
    if (count <= this.#logCap) {
      this.#logCounts.set(key, count);
      return;
    }
    this.#logCounts.set(key, this.#logCap);
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `DELETE FROM logs WHERE seq = (SELECT seq FROM logs WHERE run_id = ? AND node_id = ? ORDER BY seq LIMIT 1)`,
        )
        .run(runId, nodeId);
      this.#db
        .prepare('UPDATE node_results SET logs_dropped = logs_dropped + 1 WHERE run_id = ? AND node_id = ?')
        .run(runId, nodeId);
    })();
  }

  /** Records a light-run run (a step or a service) the run has in flight. */
  lightRunStarted(runId: string, lightRunId: string, kind: 'step' | 'service'): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO light_runs (run_id, light_run_id, kind, active) VALUES (?, ?, ?, 1)')
      .run(runId, lightRunId, kind);
  }

  /** Records that a light-run run has ended. */
  lightRunEnded(runId: string, lightRunId: string): void {
    this.#db
      .prepare('UPDATE light_runs SET active = 0 WHERE run_id = ? AND light_run_id = ?')
      .run(runId, lightRunId);
  }

  /** Records how a run ended, then applies the retention policy. */
  finishRun(
    runId: string,
    end: { status: Exclude<RunStatus, 'running'>; error?: StoredError | undefined },
  ): void {
    const row = this.#db.prepare('SELECT created_at FROM runs WHERE id = ?').get(runId) as
      | { created_at: string }
      | undefined;
    const finishedAt = now();
    const durationMs = row ? Date.parse(finishedAt) - Date.parse(row.created_at) : null;
    this.#db
      .prepare('UPDATE runs SET status = ?, error = ?, finished_at = ?, duration_ms = ? WHERE id = ?')
      .run(end.status, toJson(end.error), finishedAt, durationMs, runId);
    this.#db.prepare('UPDATE light_runs SET active = 0 WHERE run_id = ?').run(runId);
    // Nodes the executor never reported as ended (a cancelled run) are not left `running`.
    this.#db
      .prepare(
        `UPDATE node_results SET status = 'cancelled', finished_at = ? WHERE run_id = ? AND status = 'running'`,
      )
      .run(finishedAt, runId);
    for (const key of this.#logCounts.keys()) if (key.startsWith(`${runId}\0`)) this.#logCounts.delete(key);
    this.applyRetention();
  }

  /** A run with its nodes and their logs, or undefined for an unknown id. */
  getRun(id: string): RunRecord | undefined {
    return readRun(this.#db, id);
  }

  /** One page of runs, newest first, filtered by workflow and status. */
  listRuns(query: ListRunsQuery = {}): RunPage {
    return readRunPage(this.#db, query);
  }

  /**
   * Marks every run still `running` (left by a process that stopped mid-run) as failed with
   * `reason`, and its running nodes as cancelled. Returns them so their containers can be cleaned up.
   */
  markInterrupted(reason: string): InterruptedRun[] {
    return this.#db.transaction(() => {
      const runs = this.#db.prepare(`SELECT id FROM runs WHERE status = 'running'`).all() as { id: string }[];
      const out: InterruptedRun[] = [];
      const finishedAt = now();
      for (const { id } of runs) {
        const inFlight = this.#db
          .prepare('SELECT light_run_id FROM light_runs WHERE run_id = ? AND active = 1')
          .all(id) as { light_run_id: string }[];
        this.#db.prepare('UPDATE light_runs SET active = 0 WHERE run_id = ?').run(id);
        this.#db
          .prepare(
            `UPDATE node_results SET status = 'cancelled', finished_at = ?, error = ?
             WHERE run_id = ? AND status = 'running'`,
          )
          .run(finishedAt, JSON.stringify({ code: 'INTERRUPTED', message: reason }), id);
        this.#db
          .prepare(`UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`)
          .run(JSON.stringify({ code: 'INTERRUPTED', message: reason }), finishedAt, id);
        out.push({ runId: id, lightRunIds: inFlight.map((r) => r.light_run_id) });
      }
      return out;
    })();
  }

  /** Deletes finished runs beyond the retention limits; returns how many were deleted. */
  applyRetention(): number {
    let deleted = 0;
    const { maxAgeMs, maxRuns } = this.#retention;
    if (maxAgeMs !== undefined) {
      const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
      deleted += this.#db
        .prepare(`DELETE FROM runs WHERE status != 'running' AND created_at <= ?`)
        .run(cutoff).changes;
    }
    if (maxRuns !== undefined) {
      deleted += this.#db
        .prepare(
          `DELETE FROM runs WHERE status != 'running' AND id NOT IN (
             SELECT id FROM runs WHERE status != 'running' ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
        )
        .run(maxRuns).changes;
    }
    return deleted;
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #countLogs(runId: string, nodeId: string): number {
    return (
      this.#db
        .prepare('SELECT count(*) AS n FROM logs WHERE run_id = ? AND node_id = ?')
        .get(runId, nodeId) as {
        n: number;
      }
    ).n;
  }
}

function now(): string {
  return new Date().toISOString();
}
