import type { z } from 'zod';
import { describeIssues, formatIssue } from '../../definition/zod-issues.ts';
import { ApiError } from './api-error.ts';

/** Which part of the request a value came from; prefixes the field path in messages. */
export type RequestPart = 'body' | 'query' | 'params';

/** Parses `value` with `schema`, or throws a 400 whose message names the first bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error, value).map((issue) => ({
    field: issue.field === '' ? part : `${part}.${issue.field}`,
    message: issue.message,
  }));
  const first = issues[0] ?? { field: part, message: 'is invalid' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ApiError('INVALID_REQUEST', `${formatIssue(first)}${more}`, { issues });
}
