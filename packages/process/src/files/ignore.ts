import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { fileSystemError } from '../definition/errors.ts';

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
  '.lightignore',
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

/** The file of ignore rules (`.gitignore` syntax) read in a workflow folder and in a node folder. */
export const LIGHTIGNORE_FILE = '.lightignore';

/**
 * Patterns ignored in every node folder unless a `.lightignore` re-includes them (`!.env.example`):
 * environment files, which hold secrets far more often than code.
 */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.env', '.env.*'];

/** The ignore rules of one folder, matched against paths relative to that folder. */
export interface IgnoreLayer {
  readonly root: string;
  readonly rules: Ignore;
}

/** The default rules (`DEFAULT_IGNORE_PATTERNS`), rooted at a node folder. */
export function defaultIgnoreLayer(root: string): IgnoreLayer {
  return { root, rules: ignore().add([...DEFAULT_IGNORE_PATTERNS]) };
}

/** The `.lightignore` of a folder as a layer, or undefined when it has none. */
export async function readLightignore(root: string): Promise<IgnoreLayer | undefined> {
  const file = join(root, LIGHTIGNORE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileSystemError('read', file, cause);
  }
  return { root, rules: ignore().add(text) };
}

/**
 * Whether layered ignore rules leave a file or folder out. Layers go from the outermost
 * (defaults, then the workflow folder) to the innermost (the node folder); as with nested
 * `.gitignore` files, the innermost layer that has a verdict on the path decides.
 */
export function ignoredByLayers(layers: readonly IgnoreLayer[], absolute: string, isDir: boolean): boolean {
  let ignored = false;
  for (const layer of layers) {
    const rel = relative(layer.root, absolute);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    const path = rel.split(sep).join('/') + (isDir ? '/' : '');
    const verdict = layer.rules.test(path);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

/** Whether a file name is an environment file (`.env`, `.env.local`, ...). */
export function isEnvFileName(name: string): boolean {
  return name === '.env' || name.startsWith('.env.');
}
