import type { RunBody } from '../../definition/wire-types.ts';
import type {
  NetworkOptions,
  RunLease,
  RunStepOptions,
  ServiceOptions,
  StepOutcome,
  StepRunner,
} from '../../engine/step-runner.ts';

/** What a `TrackingRunner` reports, so a crash can be cleaned up at the next start. */
export interface RunnerTracker {
  started(lightRunId: string, kind: 'step' | 'service'): void;
  ended(lightRunId: string): void;
}

/**
 * A `StepRunner` that forwards to another and reports the light-run runs a workflow run
 * has in flight, so that the history knows what to cancel after a crash.
 */
export class TrackingRunner implements StepRunner {
  readonly #inner: StepRunner;
  readonly #tracker: RunnerTracker;

  /** The wrapped runner's upload (absent when it has none, so node files must fit a body). */
  readonly uploadFiles?: StepRunner['uploadFiles'];
  /** The wrapped runner's upload deletion. */
  readonly deleteUpload?: StepRunner['deleteUpload'];
  /** The wrapped runner's run deletion (artifacts of a finished run). */
  readonly deleteRun?: StepRunner['deleteRun'];

  constructor(inner: StepRunner, tracker: RunnerTracker) {
    this.#inner = inner;
    this.#tracker = tracker;
    if (inner.uploadFiles) this.uploadFiles = inner.uploadFiles.bind(inner);
    if (inner.deleteUpload) this.deleteUpload = inner.deleteUpload.bind(inner);
    if (inner.deleteRun) this.deleteRun = inner.deleteRun.bind(inner);
  }

  /** Runs a step, reporting its light-run id from submission to its end. */
  async runStep(body: RunBody, options: RunStepOptions = {}): Promise<StepOutcome> {
    let id: string | undefined;
    try {
      return await this.#inner.runStep(body, {
        ...options,
        onStart: (runId) => {
          id = runId;
          this.#tracker.started(runId, 'step');
          options.onStart?.(runId);
        },
      });
    } finally {
      if (id !== undefined) this.#tracker.ended(id);
    }
  }

  /** The wrapped runner's image ID of a reference (the node cache keys on it). */
  imageId(image: string): Promise<string | undefined> {
    return this.#inner.imageId?.(image) ?? Promise.resolve(undefined);
  }

  /** The wrapped runner's request limit: the size check before a run must see it. */
  get maxRequestBytes(): number | undefined {
    return this.#inner.maxRequestBytes;
  }

  /** Opens the wrapped runner's lease, so that a killed server leaves nothing running. */
  openLease(): Promise<RunLease | undefined> {
    return this.#inner.openLease?.() ?? Promise.resolve(undefined);
  }

  /** Starts a service, reporting it until it is stopped. */
  async startService(body: RunBody, options?: ServiceOptions): Promise<{ id: string }> {
    const service = await this.#inner.startService(body, options);
    this.#tracker.started(service.id, 'service');
    return service;
  }

  /** Stops a service. */
  async stopService(id: string, options?: { graceMs?: number }): Promise<void> {
    await this.#inner.stopService(id, options);
    this.#tracker.ended(id);
  }

  /** Creates a network. */
  async createNetwork(name: string, options?: NetworkOptions): Promise<void> {
    await this.#inner.createNetwork(name, options);
  }

  /** Deletes a network. */
  deleteNetwork(name: string): Promise<void> {
    return this.#inner.deleteNetwork(name);
  }
}
