import { LightRunError } from '../errors/light-run-error.ts';
import { RunQueue } from './run-queue.ts';

/**
 * Who may execute now. Node runs share the run queue (`maxConcurrent` at once, the rest
 * wait in order); services (long-lived sidecars) never wait there, so services can never
 * starve the runs that need them: they have their own cap, past which a new one is
 * refused at once with `TOO_MANY_SERVICES` instead of waiting forever.
 */
export class RunSlots {
  private readonly queue: RunQueue;
  private readonly services = new Set<string>();

  constructor(
    maxConcurrent: number,
    private readonly maxServices: number,
  ) {
    this.queue = new RunQueue(maxConcurrent);
  }

  /** Throws `TOO_MANY_SERVICES` (naming the cap) when no further service may start. */
  assertServiceRoom(): void {
    if (this.services.size >= this.maxServices) {
      throw new LightRunError(
        'TOO_MANY_SERVICES',
        `${this.services.size} services are running, the cap of this light-run (--max-services ${this.maxServices}); stop one or raise the cap`,
      );
    }
  }

  /** Starts a service now, or a run now or when a queue slot frees up. */
  admit(id: string, service: boolean, start: () => void): void {
    if (!service) {
      this.queue.enqueue(id, start);
      return;
    }
    this.assertServiceRoom();
    this.services.add(id);
    start();
  }

  /** Takes a slot without waiting, for a run that is already going (re-attached at start). */
  occupy(id: string, service: boolean): void {
    if (service) this.services.add(id);
    else this.queue.occupy();
  }

  /** Gives back the slot run `id` held; the next queued run starts when it was a queue slot. */
  release(id: string): void {
    if (!this.services.delete(id)) this.queue.release();
  }

  /** Drops a queued run; false when it was not waiting. */
  remove(id: string): boolean {
    return this.queue.remove(id);
  }

  /** Empties the queue, returning the ids that were waiting. */
  drain(): string[] {
    return this.queue.drain();
  }
}
