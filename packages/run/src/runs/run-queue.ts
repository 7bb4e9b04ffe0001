/**
 * At most `max` runs at a time; the rest wait in arrival order. A slot is taken when a
 * run starts and given back when it ends.
 */
export class RunQueue {
  private active = 0;
  private readonly waiting: { id: string; start: () => void }[] = [];

  constructor(private readonly max: number) {}

  /** Starts the run now when a slot is free (returns true), or queues it (returns false). */
  enqueue(id: string, start: () => void): boolean {
    if (this.active < this.max) {
      this.active += 1;
      start();
      return true;
    }
    this.waiting.push({ id, start });
    return false;
  }

  /** Whether a run enqueued now would start at once. */
  hasRoom(): boolean {
    return this.active < this.max && this.waiting.length === 0;
  }

  /** Takes a slot without waiting, for a run that is already going (re-attached at start). */
  occupy(): void {
    this.active += 1;
  }

  /** Drops a queued run; false when it was not waiting. */
  remove(id: string): boolean {
    const index = this.waiting.findIndex((w) => w.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  /** Gives a slot back and starts the next waiting run, if any. */
  release(): void {
    this.active = Math.max(0, this.active - 1);
    const next = this.waiting.shift();
    if (next) {
      this.active += 1;
      next.start();
    }
  }

  /** Empties the queue, returning the ids that were waiting. */
  drain(): string[] {
    return this.waiting.splice(0).map((w) => w.id);
  }
}
