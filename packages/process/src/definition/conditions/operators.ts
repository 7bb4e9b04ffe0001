import { deepEqual } from './field-path.ts';

/** The operators a field condition may use. */
export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'regex'] as const;

/** One operator name. */
export type Operator = (typeof OPERATORS)[number];

/** Whether a key is a known operator. */
export function isOperator(key: string): key is Operator {
  return (OPERATORS as readonly string[]).includes(key);
}

function ordered(actual: unknown, expected: unknown): [number, number] | [string, string] | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return [actual, expected];
  if (typeof actual === 'string' && typeof expected === 'string') return [actual, expected];
  return undefined;
}

/**
 * Applies one operator. Comparisons need both sides to be numbers (or both strings);
 * anything else does not match rather than throwing, because outputs are untrusted.
 */
export function applyOperator(op: Operator, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return deepEqual(actual, expected);
    case 'ne':
      return !deepEqual(actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const pair = ordered(actual, expected);
      if (!pair) return false;
      const [a, b] = pair;
      if (op === 'gt') return a > b;
      if (op === 'gte') return a >= b;
      if (op === 'lt') return a < b;
      return a <= b;
    }
    case 'in':
      return Array.isArray(expected) && expected.some((item) => deepEqual(actual, item));
    case 'exists':
      return (actual !== undefined) === Boolean(expected);
    case 'regex':
      if (typeof actual !== 'string' && typeof actual !== 'number') return false;
      return new RegExp(String(expected)).test(String(actual));
  }
}
