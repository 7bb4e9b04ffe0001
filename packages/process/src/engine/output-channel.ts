import { posix } from 'node:path';

/** The file a node writes its result to, in its workdir. */
export const OUTPUT_FILE = '.lp-output.json';

/** The default workdir of light-run (and of nodes). */
export const DEFAULT_WORKDIR = '/app';

/** The absolute container path of the output file for a workdir: what `extract` always holds. */
export function outputExtractPath(workdir: string | undefined): string {
  return posix.join(workdir ?? DEFAULT_WORKDIR, OUTPUT_FILE);
}

/**
 * Reads the bytes of `.lp-output.json`. Absent or blank: `undefined`. Not JSON: `undefined`
 * and a warning (the node's output then becomes `{}` like any non-object output).
 */
export function parseOutputFile(bytes: Uint8Array | null): { value: unknown; warning?: string } {
  if (bytes === null) return { value: undefined };
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { value: undefined, warning: `${OUTPUT_FILE} is not valid JSON (${reason}); the output is {}` };
  }
}

/** A node's output as the DAG sees it: a plain object, or `{}` for anything else. */
export function normalizeOutput(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return value as Record<string, unknown>;
}
