import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeDefinition } from '../definition/definitions.ts';
import { fileSystemError } from '../definition/errors.ts';
import { LP_JS, lpJsSource } from './lp-js.ts';
import { LP_PY, lpPySource } from './lp-py.ts';
import { LP_TYPES_PY, lpTypesPySource } from './stub-py.ts';
import { LP_TYPES_TS, lpTypesTsSource } from './stub-ts.ts';

/** Languages a node helper exists for. */
export type HelperLanguage = 'js' | 'python';

/** The helper and stub files of a language for a node: file name -> content. */
export function helperFiles(
  lang: HelperLanguage,
  node: Pick<NodeDefinition, 'inputs'>,
): Record<string, string> {
  return lang === 'js'
    ? { [LP_JS]: lpJsSource(), [LP_TYPES_TS]: lpTypesTsSource(node.inputs) }
    : { [LP_PY]: lpPySource(), [LP_TYPES_PY]: lpTypesPySource(node.inputs) };
}

/**
 * The languages a node folder uses: those whose helper is already there, else the one its
 * image or entrypoint suggests (python for `python` images or `.py` files, js otherwise).
 */
export async function detectLanguages(
  dir: string,
  node: Pick<NodeDefinition, 'image' | 'entrypoint'>,
): Promise<HelperLanguage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw fileSystemError('read the folder', dir, cause);
  }
  const found: HelperLanguage[] = [];
  if (names.includes(LP_JS)) found.push('js');
  if (names.includes(LP_PY)) found.push('python');
  if (found.length > 0) return found;
  const pythonish =
    /python/i.test(node.image) ||
    /python|\.py\b/.test(node.entrypoint ?? '') ||
    names.some((n) => n.endsWith('.py'));
  return [pythonish ? 'python' : 'js'];
}

/** Writes (or refreshes) the helper and typed stub of each language into a node folder; returns the paths. */
export async function writeNodeHelpers(
  dir: string,
  node: Pick<NodeDefinition, 'inputs'>,
  languages: readonly HelperLanguage[],
): Promise<string[]> {
  const written: string[] = [];
  for (const lang of languages) {
    for (const [name, content] of Object.entries(helperFiles(lang, node))) {
      const path = join(dir, name);
      try {
        await writeFile(path, content);
      } catch (cause) {
        throw fileSystemError('write', path, cause);
      }
      written.push(path);
    }
  }
  return written;
}
