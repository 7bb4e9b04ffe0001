const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses a duration: plain digits are milliseconds (`30000`), or a number with a unit
 * (`500ms`, `30s`, `1.5m`, `1h`, `7d`). Returns undefined when the text is not a duration.
 * @example parseDurationMs('30s') // 30000
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}
