import { evaluateCondition } from '../definition/conditions/evaluate.ts';
import type { MapDefinition, WorkflowDefinition, WorkflowNode } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { type NodeAttemptsEnd, runNodeAttempts } from './attempts.ts';
import { type ElementRunEnd, type MapNodeEnd, runMapNode } from './map-node.ts';
import { Memo } from './memo.ts';
import { crashMessage } from './node-attempt.ts';
import type { RequestContext } from './node-request.ts';
import { resolveRetry } from './retry-policy.ts';
import { type Activation, Scheduler } from './scheduler.ts';
import { SchemaCheck } from './schema-check.ts';
import type { StepLogLine } from './step-runner.ts';
import type { ExecuteOptions, MapProgress, NodeErrorCode, NodeResult, WorkflowError } from './types.ts';

/** Why the DAG stopped early. */
export type StopReason =
  | { code: 'NODE_FAILED'; error: WorkflowError }
  | { code: 'WORKFLOW_CANCELLED' | 'WORKFLOW_TIMEOUT' };

/** The outcome of the DAG alone (the run scope around it is handled by the caller). */
export interface DagOutcome {
  results: Record<string, NodeResult>;
  stop?: StopReason;
}

/**
 * Runs the nodes of one workflow as the scheduler releases them, all ready nodes at once.
 * A failed node stops the DAG: no node starts after it, and the running ones are cancelled
 * (or left to finish, with `onFailure: 'finish'`). `stop()` cancels every in-flight run.
 */
export class DagRun {
  private readonly nodes = new Map<string, WorkflowNode>();
  private readonly scheduler: Scheduler;
  private readonly schemas = new SchemaCheck();
  private readonly results: Record<string, NodeResult> = {};
  private readonly inFlight = new Map<string, AbortController>();
  private readonly tails = new Map<string, string[]>();
  private readonly tailSize: number;
  private readonly memo: Memo;
  private stopReason: StopReason | undefined;
  private active = 0;
  private finished: (() => void) | undefined;

  constructor(
    definition: WorkflowDefinition,
    private readonly context: RequestContext,
    private readonly options: ExecuteOptions,
  ) {
    for (const node of definition.nodes) this.nodes.set(node.id, node);
    this.scheduler = new Scheduler(
      definition.nodes.map((n) => n.id),
      definition.links,
      (when, output) => evaluateCondition(when, output),
    );
    this.tailSize = options.logTailLines ?? 20;
    this.memo = new Memo(definition.id, options, (nodeId, line) =>
      this.log(nodeId, { stream: 'stderr', line, time: new Date().toISOString() }, 1),
    );
  }

  /** Runs the DAG from its entry nodes to the end, or until it is stopped. */
  async run(input: Record<string, unknown>): Promise<DagOutcome> {
    const done = new Promise<void>((resolve) => {
      this.finished = resolve;
    });
    this.launch(this.scheduler.start(input));
    if (this.active > 0) await done;
    for (const id of this.nodes.keys()) this.results[id] ??= this.neverRan(id);
    return { results: this.results, ...(this.stopReason ? { stop: this.stopReason } : {}) };
  }

  /** Stops the DAG: nothing new starts and every in-flight run is cancelled. */
  stop(code: 'WORKFLOW_CANCELLED' | 'WORKFLOW_TIMEOUT'): void {
    this.stopReason ??= { code };
    for (const controller of this.inFlight.values()) controller.abort();
  }

  private launch(activations: Activation[]): void {
    for (const activation of activations) {
      if (this.stopReason) continue;
      this.active += 1;
      this.runNode(activation)
        .catch((error: unknown) => this.fail(activation.nodeId, this.crashed(activation, error)))
        .finally(() => {
          this.active -= 1;
          if (this.active === 0) this.finished?.();
        });
    }
  }

  private async runNode({ nodeId, input, iteration }: Activation): Promise<void> {
    const node = this.nodes.get(nodeId) as WorkflowNode;
    const started = Date.now();
    // A map node's input is checked per element (the array at `over` is not the node's input).
    const invalidInput = node.map
      ? undefined
      : this.schemas.check(`node "${nodeId}"`, 'input', node.inputs, input);
    if (invalidInput) {
      this.options.onNodeStart?.({ nodeId, iteration, attempt: 1, node });
      this.fail(
        nodeId,
        this.result(nodeId, iteration, started, {
          status: 'failed',
          code: 'INPUT_INVALID',
          message: invalidInput,
          attempts: 0,
        }),
      );
      return;
    }
    if (iteration === 1 && this.options.reuse?.has(nodeId)) {
      const output = this.options.reuse.get(nodeId) as Record<string, unknown>;
      this.succeed(
        this.result(nodeId, iteration, started, { status: 'succeeded', output, attempts: 0, reused: true }),
      );
      return;
    }
    const memo =
      node.cache && this.options.cache ? await this.memo.lookup(node, input, this.context) : undefined;
    if (memo?.entry) {
      const output = memo.entry.output;
      this.succeed(
        this.result(nodeId, iteration, started, { status: 'succeeded', output, attempts: 0, cached: true }),
      );
      return;
    }
    const controller = new AbortController();
    // Registered for the whole attempt loop: a stop also ends a backoff wait at once.
    this.inFlight.set(nodeId, controller);
    let end: NodeAttemptsEnd & { map?: MapProgress; logs?: string[] };
    try {
      end = node.map
        ? await this.runMap(node, node.map, input, controller.signal, iteration)
        : await runNodeAttempts({
            node,
            input,
            context: this.context,
            runner: this.options.runner,
            schemas: this.schemas,
            signal: controller.signal,
            results: this.results,
            policy: resolveRetry(node, this.context.defaults),
            onAttemptStart: (attempt) => this.options.onNodeStart?.({ nodeId, iteration, attempt, node }),
            onLog: (line, attempt) => this.log(nodeId, line, attempt),
            onRetry: (event) => this.options.onNodeRetry?.({ nodeId, ...event }),
          });
    } finally {
      this.inFlight.delete(nodeId);
    }
    const { status, output, attempts } = end;
    const result = this.result(nodeId, iteration, started, {
      status,
      output,
      attempts,
      exitCode: end.exitCode,
      runId: end.runId,
      ...(end.code ? { code: end.code } : {}),
      ...(end.message ? { message: end.message } : {}),
      ...(end.map ? { map: end.map } : {}),
      ...(end.logs ? { logs: end.logs } : {}),
    });
    if (status !== 'succeeded') {
      // A run this DAG cancelled (another node failed, or the workflow stops) is not a new failure.
      if (controller.signal.aborted) this.record(result);
      else this.fail(nodeId, result);
      return;
    }
    if (memo) await this.memo.store(node, input, this.context, memo, output);
    this.succeed(result);
  }

  /** Records a success and launches what it unlocks. */
  private succeed(result: NodeResult): void {
    const { nodeId, output } = result;
    this.record(result);
    if (this.stopReason) return;
    const progress = this.scheduler.complete(nodeId, output);
    for (const skipped of progress.skipped) this.record(this.skippedResult(skipped));
    this.launch(progress.ready);
  }

  /**
   * Runs a map node's elements through the same attempt loop as plain nodes (so a retry
   * policy applies per element); each element's input is checked against `inputs`.
   */
  private async runMap(
    node: WorkflowNode,
    map: MapDefinition,
    input: Record<string, unknown>,
    signal: AbortSignal,
    iteration: number,
  ): Promise<NodeAttemptsEnd & { map: MapProgress; logs?: string[] }> {
    const nodeId = node.id;
    const subject = (index: number) => `node "${nodeId}" element ${index}`;
    this.options.onNodeStart?.({ nodeId, iteration, attempt: 1, node });
    const end: MapNodeEnd = await runMapNode({
      nodeId,
      map,
      input,
      signal,
      tailSize: this.tailSize,
      runElement: async ({ index, input: elementInput, signal: elementSignal, onLog }) => {
        const invalid = this.schemas.check(subject(index), 'input', node.inputs, elementInput);
        if (invalid)
          return {
            status: 'failed',
            output: {},
            exitCode: null,
            error: { code: 'INPUT_INVALID', message: invalid },
          };
        const run = await runNodeAttempts({
          node,
          input: elementInput,
          context: this.context,
          runner: this.options.runner,
          schemas: this.schemas,
          signal: elementSignal,
          subject: subject(index),
          results: this.results,
          policy: resolveRetry(node, this.context.defaults),
          onLog: (line) => onLog(line),
        });
        const element: ElementRunEnd = {
          status: run.status,
          output: run.output,
          exitCode: run.exitCode,
          ...(run.runId ? { runId: run.runId } : {}),
          ...(run.code ? { error: { code: run.code, message: run.message ?? '' } } : {}),
        };
        return element;
      },
      crashed: (_index, error) => ({
        code: error instanceof LightProcessError ? error.code : 'NODE_FAILED',
        message: crashMessage(subject(_index), error),
      }),
      onLog: (index, line) => this.log(nodeId, line, 1, index),
      onElementStart: (index, progress) => this.options.onElementStart?.({ nodeId, index, map: progress }),
      onElementEnd: (element, progress) => this.options.onElementEnd?.({ nodeId, element, map: progress }),
    });
    return {
      status: end.status,
      output: end.output,
      exitCode: end.exitCode,
      attempts: 1,
      map: end.map,
      ...(end.runId ? { runId: end.runId } : {}),
      ...(end.error ? { code: end.error.code, message: end.error.message } : {}),
      ...(end.logs ? { logs: end.logs } : {}),
    };
  }

  private fail(nodeId: string, result: NodeResult): void {
    this.record(result);
    if (this.stopReason) return;
    const logs = result.logs.slice(-10);
    this.stopReason = {
      code: 'NODE_FAILED',
      error: {
        code: 'NODE_FAILED',
        message:
          logs.length > 0
            ? `${result.error?.message}\nlast log lines:\n  ${logs.join('\n  ')}`
            : `${result.error?.message}`,
        nodeId,
        exitCode: result.exitCode,
        logs,
      },
    };
    if ((this.options.onFailure ?? 'cancel') === 'cancel') {
      for (const controller of this.inFlight.values()) controller.abort();
    }
  }

  private crashed(activation: Activation, error: unknown): NodeResult {
    const code = error instanceof LightProcessError ? error.code : 'NODE_FAILED';
    return this.result(activation.nodeId, activation.iteration, Date.now(), {
      status: 'failed',
      code,
      message: crashMessage(`node "${activation.nodeId}"`, error),
      attempts: 0,
    });
  }

  private result(
    nodeId: string,
    iteration: number,
    started: number,
    end: {
      status: NodeResult['status'];
      code?: NodeErrorCode;
      message?: string;
      output?: Record<string, unknown>;
      exitCode?: number | null;
      runId?: string | undefined;
      map?: MapProgress;
      /** The log tail to report instead of the node's own (a map's failing element). */
      logs?: string[];
      attempts: number;
      cached?: boolean;
      reused?: boolean;
    },
  ): NodeResult {
    return {
      nodeId,
      status: end.status,
      output: end.output ?? {},
      exitCode: end.exitCode ?? null,
      duration: Date.now() - started,
      logs: [...(end.logs ?? this.tails.get(nodeId) ?? [])],
      iterations: iteration,
      attempts: end.attempts,
      cached: end.cached ?? false,
      ...(end.reused ? { reused: true } : {}),
      ...(end.runId ? { runId: end.runId } : {}),
      ...(end.map ? { map: end.map } : {}),
      ...(end.code && end.message ? { error: { code: end.code, message: end.message } } : {}),
    };
  }

  private record(result: NodeResult): void {
    this.results[result.nodeId] = result;
    this.options.onNodeEnd?.({ nodeId: result.nodeId, result });
  }

  private skippedResult(nodeId: string): NodeResult {
    return {
      nodeId,
      status: 'skipped',
      output: {},
      exitCode: null,
      duration: 0,
      logs: [],
      iterations: 0,
      attempts: 0,
      cached: false,
    };
  }

  private neverRan(nodeId: string): NodeResult {
    const message = `node "${nodeId}" did not start: the workflow stopped first`;
    return { ...this.skippedResult(nodeId), status: 'cancelled', error: { code: 'NOT_STARTED', message } };
  }

  private log(nodeId: string, line: StepLogLine, attempt: number, element?: number): void {
    this.tail(nodeId, line.line);
    this.options.onLog?.({ nodeId, attempt, ...(element !== undefined ? { element } : {}), ...line });
  }

  private tail(nodeId: string, line: string): void {
    let lines = this.tails.get(nodeId);
    if (!lines) {
      lines = [];
      this.tails.set(nodeId, lines);
    }
    lines.push(line);
    if (lines.length > this.tailSize) lines.shift();
  }
}
