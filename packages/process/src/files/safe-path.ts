import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * Why a relative path from a definition may not be written under a folder, or undefined
 * when it is safe: not empty, not absolute, no `..` segment, no NUL byte.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (isAbsolute(path) || path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'must be relative';
  if (path.split(/[\\/]/).includes('..')) return "must not contain '..'";
  return undefined;
}

/** Joins a checked relative path under a root and confirms the result stays inside it. */
export function resolveInside(root: string, path: string): string | undefined {
  if (unsafePathReason(path)) return undefined;
  const full = join(root, normalize(path));
  const rel = relative(root, full);
  return rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel) ? undefined : full;
}
