import type { Condition } from '../definitions.ts';
import { ConditionError } from '../errors.ts';
import { deepEqual, getField, isPlainObject } from './field-path.ts';
import { applyOperator, isOperator } from './operators.ts';

/**
 * Whether a node output satisfies a link's `when`. No condition always matches.
 *
 * - `{ field: value }`: the field (a dotted path) deep-equals the value;
 * - `{ field: { gt: 1, lt: 5 } }`: every operator holds (`eq`, `ne`, `gt`, `gte`, `lt`,
 *   `lte`, `in`, `exists`, `regex`); an object value is always read as operators, so use
 *   `{ eq: {...} }` to compare with an object;
 * - `{ or: [cond, ...] }`: at least one holds;
 * - several top-level keys: all hold.
 *
 * Throws `ConditionError` on an unknown operator or invalid regex; `validateWorkflow`
 * reports those before a run starts.
 * @example evaluateCondition({ status: 'ok', 'result.score': { gte: 0.5 } }, output)
 */
export function evaluateCondition(when: Condition | undefined, output: unknown): boolean {
  if (when === undefined) return true;
  return matches(when, output);
}

function matches(condition: unknown, output: unknown): boolean {
  if (!isPlainObject(condition)) throw new ConditionError('a condition must be an object');
  for (const [key, expected] of Object.entries(condition)) {
    if (key === 'or') {
      if (!Array.isArray(expected)) throw new ConditionError("'or' must be an array of conditions");
      if (!expected.some((c) => matches(c, output))) return false;
      continue;
    }
    const actual = getField(output, key);
    if (isPlainObject(expected)) {
      for (const [op, arg] of Object.entries(expected)) {
        if (!isOperator(op)) {
          throw new ConditionError(`unknown operator '${op}' on field '${key}'`, { field: key });
        }
        if (!applyOperatorSafely(op, actual, arg, key)) return false;
      }
    } else if (!deepEqual(actual, expected)) {
      return false;
    }
  }
  return true;
}

function applyOperatorSafely(
  op: Parameters<typeof applyOperator>[0],
  actual: unknown,
  arg: unknown,
  key: string,
): boolean {
  try {
    return applyOperator(op, actual, arg);
  } catch (cause) {
    // Only `regex` can throw (an invalid pattern): say which field it was on.
    throw new ConditionError(`invalid regex on field '${key}': ${(cause as Error).message}`, {
      field: key,
      cause,
    });
  }
}
