import type { Condition } from '../definitions.ts';
import { isPlainObject } from './field-path.ts';

const SYMBOLS: Record<string, string> = {
  eq: '=',
  ne: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
};

function value(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function fieldLabel(field: string, expected: unknown): string[] {
  if (!isPlainObject(expected)) return [`${field} = ${value(expected)}`];
  return Object.entries(expected).map(([op, arg]) => {
    if (op === 'exists') return arg ? `${field} exists` : `${field} missing`;
    if (op === 'regex') return `${field} ~ /${String(arg)}/`;
    return `${field} ${SYMBOLS[op] ?? op} ${value(arg)}`;
  });
}

/**
 * A short human reading of a condition: `score >= 0.5 and (status = "ok" or retry = true)`.
 * Used on Mermaid link labels and in `light describe`.
 */
export function conditionLabel(when: Condition | undefined): string {
  if (when === undefined || !isPlainObject(when)) return '';
  const parts: string[] = [];
  for (const [key, expected] of Object.entries(when)) {
    if (key === 'or' && Array.isArray(expected)) {
      const alternatives = expected.map((c) => conditionLabel(c as Condition));
      parts.push(alternatives.length > 1 ? `(${alternatives.join(' or ')})` : (alternatives[0] ?? ''));
    } else {
      parts.push(...fieldLabel(key, expected));
    }
  }
  return parts.join(' and ');
}
