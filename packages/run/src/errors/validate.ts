import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './light-run-error.ts';

/** Flattens zod issues into `{path, message}` pairs; record-key failures keep the key's own message. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], prefix: string[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
      out.push(...toFieldIssues(issue.issues, path));
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key].join('.'), message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0 && path.length > 0) {
      // The per-branch messages ("expected string", "expected object") confuse more than help.
      out.push({ path: path.join('.'), message: 'invalid value' });
    } else {
      out.push({ path: path.join('.'), message: issue.message });
    }
  }
  return out;
}

/**
 * Parses `value` with `schema` or throws a {@link ValidationError} (400) naming the field.
 * `where` prefixes the path for non-body inputs, e.g. `query`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(toFieldIssues(result.error.issues, where ? [where] : []));
}
