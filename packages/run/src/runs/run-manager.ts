import { randomUUID } from 'node:crypto';
import type { HostFiles } from 'light-runner';
import type { RunState } from '../api/schemas.ts';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import type { CallbackSender } from './callback.ts';
import { CallbackDelivery } from './callback-delivery.ts';
import type { LogStore } from './log-store.ts';
import { isTerminalStatus, type RunRecords, type StoredRun } from './run-records.ts';
import { failedResult, failOnWriteError, queuedState } from './run-results.ts';
import { RunSlots } from './run-slots.ts';
import { RunWaiters } from './run-waiters.ts';
import type { RunHandle, RunnerPort, RunRequest, RunResult } from './runner-port.ts';
import { type ParsedRunBody, toRunRequest } from './to-run-request.ts';

/** What the run manager works with. */
export interface RunManagerDeps {
  runner: RunnerPort;
  records: RunRecords;
  logs: LogStore;
  artifacts: ArtifactStore;
  callbacks: CallbackSender;
  /** Runs executing at once; the rest wait as `queued`. */
  maxConcurrent: number;
  /** Services running at once (they never wait in the run queue); past it they are refused. */
  maxServices: number;
  log: (line: string) => void;
  /** Bytes held outside run artifacts that count against the artifact cap (uploads). @default 0 */
  otherStoreBytes?: () => number;
  /** The artifact store's cap, in bytes: a run whose own artifacts do not fit fails. */
  artifactCapBytes?: number;
  /** Called after a run reached its final state (retention hooks in here). */
  onFinished?: (id: string) => void;
}

interface LiveRun {
  handle: RunHandle;
  /** Synchronous runs belong to their request and are cancelled at shutdown. */
  sync: boolean;
}

/** Filter of `GET /runs`. */
export interface RunFilter {
  status?: RunState['status'];
  limit: number;
}

/**
 * Owns every run of this light-run: the queue, the live handles, the records, the logs,
 * the callbacks and the artifact cap. Routes call it; it calls the runner.
 */
export class RunManager {
  private readonly slots: RunSlots;
  private readonly live = new Map<string, LiveRun>();
  private readonly waiters: RunWaiters;
  private closing = false;
  private readonly delivery: CallbackDelivery;

  constructor(private readonly deps: RunManagerDeps) {
    this.slots = new RunSlots(deps.maxConcurrent, deps.maxServices);
    this.waiters = new RunWaiters(deps.records);
    this.delivery = new CallbackDelivery(deps.records, deps.callbacks, deps.log);
  }

  /**
   * Creates a run, queues it (a service starts at once), and returns its first state plus
   * a promise of its final one. `STATE_WRITE_FAILED` when the run cannot be recorded
   * (nothing was started), `TOO_MANY_SERVICES` past the service cap.
   */
  submit(body: ParsedRunBody, copyIn: HostFiles[] = []): { state: RunState; done: Promise<RunState> } {
    if (this.closing) throw new LightRunError('SHUTTING_DOWN', 'light-run is shutting down');
    const service = body.service === true;
    if (service) this.slots.assertServiceRoom();
    // A warm container, when one is parked, is reserved at once and its id becomes the
    // run's id, also for a run that must queue first: the id is answered now, and a burst
    // past maxConcurrent would otherwise run its queued part cold while containers sit parked.
    const reserved = this.deps.runner.reserve?.(toRunRequest(undefined, body, copyIn));
    const id = reserved ?? randomUUID();
    const detached = body.detached === true || service;
    const record: StoredRun = { state: queuedState(id, body.image, detached) };
    if (body.callbackUrl) {
      const secret = body.callbackSecret ? { secret: body.callbackSecret } : {};
      record.callback = { url: body.callbackUrl, pending: true, ...secret };
    }
    if (body.lease !== undefined) record.lease = body.lease;
    if (service) record.service = true;
    try {
      this.deps.records.put(record);
      this.deps.logs.open(id);
    } catch (err) {
      // Unrecorded, the run could never be found again: it does not start at all.
      if (reserved !== undefined) this.deps.runner.unreserve?.(reserved);
      for (const undo of [() => this.deps.logs.remove(id), () => this.deps.records.delete(id)]) {
        try {
          undo();
        } catch (cleanup) {
          this.deps.log(`light-run: cleaning up the refused run ${id}: ${(cleanup as Error).message}`);
        }
      }
      throw err;
    }
    const done = this.settled(id);
    const request = toRunRequest(id, body, copyIn);
    this.slots.admit(id, service, () => this.start(id, request, !detached));
    return { state: this.get(id), done };
  }

  private start(id: string, request: RunRequest, sync: boolean): void {
    let handle: RunHandle;
    try {
      this.deps.records.updateState(id, { status: 'running', startedAt: new Date().toISOString() });
      handle = this.deps.runner.run(request, {
        onLog: (line) => this.deps.logs.append(id, line),
        onNode: (node) => this.deps.records.updateState(id, { node }),
      });
    } catch (err) {
      // The warm container reserved for this run (if any) is removed: the id is recorded, spent.
      this.deps.runner.unreserve?.(id, { discard: true });
      this.finish(id, failedResult(id, err));
      this.slots.release(id);
      return;
    }
    this.watch(id, handle, sync);
  }

  /** Follows a handle until its result, then finishes the run (also used for re-attached runs). */
  watch(id: string, handle: RunHandle, sync: boolean): void {
    this.live.set(id, { handle, sync });
    const settle = (result: RunResult) => {
      // After shutdown the runner is closed: whatever it reports about a detached run is
      // not the run's outcome. The next start re-attaches and records the real one.
      if (this.waiters.isReleased || this.live.get(id)?.handle !== handle) return;
      this.live.delete(id);
      this.finish(id, result);
      this.slots.release(id);
    };
    handle.result.then(settle, (err: unknown) => settle(failedResult(id, err)));
  }

  /**
   * Records a final state, closes the log, enforces the artifact cap and fires the callback.
   * Never throws: a final state the disk refuses fails the run with `STATE_WRITE_FAILED`
   * (kept in memory), and everyone waiting is still answered.
   */
  finish(id: string, outcome: Omit<RunResult, 'id'>): void {
    this.deps.logs.close(id);
    const result = this.withinCap(id, outcome);
    try {
      this.deps.records.updateState(id, {
        status: result.status,
        exitCode: result.exitCode,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        durationMs: result.durationMs,
        artifacts: result.artifacts,
        ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
      });
      const evicted = this.deps.artifacts.enforceCap();
      if (evicted.length > 0) this.deps.log(`light-run: evicted the artifacts of ${evicted.length} run(s)`);
    } catch (err) {
      failOnWriteError(this.deps.records, id, err, this.deps.log);
    }
    this.sendCallback(id);
    this.waiters.notify(id);
    this.deps.onFinished?.(id);
  }

  /**
   * A run whose own artifacts, with the uploads held, exceed the artifact store's cap is
   * refused: its artifacts are deleted and it fails with ARTIFACTS_OVER_CAP, instead of
   * evicting everything else and still not fitting.
   */
  private withinCap(id: string, result: Omit<RunResult, 'id'>): Omit<RunResult, 'id'> {
    const cap = this.deps.artifactCapBytes;
    if (cap === undefined || result.artifacts.length === 0) return result;
    const own = result.artifacts.reduce((sum, a) => sum + a.bytes, 0);
    const others = this.deps.otherStoreBytes?.() ?? 0;
    if (own + others <= cap) return result;
    this.deps.artifacts.remove(id);
    const held = others > 0 ? ` (uploads hold ${others} of them)` : '';
    return {
      ...result,
      status: 'failed',
      artifacts: [],
      error: {
        code: 'ARTIFACTS_OVER_CAP',
        message: `the artifacts of run ${id} take ${own} bytes, more than this light-run's artifact store cap of ${cap} bytes${held} (--artifact-store); they were deleted`,
      },
    };
  }

  /** Delivers a run's pending callback in the background; the run never waits for it. */
  sendCallback(id: string): void {
    this.delivery.send(id);
  }

  /** The current state of a run; RUN_NOT_FOUND (404) when unknown. */
  get(id: string): RunState {
    const stored = this.deps.records.get(id);
    if (!stored) throw new LightRunError('RUN_NOT_FOUND', `run ${id} not found`);
    return stored.state;
  }

  /** The current state of a run, or undefined when unknown. */
  find(id: string): RunState | undefined {
    return this.deps.records.get(id)?.state;
  }

  /** Runs, newest first. */
  list(filter: RunFilter): RunState[] {
    return this.deps.records
      .all()
      .reverse()
      .map((r) => r.state)
      .filter((s) => filter.status === undefined || s.status === filter.status)
      .slice(0, filter.limit);
  }

  /** Resolves with the run's state once it is terminal, `timeoutMs` elapsed, or shutdown let go. */
  settled(id: string, timeoutMs?: number, signal?: AbortSignal): Promise<RunState> {
    return this.waiters.wait(this.get(id), timeoutMs, signal);
  }

  private activeOrThrow(id: string, action: string): { state: RunState; live: LiveRun | undefined } {
    const state = this.get(id);
    if (isTerminalStatus(state.status)) {
      throw new LightRunError('RUN_NOT_ACTIVE', `run ${id} is ${state.status}; cannot ${action} it`);
    }
    return { state, live: this.live.get(id) };
  }

  /**
   * Ends a queued run without starting it. The warm container reserved for it, if any, is
   * removed: it ran nothing, but its id is this run's now and must not serve another.
   */
  private dropQueued(id: string, error?: { code: string; message: string }): void {
    this.deps.runner.unreserve?.(id, { discard: true });
    const now = new Date().toISOString();
    const result = { status: 'cancelled' as const, exitCode: null, startedAt: null, finishedAt: now };
    this.finish(id, { ...result, durationMs: 0, artifacts: [], ...(error ? { error } : {}) });
  }

  /** Kills a run at once (status `cancelled`) and resolves with its final state. */
  async cancel(id: string): Promise<RunState> {
    const { live } = this.activeOrThrow(id, 'cancel');
    if (this.slots.remove(id)) this.dropQueued(id);
    else if (live) await live.handle.cancel();
    return this.settled(id, 60_000);
  }

  /** Sends a signal, waits `graceMs`, then kills; resolves with the final state. */
  async stop(id: string, options: { signal?: string; graceMs?: number }): Promise<RunState> {
    const { live } = this.activeOrThrow(id, 'stop');
    if (this.slots.remove(id)) this.dropQueued(id);
    else if (live) await live.handle.stop(options);
    return this.settled(id, (options.graceMs ?? 10_000) + 60_000);
  }

  /** Freezes a running run. */
  pause(id: string): Promise<RunState> {
    return this.freeze(id, 'pause');
  }

  /** Thaws a paused run. */
  resume(id: string): Promise<RunState> {
    return this.freeze(id, 'resume');
  }

  /** Pauses a running run or resumes a paused one; RUN_NOT_ACTIVE from any other status. */
  private async freeze(id: string, action: 'pause' | 'resume'): Promise<RunState> {
    const [from, to, done] =
      action === 'pause'
        ? (['running', 'paused', 'paused'] as const)
        : (['paused', 'running', 'resumed'] as const);
    const { state, live } = this.activeOrThrow(id, action);
    if (state.status !== from || !live) {
      throw new LightRunError(
        'RUN_NOT_ACTIVE',
        `run ${id} is ${state.status}; only a ${from} run can be ${done}`,
      );
    }
    await live.handle[action]();
    return this.deps.records.updateState(id, { status: to }) ?? this.get(id);
  }

  /** Forgets a finished run: its record, log, artifacts and the runner's record. */
  async remove(id: string): Promise<void> {
    const state = this.get(id);
    if (!isTerminalStatus(state.status)) {
      throw new LightRunError('RUN_ACTIVE', `run ${id} is ${state.status}; cancel it before deleting it`);
    }
    await this.deps.runner.remove(id).catch((err: unknown) => {
      // Synchronous runs may have no runner record; nothing else is safe to ignore.
      if ((err as { code?: unknown }).code !== 'RUN_NOT_FOUND') throw err;
    });
    this.deps.artifacts.remove(id);
    this.deps.logs.remove(id);
    this.deps.records.delete(id);
  }

  /**
   * Stops taking runs, ends queued ones, cancels synchronous ones and waits for them
   * (bounded), then lets go of detached ones: they keep running, and the next start over
   * the same data dir re-attaches them. With `cancelDetached` (an ephemeral instance)
   * detached runs are cancelled too. Long polls and log followers are answered.
   */
  async shutdown(options: { cancelDetached?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const id of this.slots.drain()) {
      this.dropQueued(id, { code: 'SHUTTING_DOWN', message: 'light-run shut down before the run started' });
    }
    const sync = [...this.live.entries()].filter(([, run]) => run.sync || options.cancelDetached);
    await Promise.all(
      sync.map(async ([id, run]) => {
        await run.handle.cancel().catch((err: unknown) => {
          this.deps.log(`light-run: cancelling run ${id} at shutdown failed: ${(err as Error).message}`);
        });
        await this.settled(id, 30_000);
      }),
    );
    this.waiters.releaseAll();
    this.live.clear();
    this.deps.callbacks.close();
    this.deps.logs.closeAll();
  }

  /** Whether shutdown began. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Takes a slot (a service slot for a service) for a run that is already going (re-attached at start). */
  occupySlot(id: string, service: boolean): void {
    this.slots.occupy(id, service);
  }

  /** Gives back a slot taken with {@link occupySlot} when re-attaching failed. */
  releaseSlot(id: string): void {
    this.slots.release(id);
  }
}
