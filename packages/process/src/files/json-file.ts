import { readFile, writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { fileSystemError, WorkflowFileError } from '../definition/errors.ts';
import { describeIssues, formatIssue } from '../definition/zod-issues.ts';

/** Line and column (1-based) of a character offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** Parses JSON text; a syntax error becomes a `WorkflowFileError` with file, line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = (cause as Error).message;
    const explicit = /line (\d+) column (\d+)/.exec(reason);
    const position = /position (\d+)/.exec(reason);
    const at = explicit
      ? { line: Number(explicit[1]), column: Number(explicit[2]) }
      : lineColumn(text, position ? Number(position[1]) : text.length);
    const short = reason
      .replace(/,? in JSON at position \d+.*$/, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    throw new WorkflowFileError(`${file}:${at.line}:${at.column}: invalid JSON: ${short}`, {
      file,
      cause,
      details: at,
    });
  }
}

/** Reads a JSON file; a missing file is `WORKFLOW_NOT_FOUND`, bad JSON names line and column. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WorkflowFileError(`${file}: file not found`, { code: 'WORKFLOW_NOT_FOUND', file, cause });
    }
    throw fileSystemError('read', file, cause);
  }
  return parseJson(text, file);
}

/** Checks parsed JSON against a schema; every issue names the file and the field. */
export function parseFileContent<T extends z.ZodType>(schema: T, value: unknown, file: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error, value);
  const lines = issues.map((issue) => `${file}: ${formatIssue(issue)}`);
  throw new WorkflowFileError(lines.join('\n'), {
    file,
    ...(issues[0]?.field ? { field: issues[0].field } : {}),
    details: { issues },
  });
}

/** Pretty JSON as written by light: two spaces, trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes a value as pretty JSON. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  try {
    await writeFile(file, formatJson(value));
  } catch (cause) {
    throw fileSystemError('write', file, cause);
  }
}
