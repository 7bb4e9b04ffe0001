import { posix } from 'node:path';

/** Longest single path segment, in bytes (Linux NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;
/** Longest whole path, in bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

/** Why `path` is not a safe path, or undefined when it is. Shared by relative and container paths. */
function commonProblem(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.includes('\0')) return 'must not contain NUL';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes`;
  const segments = path.split('/');
  if (segments.includes('..')) return "must not contain '..'";
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
    return `each segment must be at most ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

/** Why `path` is not a safe relative file path (no `/` start, no `..`, no NUL), or undefined. */
export function relativePathProblem(path: string): string | undefined {
  const problem = commonProblem(path);
  if (problem) return problem;
  if (path.startsWith('/')) return 'must be relative, not absolute';
  if (normalizeRelative(path) === '') return 'must name a file';
  return undefined;
}

/** Why `path` is not a safe container path (absolute or workdir-relative, no `..`, no NUL), or undefined. */
export function containerPathProblem(path: string): string | undefined {
  return commonProblem(path);
}

/** `a//./b/` -> `a/b`. Assumes the path passed {@link relativePathProblem}. */
export function normalizeRelative(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** Absolute, normalised container path; relative paths are taken from `workdir`. */
export function resolveContainerPath(path: string, workdir: string): string {
  const absolute = posix.resolve(workdir, path);
  return absolute.length > 1 && absolute.endsWith('/') ? absolute.slice(0, -1) : absolute;
}

/**
 * Where a container file lands among a run's artifacts: relative to `workdir` when under
 * it, else the absolute path without its leading `/`.
 */
export function artifactPathFor(containerPath: string, workdir: string): string {
  const base = workdir.endsWith('/') ? workdir : `${workdir}/`;
  if (containerPath.startsWith(base)) return containerPath.slice(base.length);
  return containerPath.replace(/^\/+/, '');
}
