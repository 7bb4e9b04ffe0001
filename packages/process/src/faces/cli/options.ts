import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/** commander parser of a JSON option value (`--when '{"ok":true}'`); must be an object. */
export function jsonObjectOption(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (cause) {
    throw new InvalidArgumentError(`not valid JSON: ${(cause as Error).message}`);
  }
  const result = z.record(z.string(), z.unknown()).safeParse(parsed);
  if (!result.success) throw new InvalidArgumentError('expected a JSON object');
  return result.data;
}

/** commander parser of a positive integer option. */
export function positiveIntOption(value: string): number {
  const result = z.coerce.number().int().min(1).safeParse(value);
  if (!result.success || !/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError('expected a positive integer');
  return result.data;
}

// Sizes and durations: the one grammar of every CLI flag, written out in the root README
// ("Sizes and durations"). light-run parses it with its own copy (light-process cannot load
// light-run's code); test/unit/size-duration-grammar.test.ts runs both over one table.

/** Bytes per unit; binary whatever the spelling (`k`, `kb` and `kib` all mean 1024). */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Milliseconds per unit; a plain number is milliseconds. */
const UNIT_MS: Readonly<Record<string, number>> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `<number><unit>` with a unit table (any case, spaces allowed between); undefined otherwise. */
function scaledNumber(text: string, units: Readonly<Record<string, number>>): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase()];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** A size in bytes (`2048`, `512k`, `10 mb`, `1.5GiB`), rounded down; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const bytes = scaledNumber(text, UNIT_BYTES);
  return bytes === undefined ? undefined : Math.floor(bytes);
}

/** A duration in ms (`30000`, `500ms`, `30s`, `1.5m`, `1h`, `7d`), rounded; undefined when not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const ms = scaledNumber(text, UNIT_MS);
  return ms === undefined ? undefined : Math.round(ms);
}

/** commander parser of a size in bytes (`10485760`, `512k`, `20m`, `1.5g`: binary units). */
export function bytesOption(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new InvalidArgumentError('expected a size such as 10485760, 512k or 20m');
  return bytes;
}

/** commander parser of a positive duration in milliseconds (`30000`, `90s`, `5m`, `2h`). */
export function durationOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 30000 (ms), 90s, 5m or 2h');
  return ms;
}
