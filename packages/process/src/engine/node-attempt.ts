import type { RetryOn, WorkflowNode } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { nodeRequest, type RequestContext } from './node-request.ts';
import { normalizeOutput, OUTPUT_FILE, parseOutputFile } from './output-channel.ts';
import type { SchemaCheck } from './schema-check.ts';
import type { StepLogLine, StepOutcome, StepRunner } from './step-runner.ts';
import type { NodeErrorCode, NodeResult, NodeStatus } from './types.ts';

/** What one container run of a node needs. */
export interface AttemptArgs {
  node: WorkflowNode;
  input: Record<string, unknown>;
  context: RequestContext;
  runner: StepRunner;
  schemas: SchemaCheck;
  /** Aborting cancels the container (the attempt then ends `cancelled`). */
  signal: AbortSignal;
  onLog: (line: StepLogLine) => void;
  /** Called once the container run has its light-run id. */
  onRunId?: (runId: string) => void;
  /** The results so far, whose artifacts the run may mount (see node-transfer.ts). */
  results?: Readonly<Record<string, NodeResult>>;
  /** Names the run in messages. @default `node "<id>"`; a map element: `node "score" element 3`. */
  subject?: string;
}

/** How one attempt ended. */
export interface AttemptEnd {
  status: Exclude<NodeStatus, 'skipped'>;
  output: Record<string, unknown>;
  exitCode: number | null;
  /** light-run id of the container run, when it got one. */
  runId?: string;
  code?: NodeErrorCode;
  message?: string;
  /** What kind of failure this is for a retry policy; absent: succeeded, or never retried. */
  kind?: RetryOn;
}

// light-run's codes for a run whose container went away under it (removed, killed from
// outside, an engine restart, light-run restarted without finding it again).
const LOST_CODES = new Set(['CONTAINER_LOST', 'LOST', 'KILLED']);

/**
 * Runs ONE attempt of a node: one container, the output read from the output channel and
 * checked against the node's `outputs` schema. Never throws: an error that kept the node
 * from running becomes a failed end naming it.
 */
export async function runNodeAttempt(args: AttemptArgs): Promise<AttemptEnd> {
  const { node } = args;
  const subject = args.subject ?? `node "${node.id}"`;
  let runId: string | undefined;
  let outcome: StepOutcome;
  try {
    const request = nodeRequest(node, args.input, args.context);
    // Artifacts of upstream nodes (mounts) and files too large for a body (upload).
    const body = args.context.transfer
      ? await args.context.transfer.complete(node, request, args.results ?? {}, args.signal)
      : request;
    outcome = await args.runner.runStep(body, {
      signal: args.signal,
      ...(args.context.lease ? { lease: args.context.lease } : {}),
      onStart: (id) => {
        runId = id;
        args.onRunId?.(id);
      },
      onLog: args.onLog,
      outputArtifact: OUTPUT_FILE,
    });
  } catch (error) {
    args.context.transfer?.produced(node, runId);
    const code = error instanceof LightProcessError ? error.code : 'NODE_FAILED';
    return {
      status: 'failed',
      output: {},
      exitCode: null,
      ...(runId ? { runId } : {}),
      code,
      message: crashMessage(subject, error),
      // light-run out of reach mid-run: the run is lost to us, a new attempt may find it back.
      ...(code === 'LIGHT_RUN_UNREACHABLE' ? { kind: 'lost' as const } : {}),
    };
  }
  // Every attempt's run is noted, so the artifacts it kept are deleted with the workflow's.
  args.context.transfer?.produced(node, outcome.runId || runId);
  const base = {
    exitCode: outcome.exitCode,
    ...(outcome.runId || runId ? { runId: outcome.runId || runId } : {}),
  };
  if (outcome.status !== 'succeeded') {
    const status = outcome.status;
    const code: NodeErrorCode =
      status === 'failed' ? 'NODE_FAILED' : status === 'timeout' ? 'NODE_TIMEOUT' : 'NODE_CANCELLED';
    return {
      ...base,
      status,
      output: {},
      code,
      message: describeEnd(subject, outcome),
      ...failureKind(outcome),
    };
  }
  const parsed = parseOutputFile(outcome.outputBytes);
  if (parsed.warning)
    args.onLog({
      stream: 'stderr',
      line: `light-process: ${parsed.warning}`,
      time: new Date().toISOString(),
    });
  const output = normalizeOutput(parsed.value);
  const invalid = args.schemas.check(subject, 'output', node.outputs, output);
  if (invalid)
    return {
      ...base,
      status: 'failed',
      output,
      code: 'OUTPUT_INVALID',
      message: invalid,
      kind: 'output_invalid',
    };
  return { ...base, status: 'succeeded', output };
}

/** The message of an error that kept a node from running (not a failure of its program). */
export function crashMessage(subject: string, error: unknown): string {
  const code = error instanceof LightProcessError ? error.code : 'NODE_FAILED';
  const reason = error instanceof Error ? error.message : String(error);
  const node = subject;
  // Said as what it is: light-run unreachable, or a request too large, is not a crash of the node.
  if (code === 'LIGHT_RUN_UNREACHABLE') return `${node}: ${reason}`;
  if (code === 'NODE_FILES_TOO_LARGE') return `${node} was refused: ${reason}`;
  return `${node} could not run: ${reason}`;
}

function failureKind(outcome: StepOutcome): { kind?: RetryOn } {
  if (outcome.status === 'timeout') return { kind: 'timeout' };
  if (outcome.status !== 'failed') return {};
  if (outcome.error?.code === 'OUT_OF_MEMORY') return { kind: 'out_of_memory' };
  if (outcome.error && LOST_CODES.has(outcome.error.code)) return { kind: 'lost' };
  return { kind: 'failed' };
}

function describeEnd(subject: string, outcome: StepOutcome): string {
  const why = outcome.error ? `: ${outcome.error.message}` : '';
  if (outcome.status === 'timeout') return `${subject} timed out${why}`;
  if (outcome.status === 'cancelled') return `${subject} was cancelled`;
  const exit = outcome.exitCode === null ? 'without an exit code' : `with exit code ${outcome.exitCode}`;
  return `${subject} failed ${exit}${why}`;
}
