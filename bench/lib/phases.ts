import type { Measurement } from './report.ts';
import { summarize } from './stats.ts';

/** Collects named timings per variant, e.g. `b.copyIn`, and turns them into measurements. */
export class PhaseLog {
  private readonly data = new Map<string, number[]>();

  /** Adds one sample of every field of `phases` under `prefix`. */
  add(prefix: string, phases: object): void {
    for (const [k, v] of Object.entries(phases)) {
      if (typeof v !== 'number') continue;
      const key = `${prefix}.${k}`;
      const list = this.data.get(key);
      if (list) list.push(v);
      else this.data.set(key, [v]);
    }
  }

  /** Samples of one key, in insertion order. */
  get(key: string): number[] {
    return this.data.get(key) ?? [];
  }

  /** Median of one key. */
  p50(key: string): number {
    return summarize(this.get(key)).p50;
  }

  /** Summary of any sample (convenience for callers holding plain arrays). */
  static summary(values: readonly number[]) {
    return summarize(values);
  }

  /** Every key as a measurement in `unit`. */
  measurements(unit = 'ms'): Measurement[] {
    return [...this.data].map(([name, values]) => ({ name, unit, summary: summarize(values) }));
  }
}
