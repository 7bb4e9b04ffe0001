/** One contender of a side-by-side measurement: returns the elapsed milliseconds of one run. */
export interface Variant {
  /** Short key used in ratios, e.g. `b`. */
  key: string;
  /** What it measures, for the table. */
  label: string;
  /** `measured` is false during warm-up: keep no per-phase samples then. */
  run: (measured: boolean) => Promise<number>;
}

/** Samples per variant, in round order; `failures` counts runs that threw. */
export interface Interleaved {
  samples: Record<string, number[]>;
  failures: Record<string, string[]>;
}

/**
 * Runs every variant once per round, `rounds` times, rotating which variant goes first so
 * no variant always runs right after another one (warm caches, GC debt). Each variant
 * gets `warmup` unmeasured runs first. A failing run is recorded, not retried.
 */
export async function interleave(
  variants: readonly Variant[],
  rounds: number,
  options: { warmup?: number; onRound?: (round: number) => void } = {},
): Promise<Interleaved> {
  const samples: Record<string, number[]> = {};
  const failures: Record<string, string[]> = {};
  for (const v of variants) {
    samples[v.key] = [];
    failures[v.key] = [];
  }
  for (let w = 0; w < (options.warmup ?? 1); w++) {
    for (const v of variants) {
      try {
        await v.run(false);
      } catch (err) {
        failures[v.key]?.push(`warmup: ${describe(err)}`);
      }
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(r + i) % variants.length];
      if (!v) continue;
      try {
        samples[v.key]?.push(await v.run(true));
      } catch (err) {
        failures[v.key]?.push(describe(err));
        samples[v.key]?.push(Number.NaN);
      }
    }
    options.onRound?.(r);
  }
  return { samples, failures };
}

/** A one-line description of anything thrown. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}`.split('\n')[0] ?? '';
  }
  return String(err);
}
