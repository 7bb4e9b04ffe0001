/** Names never shipped with a node, wherever they appear in its folder. */
export const IGNORED_NAMES: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'dist',
  'build',
  '__pycache__',
  '.venv',
  'venv',
  '.cache',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  '.DS_Store',
  'Thumbs.db',
  '.lp-output.json',
]);

/** Names ignored only at the root of a node folder: its definition and the generated typed stubs. */
export const IGNORED_ROOT_NAMES: ReadonlySet<string> = new Set([
  '.node.json',
  'lp-types.d.ts',
  'lp_types.py',
]);

/** Whether a file or folder of a node folder is left out of the node's files. */
export function isIgnored(name: string, atRoot: boolean): boolean {
  if (IGNORED_NAMES.has(name)) return true;
  if (atRoot && IGNORED_ROOT_NAMES.has(name)) return true;
  return name.endsWith('.pyc') || name.endsWith('.swp') || name.endsWith('~');
}
