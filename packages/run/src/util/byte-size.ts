import { scaledNumber } from './scaled-number.ts';

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

/**
 * Parses a size in bytes in the one size grammar of every CLI flag (the root README's
 * "Sizes and durations"; light-process's CLI parses the same table): plain digits, or a
 * number with a binary unit, any case, spaces allowed before it (`512k`, `10 mb`, `1.5GiB`);
 * rounded down to whole bytes. Undefined when not a size.
 * @example parseByteSize('10mb') // 10485760
 */
export function parseByteSize(text: string): number | undefined {
  const bytes = scaledNumber(text, UNIT_BYTES);
  return bytes === undefined ? undefined : Math.floor(bytes);
}
