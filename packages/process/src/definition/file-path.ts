import { posix } from 'node:path';

/** The highest file `mode` a definition may carry: permission bits only, no setuid, setgid or sticky bit. */
export const MAX_FILE_MODE = 0o777;

/** Longest file path of a definition, in characters (light-run's limit). */
export const MAX_FILE_PATH_LENGTH = 1024;

/**
 * Why a file path of a definition cannot name a file under the node's folder, or
 * undefined when it can: not empty, no NUL byte, relative, no `..` segment, not the folder
 * itself (`.`), not a folder (`a/`), segments of at most 255 bytes.
 */
export function filePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) return 'must be relative';
  const segments = path.split(/[\\/]/);
  if (segments.includes('..')) return "must not contain '..'";
  if (segments.every((s) => s === '.' || s === '')) return 'names the folder itself, not a file';
  if (path.endsWith('/') || path.endsWith('\\')) return 'names a folder, not a file';
  if (path.length > MAX_FILE_PATH_LENGTH) return `must be at most ${MAX_FILE_PATH_LENGTH} characters`;
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return 'has a segment over 255 bytes';
  return undefined;
}

/** Most files one node or service may carry (light-run's limit: a bigger tree is refused there). */
export const MAX_FILES = 10_000;

/** Most distinct folders the files of one node or service may need (light-run's limit). */
export const MAX_DIRECTORIES = 20_000;

/**
 * Problems of a whole `files` map, by path: too many files or folders (a small body of deep
 * paths would otherwise make the server create hundreds of thousands of folders), each unsafe
 * path, two paths that name the same file (`a` and `./a`), and a file that another path needs
 * as a folder (`a` and `a/b`).
 */
export function filesMapProblems(paths: readonly string[]): { path: string; message: string }[] {
  if (paths.length > MAX_FILES)
    return [{ path: '', message: `has ${paths.length} files, over the limit of ${MAX_FILES}` }];
  const folders = new Set<string>();
  for (const path of paths) {
    const parts = path.split(/[\\/]/);
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    if (folders.size > MAX_DIRECTORIES)
      return [{ path: '', message: `needs over ${MAX_DIRECTORIES} folders, the limit` }];
  }
  const problems: { path: string; message: string }[] = [];
  const normal = new Map<string, string>();
  for (const path of paths) {
    const problem = filePathProblem(path);
    if (problem) problems.push({ path, message: problem });
    else normal.set(path, posix.normalize(path.replaceAll('\\', '/')));
  }
  const byFile = new Map<string, string>();
  for (const [path, file] of normal) {
    const same = byFile.get(file);
    if (same !== undefined) problems.push({ path, message: `names the same file as '${same}'` });
    else byFile.set(file, path);
  }
  for (const [path, file] of normal) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = byFile.get(parts.slice(0, i).join('/'));
      if (folder !== undefined) {
        problems.push({ path, message: `needs '${folder}' as a folder, but it is a file of the node` });
        break;
      }
    }
  }
  return problems;
}
