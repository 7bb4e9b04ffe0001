import type { z } from 'zod';

/** One readable schema failure: the field path and what was expected. */
export interface FieldIssue {
  /** Field path such as `nodes[0].timeout`; empty for the document itself. */
  field: string;
  /** What is wrong, e.g. `expected a number, got string`. */
  message: string;
}

/** Formats a path as `nodes[0].timeout` (numbers as indexes, keys joined with dots). */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The JSON type of a value, as a user would name it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

// Walks the path key by key: keys may contain dots (file names), so no dotted lookup here.
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

// Short primitive values are worth echoing (`(got "a b")`); objects and long strings are not.
function shownValue(value: unknown): string {
  if (value === undefined || (typeof value === 'object' && value !== null)) return '';
  const text = JSON.stringify(value);
  return text.length <= 60 ? ` (got ${text})` : '';
}

/** Turns zod issues into messages that say what was expected and what was found. */
export function describeIssues(error: z.ZodError, input: unknown): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const field = formatFieldPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: formatFieldPath([...issue.path, key]), message: 'unknown field' });
      }
      continue;
    }
    if (issue.code === 'invalid_type') {
      const value = valueAt(input, issue.path);
      const expected = issue.expected === 'record' || issue.expected === 'object' ? 'object' : issue.expected;
      out.push({
        field,
        message:
          value === undefined
            ? `is required (expected ${article(expected)})`
            : `expected ${article(expected)}, got ${jsonTypeOf(value)}`,
      });
      continue;
    }
    if (issue.code === 'invalid_union') {
      const value = valueAt(input, issue.path);
      out.push({ field, message: `does not match any accepted form (got ${jsonTypeOf(value)})` });
      continue;
    }
    // A refinement of a map key (a file path) would echo the entry's value, not the key.
    const echo =
      issue.code === 'custom' && issue.params?.echo === false ? '' : shownValue(valueAt(input, issue.path));
    out.push({ field, message: `${issue.message}${echo}` });
  }
  return out;
}

/** `field "timeout": expected a number, got string` (or just the message for the root). */
export function formatIssue(issue: FieldIssue): string {
  return issue.field === '' ? issue.message : `field "${issue.field}": ${issue.message}`;
}
