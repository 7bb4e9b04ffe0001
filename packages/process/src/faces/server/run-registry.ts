import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WorkflowDefinition } from '../../definition/definitions.ts';
import { LightProcessError } from '../../definition/errors.ts';
import type { EnvPolicy } from '../../engine/env-policy.ts';
import { prepareRun } from '../../engine/prepare.ts';
import type { StepRunner } from '../../engine/step-runner.ts';
import type { ExecuteOptions, NodeResult, WorkflowResult } from '../../engine/types.ts';
import { ApiError } from './api-error.ts';
import { RunEventLog } from './run-events.ts';
import type { HistoryStore } from './store/history-store.ts';
import type { RunRecord, RunStatus, StoredError } from './store/types.ts';
import { type RunnerTracker, TrackingRunner } from './tracking-runner.ts';

/** Runs a workflow definition: `executeWorkflow` in production, anything of that shape in tests. */
export type ExecuteFunction = (
  definition: WorkflowDefinition,
  input: unknown,
  options: ExecuteOptions,
) => Promise<WorkflowResult>;

/** What the registry needs to run workflows. */
export interface RunRegistryOptions {
  store: HistoryStore;
  execute: ExecuteFunction;
  /** Where containers run (a `LightRunClient`). */
  runner: StepRunner;
  /** Which node `env` names resolve, and from where (the server's allow-list). */
  env: EnvPolicy;
  /** Log lines kept per node for replays. */
  logLinesPerNode: number;
  log: FastifyBaseLogger;
}

/** What a run needs while it executes: its cancel switch (aborted = cancelled) and its events. */
interface RunControl {
  controller: AbortController;
  events: RunEventLog;
}

interface ActiveRun extends RunControl {
  done: Promise<RunRecord>;
}

// Event logs of runs that just ended, kept so a client that lost its stream near the end can
// resume with the same event ids; older runs replay from their record.
const RECENT_LOGS = 64;

/** The workflow runs of one server: starts them, records them in the history, streams their events. */
export class RunRegistry {
  readonly #options: RunRegistryOptions;
  readonly #active = new Map<string, ActiveRun>();
  readonly #recent = new Map<string, RunEventLog>();
  #closing = false;

  constructor(options: RunRegistryOptions) {
    this.#options = options;
  }

  /**
   * Starts a run; `done` resolves with its record once it has ended (it never rejects).
   * The executor's own check (`prepareRun`) refuses an input that does not match the
   * workflow's `inputs` (`INPUT_INVALID`), or an env name that is not set or not allowed
   * (`ENV_MISSING`), before anything is recorded; the error handler answers them as 400.
   */
  start(workflow: WorkflowDefinition, input: unknown): { runId: string; done: Promise<RunRecord> } {
    if (this.#closing)
      throw new ApiError('SHUTTING_DOWN', 'the server is shutting down and starts no new runs');
    const prepared = prepareRun(workflow, input, { env: this.#options.env });
    // Short enough to read in the UI, and the executor's network prefix (lp-<runId>-) too.
    const runId = randomBytes(8).toString('hex');
    const { definition } = prepared;
    this.#options.store.createRun({
      id: runId,
      workflowId: definition.id,
      workflowName: definition.name,
      input: prepared.input,
    });
    const control: RunControl = {
      controller: new AbortController(),
      events: new RunEventLog(this.#options.logLinesPerNode),
    };
    // #run only settles after awaiting the executor, so the entry is in the map before it ends.
    const done = this.#run(runId, definition, prepared.input, control);
    this.#active.set(runId, { ...control, done });
    return { runId, done };
  }

  /**
   * The event log of a running run, or of one of the last runs that ended here; undefined
   * for older runs (their events are rebuilt from the history).
   */
  eventLog(runId: string): RunEventLog | undefined {
    return this.#active.get(runId)?.events ?? this.#recent.get(runId);
  }

  /** Cancels a running run and waits for it to wind down. False when it is not running. */
  async cancel(runId: string): Promise<boolean> {
    const active = this.#active.get(runId);
    if (!active) return false;
    active.controller.abort();
    await active.done;
    return true;
  }

  /** Refuses new runs, cancels the running ones and waits until they have ended. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#active.keys()].map((id) => this.cancel(id)));
  }

  async #run(
    runId: string,
    workflow: WorkflowDefinition,
    input: unknown,
    active: RunControl,
  ): Promise<RunRecord> {
    const { store } = this.#options;
    const finished = new Set<string>();
    const record = (what: string, action: () => void) => {
      try {
        action();
      } catch (error) {
        // A history write must never break the run itself; the run goes on, the gap is logged.
        this.#options.log.error({ err: error, runId }, `could not record ${what}`);
      }
    };
    let status: Exclude<RunStatus, 'running'>;
    let error: StoredError | undefined;
    try {
      const result = await this.#options.execute(workflow, input, {
        runner: new TrackingRunner(this.#options.runner, this.#tracker(runId, record)),
        runId,
        signal: active.controller.signal,
        env: this.#options.env,
        // Kept so GET /api/runs/:id/nodes/:nodeId/artifacts can serve them; light-run's
        // artifact cap and retention decide how long.
        keepArtifacts: true,
        onNodeStart: ({ nodeId, iteration }) => {
          const time = new Date().toISOString();
          record('a node start', () => store.nodeStarted(runId, nodeId, iteration));
          active.events.push({ type: 'node-started', runId, nodeId, iteration, time });
        },
        onLog: (line) => {
          const entry = { stream: line.stream, line: line.line, time: line.time };
          record('a log line', () => store.appendLog(runId, line.nodeId, entry));
          active.events.push({ type: 'log', runId, nodeId: line.nodeId, ...entry });
        },
        onNodeEnd: ({ nodeId, result }) => {
          finished.add(nodeId);
          record('a node result', () => this.#nodeEnded(runId, nodeId, result, active));
        },
      });
      // Nodes the executor settled without an end callback (skipped branches) still belong in the history.
      for (const [nodeId, node] of Object.entries(result.results)) {
        if (!finished.has(nodeId))
          record('a node result', () => this.#nodeEnded(runId, nodeId, node, active));
      }
      status = active.controller.signal.aborted ? 'cancelled' : result.success ? 'succeeded' : 'failed';
      error = result.error;
    } catch (cause) {
      status = active.controller.signal.aborted ? 'cancelled' : 'failed';
      error = describeError(cause);
      this.#options.log.warn({ err: cause, runId }, 'workflow execution failed');
    }
    if (active.controller.signal.aborted) error = { code: 'CANCELLED', message: 'the run was cancelled' };
    record('the end of the run', () => store.finishRun(runId, { status, error }));
    const time = new Date().toISOString();
    active.events.push({ type: 'run-finished', runId, status, error: error ?? null, time });
    this.#recent.set(runId, active.events);
    if (this.#recent.size > RECENT_LOGS) this.#recent.delete(this.#recent.keys().next().value as string);
    this.#active.delete(runId);
    const run = store.getRun(runId);
    if (!run) throw new ApiError('RUN_NOT_FOUND', `run ${runId} vanished from the history`);
    return run;
  }

  #tracker(runId: string, record: (what: string, action: () => void) => void): RunnerTracker {
    const { store } = this.#options;
    return {
      started: (id, kind) => record('a container run', () => store.lightRunStarted(runId, id, kind)),
      ended: (id) => record('the end of a container run', () => store.lightRunEnded(runId, id)),
    };
  }

  #nodeEnded(runId: string, nodeId: string, result: NodeResult, active: RunControl): void {
    const end = {
      status: result.status,
      output: result.output ?? null,
      exitCode: result.exitCode,
      durationMs: result.duration,
      iterations: result.iterations,
      lightRunId: result.runId,
      error: result.error,
    };
    this.#options.store.nodeFinished(runId, nodeId, end);
    active.events.push({
      type: 'node-finished',
      runId,
      nodeId,
      status: result.status,
      exitCode: result.exitCode,
      durationMs: Math.round(result.duration),
      output: result.output ?? null,
      error: result.error ?? null,
      time: new Date().toISOString(),
    });
  }
}

/** A thrown value as a stored error: a `LightProcessError` keeps its code, anything else is `EXECUTION_FAILED`. */
export function describeError(cause: unknown): StoredError {
  if (cause instanceof LightProcessError) return { code: cause.code, message: cause.message };
  return { code: 'EXECUTION_FAILED', message: cause instanceof Error ? cause.message : String(cause) };
}
