import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { parseByteSize, parseDurationMs } from '../../definition/units.ts';

export { parseByteSize, parseDurationMs };

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
