import type { NodeDefinition } from '../definition/definitions.ts';
import type { LightProcessErrorCode } from '../definition/errors.ts';
import type { EnvSource } from './env-policy.ts';
import type { NodeCache } from './node-cache.ts';
import type { StepRunner } from './step-runner.ts';

/** How one node ended. `skipped`: only non-firing links led to it. */
export type NodeStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'timeout';

/**
 * Why a node did not succeed: `NODE_FAILED` (non-zero exit, or light-run said failed),
 * `NODE_TIMEOUT`, `NODE_CANCELLED`, `NOT_STARTED` (the workflow stopped first),
 * `INPUT_INVALID` / `OUTPUT_INVALID` (its JSON Schemas), `MAP_OVER_INVALID` (a map node's
 * `map.over` does not name an array in its input), or the code of the
 * `LightProcessError` that kept it from running (e.g. `LIGHT_RUN_UNREACHABLE`).
 */
export type NodeErrorCode =
  | 'NODE_FAILED'
  | 'NODE_TIMEOUT'
  | 'NODE_CANCELLED'
  | 'NOT_STARTED'
  | 'INPUT_INVALID'
  | 'OUTPUT_INVALID'
  | 'MAP_OVER_INVALID'
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
  /**
   * Attempts made by its last iteration under its retry policy (1 without retries; 0 for a
   * node that never started, was skipped, or whose output came from the cache or a resumed run).
   */
  attempts: number;
  /** The output was reused from the node cache (`cache: { ttl }`): no container started. */
  cached: boolean;
  /** The output was reused from the run this one resumes (`ExecuteOptions.reuse`): no container started. */
  reused?: boolean;
  /** light-run id of the last run of this node. */
  runId?: string;
  error?: { code: NodeErrorCode; message: string };
  /** How far a map node got over its elements (absent on other nodes). */
  map?: MapProgress;
}

/** Where a map node stands: elements in its list, elements ended, and of those, failed ones. */
export interface MapProgress {
  total: number;
  /** Elements that ended, whatever the outcome (`failed` included). */
  done: number;
  failed: number;
}

/** How one element of a map node ended. */
export interface ElementResult {
  /** Position of the element in the list, from 0. */
  index: number;
  status: Exclude<NodeStatus, 'skipped'>;
  exitCode: number | null;
  /** Milliseconds. */
  duration: number;
  /** light-run id of the element's run, when it was submitted. */
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
  /** The element of a map node that printed it (absent on other nodes). */
  element?: number;
  /** The attempt that printed it (1-based; see `retry`). */
  attempt: number;
  stream: 'stdout' | 'stderr';
  line: string;
  time: string;
}

/** A node attempt failed and another follows (see `ExecuteOptions.onNodeRetry`). */
export interface NodeRetryEvent {
  nodeId: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Attempts in all. */
  of: number;
  /** Wait before the next attempt, in milliseconds. */
  delayMs: number;
  /** Why the attempt failed. */
  reason: { code: NodeErrorCode; message: string };
  /** The reason in a few words: `exit 1`, `timeout`, `out of memory`, `lost`, `output invalid`. */
  summary: string;
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
  /** A node's container is about to start: once per iteration and per attempt. */
  /**
   * Where nodes with `cache: { ttl }` find and record their outputs. Without it `cache` has
   * no effect (the CLI and `light serve` pass a `NodeCacheStore`).
   */
  cache?: NodeCache;
  /**
   * Outputs of a previous run to reuse instead of running the node again (see `planResume`):
   * node id -> output. Only a node's first iteration is reused.
   */
  reuse?: ReadonlyMap<string, Record<string, unknown>>;
  onNodeStart?: (event: { nodeId: string; iteration: number; attempt: number; node: NodeDefinition }) => void;
  /** An attempt failed and the node's retry policy runs it again after `delayMs`. */
  onNodeRetry?: (event: NodeRetryEvent) => void;
  onNodeEnd?: (event: { nodeId: string; result: NodeResult }) => void;
  onLog?: (line: NodeLogLine) => void;
  /** An element of a map node was submitted. */
  onElementStart?: (event: { nodeId: string; index: number; map: MapProgress }) => void;
  /** An element of a map node ended; `map` counts it. */
  onElementEnd?: (event: { nodeId: string; element: ElementResult; map: MapProgress }) => void;
}
