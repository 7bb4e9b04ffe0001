import type { NodeDefinition } from '../definition/definitions.ts';
import type { LightProcessErrorCode } from '../definition/errors.ts';
import type { EnvSource } from './env-policy.ts';
import type { StepRunner } from './step-runner.ts';

/** How one node ended. `skipped`: only non-firing links led to it. */
export type NodeStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'timeout';

/**
 * Why a node did not succeed: `NODE_FAILED` (non-zero exit, or light-run said failed),
 * `NODE_TIMEOUT`, `NODE_CANCELLED`, `NOT_STARTED` (the workflow stopped first),
 * `INPUT_INVALID` / `OUTPUT_INVALID` (its JSON Schemas), or the code of the
 * `LightProcessError` that kept it from running (e.g. `LIGHT_RUN_UNREACHABLE`).
 */
export type NodeErrorCode =
  | 'NODE_FAILED'
  | 'NODE_TIMEOUT'
  | 'NODE_CANCELLED'
  | 'NOT_STARTED'
  | 'INPUT_INVALID'
  | 'OUTPUT_INVALID'
  | LightProcessErrorCode;

/**
 * Why a workflow did not succeed: a node failed, it was cancelled or timed out, its run scope
 * (networks, services, lease) could not be set up (`RUN_SCOPE_FAILED` or the code of the
 * error that stopped it) or torn down.
 */
export type WorkflowErrorCode =
  | 'NODE_FAILED'
  | 'WORKFLOW_CANCELLED'
  | 'WORKFLOW_TIMEOUT'
  | 'TEARDOWN_FAILED'
  | LightProcessErrorCode;

/** Why one tear-down step failed: `TEARDOWN_FAILED`, or the code of the error it met. */
export type TeardownErrorCode = 'TEARDOWN_FAILED' | LightProcessErrorCode;

/** The outcome of one node (the last iteration, for nodes in a loop). */
export interface NodeResult {
  nodeId: string;
  status: NodeStatus;
  output: Record<string, unknown>;
  exitCode: number | null;
  /** Milliseconds. */
  duration: number;
  /** The last log lines of the node, oldest first. */
  logs: string[];
  /** How many times the node ran (loops run a node more than once). */
  iterations: number;
  /** light-run id of the last run of this node. */
  runId?: string;
  error?: { code: NodeErrorCode; message: string };
}

/** What `execute` resolves with. It never rejects for a workflow failure. */
export interface WorkflowResult {
  /** The light-process run id (also the `lp-<runId>-` prefix of run-scoped networks). */
  runId: string;
  success: boolean;
  results: Record<string, NodeResult>;
  /** Milliseconds. */
  duration: number;
  error?: WorkflowError;
  /** Problems met while stopping services and deleting networks (each step is still attempted). */
  teardownErrors?: { code: TeardownErrorCode; message: string }[];
}

/** Why a workflow did not succeed. */
export interface WorkflowError {
  /** See `WorkflowErrorCode`. */
  code: WorkflowErrorCode;
  message: string;
  /** The node that failed, when a node did. */
  nodeId?: string;
  /** Its exit code, when it ran and exited. */
  exitCode?: number | null;
  /** Its last log lines, oldest first. */
  logs?: string[];
}

/** One line a node printed. */
export interface NodeLogLine {
  nodeId: string;
  stream: 'stdout' | 'stderr';
  line: string;
  time: string;
}

/** Options of `Workflow.execute`. */
export interface ExecuteOptions {
  /** Where containers run: a `LightRunClient` (or any `StepRunner`). */
  runner: StepRunner;
  /** Cancels the workflow: every in-flight run is cancelled, services stopped, networks deleted. */
  signal?: AbortSignal;
  /**
   * Workflow timeout in milliseconds; absent: the workflow's own `timeout`. 0 means no
   * timeout, as everywhere in light-process. @default the workflow's `timeout`, else none
   */
  timeout?: number;
  /** What a node failure does to the nodes still running. @default 'cancel' */
  onFailure?: 'cancel' | 'finish';
  /** The light-process run id (names the `lp-<runId>-` networks). @default a random 12-hex-digit id */
  runId?: string;
  /**
   * Keep the artifacts of the nodes that declared `artifacts` after the run ends (in
   * light-run's artifact store, under its cap and retention). Off: the runs that produced
   * them are deleted from light-run when the workflow ends. @default false
   */
  keepArtifacts?: boolean;
  /** How many log lines of each node `NodeResult.logs` keeps. @default 20 */
  logTailLines?: number;
  /**
   * Where node and service `env` names resolve from: an environment (every name passes) or an
   * `EnvPolicy` (an allow-list, as `light serve` uses). `LP_API_KEY` and `LIGHT_RUN_TOKEN`
   * never resolve. @default process.env (the SDK runs in the user's own process)
   */
  env?: EnvSource;
  onNodeStart?: (event: { nodeId: string; iteration: number; node: NodeDefinition }) => void;
  onNodeEnd?: (event: { nodeId: string; result: NodeResult }) => void;
  onLog?: (line: NodeLogLine) => void;
}
