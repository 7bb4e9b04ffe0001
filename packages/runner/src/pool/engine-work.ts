import { availableParallelism } from 'node:os';

/**
 * Counts the runs of one runner that are busy with the engine right now: being set up
 * (create, copy-in, start, release) or torn down (copy-out, removal), not while their
 * program runs. The warm pool starts a preparation only below a threshold of those (see
 * {@link refillThreshold}): on 2 cores a preparation (create, attach, start: the engine's
 * costliest calls) made during a burst slows every run of the burst, for a container only
 * a later run will use.
 */
export class EngineWork {
  private busy = 0;
  private readonly waiters = new Set<() => void>();

  /** Marks one run as busy with the engine; the returned function (idempotent) ends it. */
  enter(): () => void {
    this.busy += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.busy -= 1;
      for (const wake of [...this.waiters]) wake();
    };
  }

  /** Runs busy with the engine now. */
  get count(): number {
    return this.busy;
  }

  /**
   * Resolves once fewer than `below` runs are busy with the engine (at once if so now), or
   * on `signal`. Event-driven: woken by the run that leaves, never polled.
   */
  async quiet(below: number, signal?: AbortSignal): Promise<void> {
    while (this.busy >= below && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/**
 * Runs that may be busy with the engine while the pool still starts a preparation: half
 * the host's cores, at least 1 (on 2 cores: only while no run is). A busier engine has no
 * core to spare for a container no run waits for yet.
 */
export function refillThreshold(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}
