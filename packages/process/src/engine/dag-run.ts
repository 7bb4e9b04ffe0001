import { evaluateCondition } from '../definition/conditions/evaluate.ts';
import type { WorkflowDefinition, WorkflowNode } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { nodeRequest, type RequestContext } from './node-request.ts';
import { normalizeOutput, OUTPUT_FILE, parseOutputFile } from './output-channel.ts';
import { type Activation, Scheduler } from './scheduler.ts';
import { SchemaCheck } from './schema-check.ts';
import type { StepLogLine, StepOutcome } from './step-runner.ts';
import type { ExecuteOptions, NodeErrorCode, NodeResult, WorkflowError } from './types.ts';

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
    this.options.onNodeStart?.({ nodeId, iteration, node });
    const invalidInput = this.schemas.check(`node "${nodeId}"`, 'input', node.inputs, input);
    if (invalidInput) {
      this.fail(
        nodeId,
        this.result(nodeId, iteration, started, {
          status: 'failed',
          code: 'INPUT_INVALID',
          message: invalidInput,
        }),
      );
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(nodeId, controller);
    let outcome: StepOutcome;
    let runId: string | undefined;
    try {
      const request = nodeRequest(node, input, this.context);
      const body = this.context.transfer
        ? await this.context.transfer.complete(node, request, this.results, controller.signal)
        : request;
      outcome = await this.options.runner.runStep(body, {
        signal: controller.signal,
        ...(this.context.lease ? { lease: this.context.lease } : {}),
        onStart: (id) => {
          runId = id;
        },
        onLog: (line) => this.log(nodeId, line),
        outputArtifact: OUTPUT_FILE,
      });
    } finally {
      this.inFlight.delete(nodeId);
    }
    const base = { runId: outcome.runId || runId, exitCode: outcome.exitCode };
    this.context.transfer?.produced(node, base.runId);
    if (outcome.status !== 'succeeded') {
      const message = this.describeEnd(nodeId, outcome);
      const status =
        outcome.status === 'timeout' ? 'timeout' : outcome.status === 'cancelled' ? 'cancelled' : 'failed';
      const code =
        status === 'failed' ? 'NODE_FAILED' : status === 'timeout' ? 'NODE_TIMEOUT' : 'NODE_CANCELLED';
      const result = this.result(nodeId, iteration, started, { ...base, status, code, message });
      if (controller.signal.aborted) this.record(result);
      else this.fail(nodeId, result);
      return;
    }
    const parsed = parseOutputFile(outcome.outputBytes);
    if (parsed.warning) {
      const line = `light-process: ${parsed.warning}`;
      this.log(nodeId, { stream: 'stderr', line, time: new Date().toISOString() });
    }
    const output = normalizeOutput(parsed.value);
    const invalidOutput = this.schemas.check(`node "${nodeId}"`, 'output', node.outputs, output);
    if (invalidOutput) {
      this.fail(
        nodeId,
        this.result(nodeId, iteration, started, {
          ...base,
          status: 'failed',
          code: 'OUTPUT_INVALID',
          message: invalidOutput,
          output,
        }),
      );
      return;
    }
    this.record(this.result(nodeId, iteration, started, { ...base, status: 'succeeded', output }));
    if (this.stopReason) return;
    const progress = this.scheduler.complete(nodeId, output);
    for (const skipped of progress.skipped) this.record(this.skippedResult(skipped));
    this.launch(progress.ready);
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

  private describeEnd(nodeId: string, outcome: StepOutcome): string {
    const why = outcome.error ? `: ${outcome.error.message}` : '';
    if (outcome.status === 'timeout') return `node "${nodeId}" timed out${why}`;
    if (outcome.status === 'cancelled') return `node "${nodeId}" was cancelled`;
    const exit = outcome.exitCode === null ? 'without an exit code' : `with exit code ${outcome.exitCode}`;
    return `node "${nodeId}" failed ${exit}${why}`;
  }

  private crashed(activation: Activation, error: unknown): NodeResult {
    const code = error instanceof LightProcessError ? error.code : 'NODE_FAILED';
    const reason = error instanceof Error ? error.message : String(error);
    const node = `node "${activation.nodeId}"`;
    // Said as what it is: light-run unreachable, or a request too large, is not a crash of the node.
    const message =
      code === 'LIGHT_RUN_UNREACHABLE'
        ? `${node}: ${reason}`
        : code === 'NODE_FILES_TOO_LARGE'
          ? `${node} was refused: ${reason}`
          : `${node} could not run: ${reason}`;
    return this.result(activation.nodeId, activation.iteration, Date.now(), {
      status: 'failed',
      code,
      message,
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
    },
  ): NodeResult {
    return {
      nodeId,
      status: end.status,
      output: end.output ?? {},
      exitCode: end.exitCode ?? null,
      duration: Date.now() - started,
      logs: [...(this.tails.get(nodeId) ?? [])],
      iterations: iteration,
      ...(end.runId ? { runId: end.runId } : {}),
      ...(end.code && end.message ? { error: { code: end.code, message: end.message } } : {}),
    };
  }

  private record(result: NodeResult): void {
    this.results[result.nodeId] = result;
    this.options.onNodeEnd?.({ nodeId: result.nodeId, result });
  }

  private skippedResult(nodeId: string): NodeResult {
    return { nodeId, status: 'skipped', output: {}, exitCode: null, duration: 0, logs: [], iterations: 0 };
  }

  private neverRan(nodeId: string): NodeResult {
    const message = `node "${nodeId}" did not start: the workflow stopped first`;
    return { ...this.skippedResult(nodeId), status: 'cancelled', error: { code: 'NOT_STARTED', message } };
  }

  private log(nodeId: string, line: StepLogLine): void {
    this.tail(nodeId, line.line);
    this.options.onLog?.({ nodeId, ...line });
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
