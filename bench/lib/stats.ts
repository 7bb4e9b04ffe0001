/** Order statistics over a sample of numbers (milliseconds, microseconds, bytes, ...). */
export interface Summary {
  n: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The q-quantile (0..1) of `values` by linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Summary of a sample: median and spread (p10/p90), tails (p99, min, max). */
export function summarize(all: readonly number[]): Summary {
  const values = all.filter(Number.isFinite);
  return {
    n: values.length,
    min: values.length ? Math.min(...values) : Number.NaN,
    p10: quantile(values, 0.1),
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p99: quantile(values, 0.99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** A ratio between two variants measured side by side. */
export interface Ratio {
  /** Median of the per-round ratios (each round ran both variants back to back). */
  value: number;
  /** median(numerator) / median(denominator), for comparison; absent for one-off ratios. */
  ofMedians?: number;
  /** p10 and p90 of the per-round ratios (each round measured both variants back to back). */
  p10: number;
  p90: number;
  /** Rounds that had a sample of both variants. */
  rounds: number;
}

/**
 * The median and spread of the paired per-round ratios (plus the ratio of the medians).
 * `num[i]` and `den[i]` must come from the same interleaved round, so the machine's noise
 * hits both alike and mostly cancels in their ratio.
 */
export function pairedRatio(num: readonly number[], den: readonly number[]): Ratio {
  const rounds = Math.min(num.length, den.length);
  const per: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const n = num[i];
    const d = den[i];
    if (n !== undefined && d !== undefined && Number.isFinite(n) && Number.isFinite(d) && d > 0)
      per.push(n / d);
  }
  return {
    value: median(per),
    ofMedians: median(num) / median(den),
    p10: quantile(per, 0.1),
    p90: quantile(per, 0.9),
    rounds: per.length,
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - t0 };
}
