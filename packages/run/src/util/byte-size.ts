const UNIT_BYTES: Record<string, number> = {
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
 * Parses a size in bytes: plain digits, or a number with a binary unit
 * (`512k`, `10mb`, `1.5GiB`; k/kb/kib all mean 1024). Undefined when not a size.
 * @example parseByteSize('10mb') // 10485760
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = UNIT_BYTES[(match[2] ?? '').toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}
