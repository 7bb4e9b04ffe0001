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

/** commander parser of a size in bytes; accepts suffixes k, m, g (binary: KiB, MiB, GiB). */
export function bytesOption(value: string): number {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 10485760, 512k or 20m');
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    (m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'
  ];
  return Number(m[1]) * unit;
}
