import type { Problem } from '../problem.ts';
import { isPlainObject } from './field-path.ts';
import { isOperator } from './operators.ts';

/** Which link a condition belongs to, for messages like `links[2] (a -> b): ...`. */
export interface ConditionSite {
  /** Index of the link in the workflow's `links`. */
  index: number;
  from: string;
  to: string;
}

/** Every problem of a `when` condition: unknown operators, invalid regexes, malformed operands. */
export function validateCondition(when: unknown, site: ConditionSite): Problem[] {
  const problems: Problem[] = [];
  const prefix = `links[${site.index}] (${site.from} -> ${site.to})`;
  const report = (code: Problem['code'], path: string, text: string) =>
    problems.push({ code, path, message: `${prefix}: ${text}` });

  const walk = (condition: unknown, path: string): void => {
    if (!isPlainObject(condition)) {
      report('INVALID_CONDITION', path, 'a condition must be an object of field -> value or operators');
      return;
    }
    for (const [key, expected] of Object.entries(condition)) {
      const here = `${path}.${key}`;
      if (key === 'or') {
        if (!Array.isArray(expected) || expected.length === 0) {
          report('INVALID_CONDITION', here, "'or' must be a non-empty array of conditions");
        } else {
          expected.forEach((c, i) => {
            walk(c, `${here}[${i}]`);
          });
        }
        continue;
      }
      if (!isPlainObject(expected)) continue;
      if (Object.keys(expected).length === 0) {
        report('INVALID_CONDITION', here, `empty operator object on field '${key}' (use { eq: {} })`);
      }
      for (const [op, arg] of Object.entries(expected)) {
        checkOperator(op, arg, key, `${here}.${op}`, report);
      }
    }
  };
  walk(when, `links[${site.index}].when`);
  return problems;
}

function checkOperator(
  op: string,
  arg: unknown,
  field: string,
  path: string,
  report: (code: Problem['code'], path: string, text: string) => void,
): void {
  if (!isOperator(op)) {
    report('UNKNOWN_OPERATOR', path, `unknown operator '${op}' on field '${field}'`);
    return;
  }
  if (op === 'regex') {
    if (typeof arg !== 'string') {
      report('INVALID_CONDITION', path, `'regex' on field '${field}' expects a string`);
      return;
    }
    try {
      new RegExp(arg);
    } catch (cause) {
      report(
        'INVALID_REGEX',
        path,
        `invalid regex '${arg}' on field '${field}': ${(cause as Error).message}`,
      );
    }
  } else if (op === 'in' && !Array.isArray(arg)) {
    report('INVALID_CONDITION', path, `'in' on field '${field}' expects an array`);
  } else if (op === 'exists' && typeof arg !== 'boolean') {
    report('INVALID_CONDITION', path, `'exists' on field '${field}' expects true or false`);
  } else if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof arg !== 'number' && typeof arg !== 'string') {
    report('INVALID_CONDITION', path, `'${op}' on field '${field}' expects a number or a string`);
  }
}
