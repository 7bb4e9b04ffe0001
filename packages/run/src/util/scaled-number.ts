/**
 * `<number><unit>` read with a unit table: the number (digits, an optional fraction) times
 * the unit's factor; units in any case, spaces allowed between the two, `''` is the plain
 * number's unit. Undefined when the text has another shape or an unknown unit.
 */
export function scaledNumber(text: string, units: Readonly<Record<string, number>>): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase()];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}
