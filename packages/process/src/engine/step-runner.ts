import type { NodeFile } from '../definition/definitions.ts';
import type { RunBody } from '../definition/wire-types.ts';

/** One line a run printed, as light-run streams it. */
export interface StepLogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** ISO timestamp. */
  time: string;
}

/** How a step ended, in light-run's terms. */
export type StepStatus = 'succeeded' | 'failed' | 'cancelled' | 'timeout';

/** Options of `StepRunner.runStep`. */
export interface RunStepOptions {
  /** Aborting cancels the run (`POST /runs/:id/cancel`); `runStep` then resolves with `cancelled`. */
  signal?: AbortSignal;
  /** The lease the run is tied to (see `StepRunner.openLease`). */
  lease?: string;
  /** Called once the run has an id (before it ends). */
  onStart?: (runId: string) => void;
  /** Called with every log line, live. */
  onLog?: (line: StepLogLine) => void;
  /**
   * The artifact whose bytes come back as `StepOutcome.outputBytes` once the step succeeded
   * (the executor names its output channel here; the runner knows no file convention).
   */
  outputArtifact?: string;
}

/** The end of one step. */
export interface StepOutcome {
  /** light-run id (the container's hostname). */
  runId: string;
  status: StepStatus;
  exitCode: number | null;
  /** Milliseconds, as light-run measured it. */
  durationMs: number | null;
  /**
   * Why the backend says the run did not succeed, in its own words: `code` is the backend's
   * (light-run's wire types leave it open). The executor closes it: the node's result says
   * `NODE_FAILED`, `NODE_TIMEOUT` or `NODE_CANCELLED` from `status`, with this message.
   */
  error?: { code: string; message: string };
  /**
   * The bytes of `RunStepOptions.outputArtifact` when the step succeeded and the file exists,
   * else `null`. The executor parses them (see engine/output-channel.ts).
   */
  outputBytes: Uint8Array | null;
}

/** Options of creating a run-scoped network. */
export interface NetworkOptions {
  /** No route outside the network. @default false */
  internal?: boolean;
  /** The lease the network is tied to (see `StepRunner.openLease`). */
  lease?: string;
}

/** Options of starting a service. */
export interface ServiceOptions {
  /** Aborting stops waiting for the service to run (a service already submitted is cancelled). */
  signal?: AbortSignal;
  /** The lease the service is tied to (see `StepRunner.openLease`). */
  lease?: string;
}

/**
 * A lease held on the backend: while the process renews it, the runs and networks tied to
 * it live; once renewals stop for its ttl, the backend cancels and removes them.
 */
export interface RunLease {
  readonly id: string;
  /** Stops renewing and releases the lease (its remaining runs are cancelled). */
  release(): Promise<void>;
}

/**
 * What the executor needs from a container backend. `LightRunClient` implements it over
 * light-run's HTTP API; `InMemoryRunner` implements it in memory for tests of pure logic.
 */
export interface StepRunner {
  /** Runs one step to its end: submits it detached, streams its logs, waits, fetches `outputArtifact`. */
  runStep(body: RunBody, options?: RunStepOptions): Promise<StepOutcome>;
  /** Starts a long-running service detached and resolves with its id (= its hostname) once it runs. */
  startService(body: RunBody, options?: ServiceOptions): Promise<{ id: string }>;
  /**
   * Stops a service (SIGTERM, then SIGKILL after `graceMs`) and waits (bounded) until it
   * ended. @default graceMs 3000
   */
  stopService(id: string, options?: { graceMs?: number }): Promise<void>;
  /** Creates a network (idempotent). The resolved value is not used. */
  createNetwork(name: string, options?: NetworkOptions): Promise<unknown>;
  /** Deletes a network; an unknown network is not an error. */
  deleteNetwork(name: string): Promise<void>;
  /**
   * Opens a lease that the execution ties every run and network to; resolves `undefined`
   * when the backend has no leases. Optional: a runner without it gets no lease.
   */
  openLease?(): Promise<RunLease | undefined>;
  /**
   * The image ID an image reference resolves to on the backend (undefined when it is not
   * there yet). Optional: without it the node cache keys on the reference as written.
   */
  imageId?(image: string): Promise<string | undefined>;
  /** Largest request body the backend takes, in bytes; checked before anything starts. */
  readonly maxRequestBytes?: number;
  /**
   * Stores files for later runs apart from any request body (light-run's `POST /uploads`,
   * a streamed tar) and resolves with the id a body names as `upload`. Optional: without
   * it, node files must fit in `maxRequestBytes`.
   */
  uploadFiles?(files: Record<string, NodeFile>, options?: { signal?: AbortSignal }): Promise<string>;
  /** Deletes an upload; an unknown one is not an error. */
  deleteUpload?(id: string): Promise<void>;
  /** Forgets a finished run and deletes its artifacts; an unknown run is not an error. */
  deleteRun?(id: string): Promise<void>;
}
