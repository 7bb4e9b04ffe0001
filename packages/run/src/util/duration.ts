import { scaledNumber } from './scaled-number.ts';

/** Milliseconds per unit. */
const UNIT_MS: Readonly<Record<string, number>> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration in the one duration grammar of every CLI flag and query (the root
 * README's "Sizes and durations"; light-process's CLI parses the same table): plain digits
 * are milliseconds (`30000`), or a number with a unit, any case, spaces allowed before it
 * (`500ms`, `30s`, `1.5m`, `1h`, `7d`); rounded to whole milliseconds. Undefined when not a duration.
 * @example parseDurationMs('30s') // 30000
 */
export function parseDurationMs(text: string): number | undefined {
  const ms = scaledNumber(text, UNIT_MS);
  return ms === undefined ? undefined : Math.round(ms);
}
