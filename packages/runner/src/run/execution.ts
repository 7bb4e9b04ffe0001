import { engineStatus } from '../engine/engine.ts';
import { RunNotActiveError } from '../errors.ts';
import type { LogLine, RunFailure, RunHandle, RunResult, RunStatus } from '../types.ts';
import { raceTimeout } from '../util/race-timeout.ts';
import type { RunContext } from './run-context.ts';

/** Why a run was stopped by someone rather than ending by itself. */
export type StopReason = 'cancelled' | 'timeout';

/** Default grace between the stop signal and the kill, in milliseconds. */
export const DEFAULT_GRACE_MS = 10_000;

/**
 * One live run in this process, whether this process started it or re-attached to it.
 * It owns the control operations (cancel, stop, pause, resume), the log listeners and
 * the timeout; the pipeline that drives the container lives in launch/reattach.
 */
export class Execution {
  /** Current status as this process knows it. */
  status: RunStatus = 'running';
  /** Set by cancel/stop/timeout before the container is signalled. */
  stopReason: StopReason | undefined;
  /** Set when a limit watcher (disk) killed the container; the run fails with it. */
  breach: RunFailure | undefined;
  /** Resolves with the container id once created (undefined if creation never happened). */
  readonly containerReady: Promise<string | undefined>;
  /** Resolves when the container has stopped (or will never run). */
  readonly exited: Promise<void>;
  /** Final state; never rejects. */
  result!: Promise<RunResult>;

  private readonly listeners = new Set<(line: LogLine) => void>();
  private setContainer!: (id: string | undefined) => void;
  private markExited!: () => void;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    readonly id: string,
    private readonly ctx: RunContext,
  ) {
    this.containerReady = new Promise((resolve) => {
      this.setContainer = resolve;
    });
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  /** Binds the pipeline's result; the execution is done once it settles. */
  bind(result: Promise<RunResult>): void {
    this.result = result.finally(() => {
      this.done = true;
      this.setContainer(undefined);
      this.markExited();
      this.clearTimer();
      this.listeners.clear();
    });
  }

  /** Records the container id (or that there will be none). */
  containerCreated(id: string | undefined): void {
    this.setContainer(id);
  }

  /** Records that the container stopped. */
  containerExited(): void {
    this.clearTimer();
    this.markExited();
  }

  /** Adds a log listener for the rest of the run. */
  listen(onLog: ((line: LogLine) => void) | undefined): void {
    if (onLog && !this.done) this.listeners.add(onLog);
  }

  /** Delivers one line to every listener; a throwing listener must not break the run. */
  emit(line: LogLine): void {
    for (const listener of this.listeners) {
      try {
        listener(line);
      } catch (err) {
        this.listeners.delete(listener);
        this.ctx.options.log(
          `light-runner: onLog listener of run ${this.id} threw and was removed: ${String(err)}`,
        );
      }
    }
  }

  /** Kills the container `afterMs` from now with status `timeout`. */
  armTimeout(afterMs: number): void {
    this.timer = setTimeout(() => void this.expire(), Math.max(afterMs, 0));
  }

  /** A handle onto this execution, with an optional extra log listener. */
  handle(onLog?: (line: LogLine) => void): RunHandle {
    this.listen(onLog);
    return {
      id: this.id,
      result: this.result,
      cancel: () => this.cancel(),
      stop: (options) => this.stop(options),
      pause: () => this.pause(),
      resume: () => this.resume(),
    };
  }

  /** Kills at once; the run ends `cancelled`. */
  async cancel(): Promise<void> {
    this.assertActive('cancel');
    const containerId = await this.requestStop('cancelled');
    if (containerId) await this.ctx.engine.kill(containerId, 'SIGKILL');
  }

  /** Sends `signal`, waits up to `graceMs` for the exit, then kills; the run ends `cancelled`. */
  async stop(options: { signal?: string; graceMs?: number } = {}): Promise<void> {
    this.assertActive('stop');
    const containerId = await this.requestStop('cancelled');
    if (!containerId) return;
    const sent = await this.ctx.engine.kill(containerId, options.signal ?? 'SIGTERM');
    if (!sent) return;
    if (await raceTimeout(this.exited, options.graceMs ?? DEFAULT_GRACE_MS))
      await this.ctx.engine.kill(containerId, 'SIGKILL');
  }

  /** Freezes the container; status `paused` is persisted. */
  async pause(): Promise<void> {
    await this.setPaused(true);
  }

  /** Thaws the container; status `running` is persisted. */
  async resume(): Promise<void> {
    await this.setPaused(false);
  }

  private async setPaused(paused: boolean): Promise<void> {
    this.assertActive(paused ? 'pause' : 'resume');
    const containerId = await this.containerReady;
    if (!containerId) throw new RunNotActiveError(this.id, 'the container was never created');
    // The record, shared by every process watching the run, says whether it is paused
    // (engines before API 1.42 answer a redundant unpause with a bare 500).
    const recorded = (await this.ctx.store.read(this.id))?.status ?? this.status;
    if ((recorded === 'paused') === paused) {
      throw new RunNotActiveError(this.id, `cannot ${paused ? 'pause' : 'resume'}: the run is ${recorded}`);
    }
    try {
      if (paused) await this.ctx.engine.pause(containerId);
      else await this.ctx.engine.unpause(containerId);
    } catch (err) {
      // 409: not running (pause) or not paused (resume); 404: already removed.
      const status = engineStatus(err);
      if (status === 409 || status === 404) {
        throw new RunNotActiveError(
          this.id,
          `cannot ${paused ? 'pause' : 'resume'}: the container is ${paused ? 'not running' : 'not paused'}`,
        );
      }
      throw err;
    }
    this.status = paused ? 'paused' : 'running';
    const status = this.status;
    await this.ctx.store.update(this.id, (record) => ({ ...record, status }));
  }

  private async expire(): Promise<void> {
    if (this.done) return;
    try {
      const containerId = await this.requestStop('timeout');
      if (containerId) await this.ctx.engine.kill(containerId, 'SIGKILL');
    } catch (err) {
      // The run goes on; its result will show that it was not stopped in time.
      this.ctx.options.log(`light-runner: timeout of run ${this.id} could not kill it: ${String(err)}`);
    }
  }

  /** Persists the intent first, so whichever process finalizes reports it. */
  private async requestStop(reason: StopReason): Promise<string | undefined> {
    this.stopReason ??= reason;
    const requested = this.stopReason;
    try {
      await this.ctx.store.update(this.id, (record) => ({
        ...record,
        requested: record.requested ?? requested,
      }));
    } catch (err) {
      // Unpersisted (e.g. a full disk), the intent still holds here, where this process
      // finalizes the run; a stop must never leave the container running for want of a write.
      this.ctx.options.log(`light-runner: could not record the stop of run ${this.id}: ${String(err)}`);
    }
    return this.containerReady;
  }

  private assertActive(action: string): void {
    if (this.done) throw new RunNotActiveError(this.id, `cannot ${action}: the run has ended`);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
