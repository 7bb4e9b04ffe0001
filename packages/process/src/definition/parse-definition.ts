import type { z } from 'zod';
import { DefinitionError } from './errors.ts';
import { describeIssues, formatIssue } from './zod-issues.ts';

/** Parses a value built in code; throws `DefinitionError` naming the field on failure. */
export function parseDefinition<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error, value);
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new DefinitionError(`invalid ${what}: ${first ? formatIssue(first) : 'invalid value'}${more}`, {
    ...(first?.field ? { field: first.field } : {}),
    details: { issues },
  });
}

/** Freezes a JSON value and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
