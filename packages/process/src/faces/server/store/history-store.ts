import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { fileSystemError } from '../../../definition/errors.ts';
import { migrate } from './migrations.ts';
import { readElementPage, readRun, readRunPage } from './queries.ts';
import { type RetryRow, toJson } from './rows.ts';
import type {
  ElementPage,
  ListRunsQuery,
  MapCounts,
  NodeRunStatus,
  RetentionOptions,
  RunPage,
  RunRecord,
  RunStatus,
  RunTrigger,
  ScheduleState,
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
  /** A map node's element counts. */
  map?: MapCounts | undefined;
}

/** What an element of a map node reported when it ended. */
export interface ElementEnd {
  index: number;
  status: Exclude<NodeRunStatus, 'running' | 'skipped'>;
  exitCode: number | null;
  durationMs: number;
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

  /** Records a new run, `running` (started now) unless `queued` is asked for. */
  createRun(run: {
    id: string;
    workflowId: string;
    workflowName?: string | undefined;
    input: unknown;
    /** @default 'manual' */
    trigger?: RunTrigger;
    /** @default 'running' */
    status?: 'queued' | 'running';
    /** Fingerprint of every node (see engine/resume.ts), kept so the run can be resumed. */
    fingerprints?: Record<string, string>;
    resumedFrom?: string | undefined;
  }): void {
    const created = now();
    const status = run.status ?? 'running';
    this.#db
      .prepare(
        `INSERT INTO runs (id, workflow_id, workflow_name, status, input, trigger, created_at, started_at,
           fingerprints, resumed_from)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.workflowId,
        run.workflowName ?? null,
        status,
        JSON.stringify(run.input ?? null),
        run.trigger ?? 'manual',
        created,
        status === 'running' ? created : null,
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

  /** Moves a queued run to `running`, stamping `startedAt`. */
  runStarted(runId: string): void {
    this.#db
      .prepare(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'`)
      .run(now(), runId);
  }

  /** The queued runs, oldest first (what a restarted server resumes). */
  queuedRuns(): { id: string; workflowId: string; input: unknown; trigger: RunTrigger }[] {
    const rows = this.#db
      .prepare(
        `SELECT id, workflow_id, input, trigger FROM runs WHERE status = 'queued' ORDER BY created_at, rowid`,
      )
      .all() as { id: string; workflow_id: string; input: string; trigger: string }[];
    return rows.map((r) => ({
      id: r.id,
      workflowId: r.workflow_id,
      input: JSON.parse(r.input) as unknown,
      trigger: r.trigger as RunTrigger,
    }));
  }

  /** The state of a schedule; a schedule seen for the first time is recorded as watched since `since`. */
  scheduleState(workflowId: string, index: number, since: Date): ScheduleState {
    this.#db
      .prepare(`INSERT OR IGNORE INTO schedules (workflow_id, idx, paused, last_fire_at) VALUES (?, ?, 0, ?)`)
      .run(workflowId, index, since.toISOString());
    const row = this.#db
      .prepare('SELECT paused, last_fire_at FROM schedules WHERE workflow_id = ? AND idx = ?')
      .get(workflowId, index) as { paused: number; last_fire_at: string | null };
    return { workflowId, index, paused: row.paused === 1, lastFireAt: row.last_fire_at };
  }

  /** Pauses or resumes a schedule; `since` becomes its catch-up base (a pause skips, it does not defer). */
  setSchedulePaused(workflowId: string, index: number, paused: boolean, since: Date): void {
    this.#db
      .prepare(
        `INSERT INTO schedules (workflow_id, idx, paused, last_fire_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (workflow_id, idx) DO UPDATE SET paused = excluded.paused, last_fire_at = excluded.last_fire_at`,
      )
      .run(workflowId, index, paused ? 1 : 0, since.toISOString());
  }

  /** Records the fire time a schedule last ran for. */
  scheduleFired(workflowId: string, index: number, fireAt: Date): void {
    this.#db
      .prepare('UPDATE schedules SET last_fire_at = ? WHERE workflow_id = ? AND idx = ?')
      .run(fireAt.toISOString(), workflowId, index);
  }

  /**
   * Marks a node as running (again, for a loop iteration, where a map's elements start over,
   * or a retry attempt).
   */
  nodeStarted(runId: string, nodeId: string, iteration: number, attempt = 1): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO node_results (run_id, node_id, status, iterations, attempts, started_at)
           VALUES (?, ?, 'running', ?, ?, ?)
           ON CONFLICT (run_id, node_id) DO UPDATE SET status = 'running', iterations = excluded.iterations,
             attempts = excluded.attempts, finished_at = NULL, duration_ms = NULL, map_total = NULL,
             map_done = NULL, map_failed = NULL`,
        )
        .run(runId, nodeId, iteration, attempt, now());
      if (iteration > 1)
        this.#db.prepare('DELETE FROM map_elements WHERE run_id = ? AND node_id = ?').run(runId, nodeId);
    })();
  }

  /** Records that an element of a map node was submitted, with the node's counts. */
  elementStarted(runId: string, nodeId: string, index: number, counts: MapCounts): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO map_elements (run_id, node_id, idx, status) VALUES (?, ?, ?, 'running')`,
        )
        .run(runId, nodeId, index);
      this.#setCounts(runId, nodeId, counts);
    })();
  }

  /** Records how an element of a map node ended, with the node's counts. */
  elementFinished(runId: string, nodeId: string, end: ElementEnd, counts: MapCounts): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO map_elements (run_id, node_id, idx, status, exit_code, duration_ms, error,
             light_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          runId,
          nodeId,
          end.index,
          end.status,
          end.exitCode,
          Math.round(end.durationMs),
          toJson(end.error),
          end.lightRunId ?? null,
        );
      this.#setCounts(runId, nodeId, counts);
    })();
  }

  /** One page of a map node's elements, by index (empty for a node that is not a map). */
  listElements(runId: string, nodeId: string, page: { offset: number; limit: number }): ElementPage {
    return readElementPage(this.#db, runId, nodeId, page);
  }

  /** Records how a node ended. */
  nodeFinished(runId: string, nodeId: string, end: NodeEnd): void {
    const finishedAt = now();
    this.#db
      .prepare(
        `INSERT INTO node_results (run_id, node_id, status, output, exit_code, duration_ms, iterations,
           attempts, cached, light_run_id, error, started_at, finished_at, map_total, map_done, map_failed)
         VALUES (@runId, @nodeId, @status, @output, @exitCode, @durationMs, @iterations, @attempts, @cached,
           @lightRunId, @error, @finishedAt, @finishedAt, @mapTotal, @mapDone, @mapFailed)
         ON CONFLICT (run_id, node_id) DO UPDATE SET status = @status, output = @output, exit_code = @exitCode,
           duration_ms = @durationMs, iterations = @iterations, attempts = @attempts, cached = @cached,
           light_run_id = @lightRunId, error = @error, finished_at = @finishedAt, map_total = @mapTotal,
           map_done = @mapDone, map_failed = @mapFailed`,
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
        mapTotal: end.map?.total ?? null,
        mapDone: end.map?.done ?? null,
        mapFailed: end.map?.failed ?? null,
      });
  }

  /** Appends a log line; past the per-node cap the oldest line of that node is dropped. */
  appendLog(runId: string, nodeId: string, line: StoredLogLine): void {
    const key = `${runId}\0${nodeId}`;
    const count = (this.#logCounts.get(key) ?? this.#countLogs(runId, nodeId)) + 1;
    this.#db
      .prepare(
        'INSERT INTO logs (run_id, node_id, stream, line, time, attempt, element) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(runId, nodeId, line.stream, line.line, line.time, line.attempt, line.element ?? null);
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
    end: { status: Exclude<RunStatus, 'running' | 'queued'>; error?: StoredError | undefined },
  ): void {
    const row = this.#db.prepare('SELECT started_at FROM runs WHERE id = ?').get(runId) as
      | { started_at: string | null }
      | undefined;
    const finishedAt = now();
    // A run cancelled while queued never started: it has no duration.
    const durationMs = row?.started_at ? Date.parse(finishedAt) - Date.parse(row.started_at) : null;
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
    this.#db
      .prepare(`UPDATE map_elements SET status = 'cancelled' WHERE run_id = ? AND status = 'running'`)
      .run(runId);
    for (const key of this.#logCounts.keys()) if (key.startsWith(`${runId}\0`)) this.#logCounts.delete(key);
    this.applyRetention();
  }

  /** A run with its nodes and their logs, or undefined for an unknown id. */
  getRun(id: string): RunRecord | undefined {
    return readRun(this.#db, id);
  }

  /** Whether a run with that id is in the history. */
  hasRun(id: string): boolean {
    return this.#db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }

  /** Whether a node of that run has started (or been settled) in the history. */
  hasNode(runId: string, nodeId: string): boolean {
    return (
      this.#db.prepare('SELECT 1 FROM node_results WHERE run_id = ? AND node_id = ?').get(runId, nodeId) !==
      undefined
    );
  }

  /** One page of runs, newest first, filtered by workflow, status and trigger. */
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
          .prepare(`UPDATE map_elements SET status = 'cancelled' WHERE run_id = ? AND status = 'running'`)
          .run(id);
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
        .prepare(`DELETE FROM runs WHERE status NOT IN ('running', 'queued') AND created_at <= ?`)
        .run(cutoff).changes;
    }
    if (maxRuns !== undefined) {
      deleted += this.#db
        .prepare(
          `DELETE FROM runs WHERE status NOT IN ('running', 'queued') AND id NOT IN (
             SELECT id FROM runs WHERE status NOT IN ('running', 'queued')
             ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
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

  #setCounts(runId: string, nodeId: string, counts: MapCounts): void {
    this.#db
      .prepare(
        'UPDATE node_results SET map_total = ?, map_done = ?, map_failed = ? WHERE run_id = ? AND node_id = ?',
      )
      .run(counts.total, counts.done, counts.failed, runId, nodeId);
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
