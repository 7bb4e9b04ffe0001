import { isTerminalStatus, type RunRecords } from './run-records.ts';

/** How long finished runs are kept. */
export interface RetentionOptions {
  /** Most runs (finished or not) kept; past it the oldest finished ones are deleted. */
  keepRuns: number;
  /** Finished runs older than this (since they finished), in ms, are deleted. */
  keepForMs: number;
  /** Pause between two timed sweeps, in ms. @default a tenth of `keepForMs`, within 1 s..60 s */
  intervalMs?: number;
}

/**
 * Keeps light-run's disk bounded: finished runs past `keepRuns` (oldest first) or older
 * than `keepForMs` are deleted with their record, log, artifacts and runner state. It
 * sweeps at start, on an unref'd timer, and after a run finished while over the count.
 * Unfinished runs are never deleted.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private again = false;

  constructor(
    private readonly records: RunRecords,
    /** Deletes one finished run and everything it left (the run manager's `remove`). */
    private readonly remove: (id: string) => Promise<void>,
    private readonly options: RetentionOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Sweeps now, then every `intervalMs`; these sweeps log what they deleted. */
  start(): Promise<void> {
    const logged = () => this.sweep().then(this.report);
    // A short keep-for (a test, a scratch instance) would otherwise outlive its bound by a minute.
    const every = this.options.intervalMs ?? Math.min(60_000, Math.max(1000, this.options.keepForMs / 10));
    this.timer = setInterval(() => void logged(), every);
    // Housekeeping alone must not keep the process alive.
    this.timer.unref();
    return logged();
  }

  private readonly report = (deleted: number): void => {
    if (deleted > 0) this.log(`light-run: retention deleted ${deleted} finished run(s) and their files`);
  };

  /** Cheap check after each finished run: sweeps only when there are more runs than `keepRuns`. */
  afterFinish(): void {
    if (this.records.size > this.options.keepRuns) void this.sweep();
  }

  /**
   * Deletes what is past either bound; resolves with how many runs went. Concurrent calls
   * share one sweep (which then goes round once more).
   */
  sweep(): Promise<number> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      let deleted = 0;
      do {
        this.again = false;
        deleted += await this.sweepOnce();
      } while (this.again);
      return deleted;
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Stops the timer; a sweep in progress finishes its current deletion. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sweepOnce(): Promise<number> {
    const all = this.records.all();
    const cutoff = Date.now() - this.options.keepForMs;
    let excess = all.length - this.options.keepRuns;
    const doomed: string[] = [];
    for (const { state } of all) {
      if (!isTerminalStatus(state.status)) continue;
      const expired = Date.parse(state.finishedAt ?? state.createdAt) < cutoff;
      if (excess <= 0 && !expired) continue;
      doomed.push(state.id);
      excess -= 1;
    }
    let deleted = 0;
    for (const id of doomed) {
      try {
        await this.remove(id);
        deleted += 1;
      } catch (err) {
        // Left for the next sweep; one stuck run must not stop the others from going.
        this.log(`light-run: retention could not delete run ${id}: ${(err as Error).message}`);
      }
    }
    return deleted;
  }
}
