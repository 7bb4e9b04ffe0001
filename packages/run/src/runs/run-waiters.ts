import { EventEmitter } from 'node:events';
import type { RunState } from '../api/schemas.ts';
import { isTerminalStatus, type RunRecords } from './run-records.ts';

/**
 * Everyone waiting for a run to end: synchronous requests, long polls, control calls.
 * A waiter resolves with the run's state when the run is terminal, when its time is up,
 * when its signal aborts, or when shutdown releases everyone.
 */
export class RunWaiters {
  private readonly events = new EventEmitter();
  private released = false;

  constructor(private readonly records: RunRecords) {
    this.events.setMaxListeners(0);
  }

  /** Tells the waiters of run `id` that it reached a terminal state. */
  notify(id: string): void {
    this.events.emit('settled', id);
  }

  /** Answers every waiter, now and later, with the state at hand (shutdown). */
  releaseAll(): void {
    this.released = true;
    this.events.emit('release');
  }

  /** Whether {@link releaseAll} was called. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Resolves with the state of run `initial.id` once it ends, `timeoutMs` passes, `signal` aborts or all are released. */
  wait(initial: RunState, timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<RunState> {
    const id = initial.id;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.events.off('settled', onSettled);
        this.events.off('release', done);
        signal?.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve(this.records.get(id)?.state ?? initial);
      };
      const onSettled = (settledId: string) => {
        if (settledId === id) done();
      };
      if (isTerminalStatus(initial.status) || this.released || signal?.aborted) return done();
      this.events.on('settled', onSettled);
      this.events.once('release', done);
      signal?.addEventListener('abort', done, { once: true });
      if (Number.isFinite(timeoutMs)) timer = setTimeout(done, timeoutMs);
    });
  }
}
