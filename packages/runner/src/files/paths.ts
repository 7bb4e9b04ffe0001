import { posix } from 'node:path';

/** Longest single path segment, in bytes (Linux NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;
/** Longest whole path, in bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

const DOT_DOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;
/** An empty or `.` segment, i.e. a path {@link normalizeRelative} changes. */
const EMPTY_OR_DOT_SEGMENT = /(?:^|\/)\.?(?:\/|$)/;

// These checks run on every key of a request (thousands of them), so they scan the string
// instead of splitting it; a UTF-16 unit is at most 3 UTF-8 bytes, so only long paths and
// segments need their bytes counted.

/** Whether some `/`-separated segment of `path` is longer than `maxBytes` in UTF-8. */
function hasLongSegment(path: string, maxBytes: number): boolean {
  if (path.length * 3 <= maxBytes) return false;
  for (let start = 0; start <= path.length; ) {
    const slash = path.indexOf('/', start);
    const end = slash === -1 ? path.length : slash;
    if ((end - start) * 3 > maxBytes && Buffer.byteLength(path.slice(start, end)) > maxBytes) return true;
    start = end + 1;
  }
  return false;
}

/** Why `path` is not a safe path, or undefined when it is. Shared by relative and container paths. */
function commonProblem(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.includes('\0')) return 'must not contain NUL';
  if (path.length * 3 > MAX_PATH_BYTES && Buffer.byteLength(path) > MAX_PATH_BYTES) {
    return `must be at most ${MAX_PATH_BYTES} bytes`;
  }
  if (DOT_DOT_SEGMENT.test(path)) return "must not contain '..'";
  if (hasLongSegment(path, MAX_SEGMENT_BYTES))
    return `each segment must be at most ${MAX_SEGMENT_BYTES} bytes`;
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
  if (!EMPTY_OR_DOT_SEGMENT.test(path)) return path;
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
