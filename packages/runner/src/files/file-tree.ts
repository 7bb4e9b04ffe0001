import type { FileContent } from '../types.ts';
import { normalizeRelative, relativePathProblem } from './paths.ts';

/** Most files one run may carry. */
export const MAX_FILES = 10_000;
/** Most directories the files of one run may create (their distinct parents, all levels counted). */
export const MAX_DIRECTORIES = 20_000;
/** Largest `mode` a file may be given (the permission bits plus setuid, setgid and sticky). */
export const MAX_FILE_MODE = 0o7777;
/** The bits of a file mode that are applied: setuid, setgid and sticky are always dropped. */
export const FILE_MODE_MASK = 0o777;
/** Mode of placed files unless the request gives one. */
export const DEFAULT_FILE_MODE = 0o644;

/** The mode a request file is written with: its own (masked to {@link FILE_MODE_MASK}) or the default. */
export function fileModeOf(content: FileContent): number {
  const mode = typeof content === 'object' ? content.mode : undefined;
  return mode === undefined ? DEFAULT_FILE_MODE : mode & FILE_MODE_MASK;
}

/** What is wrong with the set of files of a run: the offending key (absent: the set as a whole) and why. */
export interface FileTreeProblem {
  /** The request's own key of the file at fault; undefined when the problem is the count. */
  key: string | undefined;
  message: string;
}

/**
 * Every distinct parent directory of `names` (normalised relative paths: no empty, `.` or
 * trailing segment), each once.
 * Stops and returns undefined once there are more than `limit`.
 */
export function parentDirectories(
  names: Iterable<string>,
  limit = Number.POSITIVE_INFINITY,
): Set<string> | undefined {
  const dirs = new Set<string>();
  for (const name of names) {
    for (let end = name.lastIndexOf('/'); end > 0; end = name.lastIndexOf('/', end - 1)) {
      const dir = name.slice(0, end);
      // A known directory's parents are known too: a deep tree costs its distinct dirs, not files x depth.
      if (dirs.has(dir)) break;
      dirs.add(dir);
      if (dirs.size > limit) return undefined;
    }
  }
  return dirs;
}

/**
 * Why the files of a run cannot be placed, or undefined: an unsafe or empty path (`.`), two
 * keys naming one file (`a` and `./a`), a path that is both a file and a directory (`a` and
 * `a/b`), more than {@link MAX_FILES} files or more than {@link MAX_DIRECTORIES} directories.
 * The one rule light-runner and light-run both apply.
 */
export function fileTreeProblem(keys: readonly string[]): FileTreeProblem | undefined {
  if (keys.length > MAX_FILES) {
    return { key: undefined, message: `has ${keys.length} files; a run may carry at most ${MAX_FILES}` };
  }
  const byName = new Map<string, string>();
  for (const key of keys) {
    const problem = relativePathProblem(key);
    if (problem) return { key, message: problem };
    const name = normalizeRelative(key);
    const same = byName.get(name);
    if (same !== undefined) return { key, message: `names the same file as ${JSON.stringify(same)}` };
    byName.set(name, key);
  }
  const dirs = parentDirectories(byName.keys(), MAX_DIRECTORIES);
  if (!dirs) {
    return {
      key: undefined,
      message: `would need more than ${MAX_DIRECTORIES} directories; a run may create at most ${MAX_DIRECTORIES}`,
    };
  }
  for (const [name, key] of byName) {
    if (dirs.has(name)) {
      const inside = [...byName].find(([other]) => other.startsWith(`${name}/`))?.[1] ?? `${name}/...`;
      return { key, message: `is a file, but ${JSON.stringify(inside)} needs it to be a directory` };
    }
  }
  return undefined;
}
