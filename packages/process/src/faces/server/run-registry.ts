import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WorkflowDefinition } from '../../definition/definitions.ts';
import { LightProcessError } from '../../definition/errors.ts';
import type { RunTrigger } from '../../definition/triggers/triggers.ts';
import type { EnvPolicy } from '../../engine/env-policy.ts';
import type { NodeCache } from '../../engine/node-cache.ts';
import { prepareRun } from '../../engine/prepare.ts';
import { nodeFingerprints } from '../../engine/resume.ts';
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
  /** Runs running at once across every workflow; the others wait in the queue. @default unlimited */
  maxConcurrentRuns?: number | undefined;
  log: FastifyBaseLogger;
  /** Where memoized nodes find and record outputs. */
  cache?: NodeCache;
}

/** What a run needs while it waits and executes: its cancel switch (aborted = cancelled) and its events. */
interface RunControl {
  controller: AbortController;
  events: RunEventLog;
}

/** A run this server holds: waiting in the queue, or running. */
interface ActiveRun extends RunControl {
  runId: string;
  workflowId: string;
  definition: WorkflowDefinition;
  input: Record<string, unknown>;
  /** Outputs recorded by the run this one resumes, reused instead of running those nodes. */
  reuse?: ReadonlyMap<string, Record<string, unknown>>;
  state: 'queued' | 'running';
  done: Promise<RunRecord>;
  settle: (record: RunRecord) => void;
}

/** Why a run was not admitted: its workflow's `concurrency.onLimit` is `skip` and it is at its limit. */
const skipMessage = (workflowId: string, limit: number, inFlight: number) =>
  `workflow '${workflowId}' already has ${inFlight} run(s) in flight (concurrency.limit ${limit}, ` +
  `onLimit "skip"): this run was not started`;

// Event logs of runs that just ended, kept so a client that lost its stream near the end can
// resume with the same event ids; older runs replay from their record.
const RECENT_LOGS = 64;

/**
 * The workflow runs of one server: admits them (per-workflow `concurrency`, the global
 * `maxConcurrentRuns`), queues the ones that must wait (in the history too, so a restart
 * resumes them), runs them, records them, and streams their events.
 */
export class RunRegistry {
  readonly #options: RunRegistryOptions;
  // Insertion order is arrival order: the queue is FIFO, across workflows.
  readonly #active = new Map<string, ActiveRun>();
  readonly #recent = new Map<string, RunEventLog>();
  #closing = false;

  constructor(options: RunRegistryOptions) {
    this.#options = options;
  }

  /**
   * Admits a run: it starts at once when its workflow and the server have a free slot, else it
   * is recorded as `queued` (or, with `onLimit: "skip"`, refused with `CONCURRENCY_LIMIT`; with
   * `"cancel-previous"`, its oldest runs in flight are cancelled to make room). `done` resolves with
   * its record once it has ended (it never rejects; at shutdown a queued run resolves as queued).
   * The executor's own check (`prepareRun`) refuses an input that does not match the
   * workflow's `inputs` (`INPUT_INVALID`), or an env name that is not set or not allowed
   * (`ENV_MISSING`), before anything is recorded; the error handler answers them as 400.
   */
  start(
    workflow: WorkflowDefinition,
    input: unknown,
    trigger: RunTrigger = 'manual',
    resume?: { from: string; reuse: ReadonlyMap<string, Record<string, unknown>> },
  ): { runId: string; done: Promise<RunRecord> } {
    if (this.#closing)
      throw new ApiError('SHUTTING_DOWN', 'the server is shutting down and starts no new runs');
    const prepared = prepareRun(workflow, input, { env: this.#options.env });
    const { definition } = prepared;
    const concurrency = definition.concurrency;
    if (concurrency) {
      const inFlight = this.#inFlight(definition.id);
      if (inFlight.length >= concurrency.limit && concurrency.onLimit === 'skip')
        throw new ApiError(
          'CONCURRENCY_LIMIT',
          skipMessage(definition.id, concurrency.limit, inFlight.length),
        );
      if (concurrency.onLimit === 'cancel-previous') {
        // The oldest runs in flight go, as many as it takes to make room for this one.
        const excess = inFlight.length - concurrency.limit + 1;
        for (const previous of inFlight.slice(0, Math.max(excess, 0))) void this.cancel(previous.runId);
      }
    }
    // Short enough to read in the UI, and the executor's network prefix (lp-<runId>-) too.
    const runId = randomBytes(8).toString('hex');
    this.#options.store.createRun({
      id: runId,
      workflowId: definition.id,
      workflowName: definition.name,
      input: prepared.input,
      trigger,
      status: 'queued',
      fingerprints: nodeFingerprints(definition),
      ...(resume ? { resumedFrom: resume.from } : {}),
    });
    const run = this.#enqueue(runId, definition, prepared.input, resume?.reuse);
    this.#pump();
    return { runId, done: run.done };
  }

  /**
   * Takes back the runs a previous process left `queued`, in their order, running each with
   * the workflow as served now (`lookup`). One whose workflow is gone, or whose input or env
   * no longer passes, is marked failed. Returns the ids queued again.
   */
  resumeQueued(lookup: (workflowId: string) => WorkflowDefinition | undefined): string[] {
    const { store } = this.#options;
    const resumed: string[] = [];
    for (const queued of store.queuedRuns()) {
      const workflow = lookup(queued.workflowId);
      let error: StoredError | undefined;
      if (!workflow) {
        error = {
          code: 'WORKFLOW_NOT_FOUND',
          message: `workflow '${queued.workflowId}' is no longer served: the queued run cannot start`,
        };
      } else {
        try {
          const prepared = prepareRun(workflow, queued.input, { env: this.#options.env });
          // A queued resume runs whole after a restart: its reuse map is not persisted (noted in the README).
          this.#enqueue(queued.id, prepared.definition, prepared.input, undefined);
          resumed.push(queued.id);
        } catch (cause) {
          error = describeError(cause);
        }
      }
      if (error) {
        this.#options.log.warn({ runId: queued.id }, `a queued run cannot resume: ${error.message}`);
        store.finishRun(queued.id, { status: 'failed', error });
      }
    }
    this.#pump();
    return resumed;
  }

  /** How many runs are queued and running now, in all and for one workflow when given. */
  counts(workflowId?: string): { queued: number; running: number } {
    let queued = 0;
    let running = 0;
    for (const run of this.#active.values()) {
      if (workflowId !== undefined && run.workflowId !== workflowId) continue;
      if (run.state === 'queued') queued++;
      else running++;
    }
    return { queued, running };
  }

  /**
   * The event log of a queued or running run, or of one of the last runs that ended here;
   * undefined for older runs (their events are rebuilt from the history).
   */
  eventLog(runId: string): RunEventLog | undefined {
    return this.#active.get(runId)?.events ?? this.#recent.get(runId);
  }

  /**
   * Cancels a queued or running run and waits for it to wind down (a queued run ends at once,
   * `cancelled`, never having started). False when this server does not hold it.
   */
  async cancel(runId: string): Promise<boolean> {
    const active = this.#active.get(runId);
    if (!active) return false;
    active.controller.abort();
    if (active.state === 'queued') {
      this.#active.delete(runId);
      this.#ended(active, 'cancelled', { code: 'CANCELLED', message: 'the run was cancelled while queued' });
      this.#pump();
    }
    await active.done;
    return true;
  }

  /**
   * Refuses new runs, cancels the running ones and waits until they have ended. Queued runs
   * stay queued in the history (the next start resumes them); their `done` resolves as queued.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const running: string[] = [];
    for (const run of [...this.#active.values()]) {
      if (run.state === 'running') {
        running.push(run.runId);
        continue;
      }
      this.#active.delete(run.runId);
      const record = this.#options.store.getRun(run.runId);
      if (record) run.settle(record);
    }
    await Promise.all(running.map((id) => this.cancel(id)));
  }

  #inFlight(workflowId: string): ActiveRun[] {
    return [...this.#active.values()].filter((r) => r.workflowId === workflowId);
  }

  #enqueue(
    runId: string,
    definition: WorkflowDefinition,
    input: Record<string, unknown>,
    reuse: ReadonlyMap<string, Record<string, unknown>> | undefined,
  ): ActiveRun {
    let settle!: (record: RunRecord) => void;
    const done = new Promise<RunRecord>((resolve) => {
      settle = resolve;
    });
    const run: ActiveRun = {
      runId,
      workflowId: definition.id,
      definition,
      input,
      ...(reuse ? { reuse } : {}),
      state: 'queued',
      controller: new AbortController(),
      events: new RunEventLog(this.#options.logLinesPerNode),
      done,
      settle,
    };
    this.#active.set(runId, run);
    return run;
  }

  // Starts every queued run that has a slot, oldest first; one whose workflow is at its limit
  // does not hold back the runs of other workflows behind it.
  #pump(): void {
    if (this.#closing) return;
    const max = this.#options.maxConcurrentRuns ?? Number.POSITIVE_INFINITY;
    let running = this.counts().running;
    for (const run of this.#active.values()) {
      if (running >= max) return;
      if (run.state !== 'queued') continue;
      const limit = run.definition.concurrency?.limit ?? Number.POSITIVE_INFINITY;
      if (this.counts(run.workflowId).running >= limit) continue;
      run.state = 'running';
      running++;
      try {
        this.#options.store.runStarted(run.runId);
      } catch (error) {
        this.#options.log.error({ err: error, runId: run.runId }, 'could not record the start of a run');
      }
      void this.#run(run)
        .catch((error: unknown) => {
          this.#options.log.error({ err: error, runId: run.runId }, 'a run ended without its record');
        })
        .then(() => this.#pump());
    }
  }

  #ended(run: ActiveRun, status: Exclude<RunStatus, 'running' | 'queued'>, error?: StoredError): RunRecord {
    const { store } = this.#options;
    try {
      store.finishRun(run.runId, { status, error });
    } catch (cause) {
      this.#options.log.error({ err: cause, runId: run.runId }, 'could not record the end of the run');
    }
    const time = new Date().toISOString();
    run.events.push({ type: 'run-finished', runId: run.runId, status, error: error ?? null, time });
    this.#recent.set(run.runId, run.events);
    if (this.#recent.size > RECENT_LOGS) this.#recent.delete(this.#recent.keys().next().value as string);
    const record = store.getRun(run.runId);
    if (!record) throw new ApiError('RUN_NOT_FOUND', `run ${run.runId} vanished from the history`);
    run.settle(record);
    return record;
  }

  async #run(active: ActiveRun): Promise<RunRecord> {
    const { runId, definition: workflow, input, reuse } = active;
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
    let status: Exclude<RunStatus, 'running' | 'queued'>;
    let error: StoredError | undefined;
    try {
      const result = await this.#options.execute(workflow, input, {
        runner: new TrackingRunner(this.#options.runner, this.#tracker(runId, record)),
        runId,
        signal: active.controller.signal,
        env: this.#options.env,
        ...(this.#options.cache ? { cache: this.#options.cache } : {}),
        ...(reuse ? { reuse } : {}),
        // Kept so GET /api/runs/:id/nodes/:nodeId/artifacts can serve them; light-run's
        // artifact cap and retention decide how long.
        keepArtifacts: true,
        onNodeStart: ({ nodeId, iteration, attempt }) => {
          const time = new Date().toISOString();
          record('a node start', () => store.nodeStarted(runId, nodeId, iteration, attempt));
          active.events.push({ type: 'node-started', runId, nodeId, iteration, attempt, time });
        },
        onNodeRetry: ({ nodeId, attempt, of, delayMs, reason }) => {
          const retry = {
            nodeId,
            attempt,
            of,
            delayMs: Math.round(delayMs),
            reason,
            time: new Date().toISOString(),
          };
          record('a node retry', () => store.nodeRetrying(runId, retry));
          active.events.push({ type: 'node-retrying', runId, ...retry });
        },
        onLog: (line) => {
          const entry = {
            stream: line.stream,
            line: line.line,
            time: line.time,
            attempt: line.attempt,
            ...(line.element !== undefined ? { element: line.element } : {}),
          };
          record('a log line', () => store.appendLog(runId, line.nodeId, entry));
          active.events.push({ type: 'log', runId, nodeId: line.nodeId, ...entry });
        },
        onElementStart: ({ nodeId, index, map }) => {
          record('an element start', () => store.elementStarted(runId, nodeId, index, map));
        },
        onElementEnd: ({ nodeId, element, map }) => {
          const end = {
            index: element.index,
            status: element.status,
            exitCode: element.exitCode,
            durationMs: element.duration,
            lightRunId: element.runId,
            error: element.error,
          };
          record('an element result', () => store.elementFinished(runId, nodeId, end, map));
          const time = new Date().toISOString();
          active.events.push({ type: 'node-progress', runId, nodeId, map, time });
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
    // Off the list before it is settled, so the next pump counts its slot as free.
    this.#active.delete(runId);
    return this.#ended(active, status, error);
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
      attempts: result.attempts,
      cached: result.cached,
      lightRunId: result.runId,
      error: result.error,
      map: result.map,
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
