// Sizes and durations: the one grammar of every CLI flag and of `cache.ttl`, written out in the
// root README ("Sizes and durations"). light-run parses it with its own copy (light-process
// cannot load light-run's code); test/unit/size-duration-grammar.test.ts runs both over one table.

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
