import type { WorkflowNode } from '../definition/definitions.ts';
import { LightProcessError } from '../definition/errors.ts';
import { nodeRequest, type RequestContext } from './node-request.ts';
import { normalizeOutput, OUTPUT_FILE, parseOutputFile } from './output-channel.ts';
import type { SchemaCheck } from './schema-check.ts';
import type { StepLogLine, StepOutcome, StepRunner } from './step-runner.ts';
import type { NodeErrorCode, NodeStatus } from './types.ts';

/** What one container run of a node needs. */
export interface NodeStepOptions {
  node: WorkflowNode;
  /** The input of this run (the merged input, or one element's input for a map). */
  input: Record<string, unknown>;
  runner: StepRunner;
  context: RequestContext;
  schemas: SchemaCheck;
  /** Cancels the run. */
  signal: AbortSignal;
  /** Names the run in messages: `node "score"`, or `node "score" element 3`. */
  subject: string;
  onStart?: (runId: string) => void;
  onLog: (line: StepLogLine) => void;
}

/** How one container run of a node ended. */
export interface NodeStepEnd {
  status: Exclude<NodeStatus, 'skipped'>;
  output: Record<string, unknown>;
  exitCode: number | null;
  /** light-run id, when the run was submitted. */
  runId?: string;
  error?: { code: NodeErrorCode; message: string };
}

/**
 * Runs a node once with `input`: checks it against `inputs`, runs the container, reads
 * `.lp-output.json` and checks it against `outputs`. Resolves for every end of the
 * container; rejects only when the run could not happen (light-run unreachable, a refused
 * request): `crashMessage` words those. Plain nodes run through this once per iteration,
 * map nodes once per element (engine/map-node.ts).
 */
export async function runNodeStep(options: NodeStepOptions): Promise<NodeStepEnd> {
  const { node, input, subject } = options;
  const invalidInput = options.schemas.check(subject, 'input', node.inputs, input);
  if (invalidInput) return failed('INPUT_INVALID', invalidInput);
  let runId: string | undefined;
  const outcome = await options.runner.runStep(nodeRequest(node, input, options.context), {
    signal: options.signal,
    ...(options.context.lease ? { lease: options.context.lease } : {}),
    onStart: (id) => {
      runId = id;
      options.onStart?.(id);
    },
    onLog: options.onLog,
    outputArtifact: OUTPUT_FILE,
  });
  const id = outcome.runId || runId;
  const base = { exitCode: outcome.exitCode, ...(id ? { runId: id } : {}) };
  if (outcome.status !== 'succeeded') {
    const status = outcome.status;
    const code =
      status === 'failed' ? 'NODE_FAILED' : status === 'timeout' ? 'NODE_TIMEOUT' : 'NODE_CANCELLED';
    return { ...base, status, output: {}, error: { code, message: describeEnd(subject, outcome) } };
  }
  const parsed = parseOutputFile(outcome.outputBytes);
  if (parsed.warning) {
    options.onLog({
      stream: 'stderr',
      line: `light-process: ${parsed.warning}`,
      time: new Date().toISOString(),
    });
  }
  const output = normalizeOutput(parsed.value);
  const invalidOutput = options.schemas.check(subject, 'output', node.outputs, output);
  if (invalidOutput) return { ...failed('OUTPUT_INVALID', invalidOutput), ...base, output };
  return { ...base, status: 'succeeded', output };
}

/** The code and message of a run that could not happen (`runNodeStep` rejected with `error`). */
export function crashMessage(subject: string, error: unknown): { code: NodeErrorCode; message: string } {
  const code = error instanceof LightProcessError ? error.code : 'NODE_FAILED';
  const reason = error instanceof Error ? error.message : String(error);
  // Said as what it is: light-run unreachable, or a request too large, is not a crash of the node.
  const message =
    code === 'LIGHT_RUN_UNREACHABLE'
      ? `${subject}: ${reason}`
      : code === 'NODE_FILES_TOO_LARGE'
        ? `${subject} was refused: ${reason}`
        : `${subject} could not run: ${reason}`;
  return { code, message };
}

function failed(code: NodeErrorCode, message: string): NodeStepEnd {
  return { status: 'failed', output: {}, exitCode: null, error: { code, message } };
}

function describeEnd(subject: string, outcome: StepOutcome): string {
  const why = outcome.error ? `: ${outcome.error.message}` : '';
  if (outcome.status === 'timeout') return `${subject} timed out${why}`;
  if (outcome.status === 'cancelled') return `${subject} was cancelled`;
  const exit = outcome.exitCode === null ? 'without an exit code' : `with exit code ${outcome.exitCode}`;
  return `${subject} failed ${exit}${why}`;
}
