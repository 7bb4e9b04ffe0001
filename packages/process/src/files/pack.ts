import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { WorkflowDefinition } from '../definition/definitions.ts';
import { fileSystemError } from '../definition/errors.ts';
import { writeJsonFile } from './json-file.ts';
import { type LoadOptions, loadWorkflowFile, loadWorkflowFromFolder } from './load-workflow.ts';
import { type SaveOptions, saveWorkflowToFolder } from './save-workflow.ts';

/** The `format` tag of a packed workflow file. */
export const PACKED_FORMAT = 'light-process/workflow@1';

/** Options of `packWorkflow`. */
export type PackOptions = LoadOptions;

/** Options of `unpackWorkflow`. */
export type UnpackOptions = SaveOptions;

// `light pack .` must not write `..json`: name the file after the folder's real name.
function defaultPackedFile(dir: string): string {
  const trimmed = dir.length > 1 ? dir.replace(/[\\/]+$/, '') : dir;
  const name = basename(trimmed);
  return name === '.' || name === '..' || name === '' ? `${resolve(trimmed)}.json` : `${trimmed}.json`;
}

/** The definition in packed form: tagged with its format, every file embedded. */
export function toPacked(definition: WorkflowDefinition): WorkflowDefinition {
  const { format: _format, ...rest } = definition;
  return { format: PACKED_FORMAT, ...rest };
}

/**
 * Packs a workflow folder into one JSON file and returns its path. The folder is left as is.
 * @param output the file to write. @default `<dir>.json` beside the folder
 */
export async function packWorkflow(dir: string, output?: string, options: PackOptions = {}): Promise<string> {
  const definition = await loadWorkflowFromFolder(dir, options);
  output ??= defaultPackedFile(dir);
  await writeJsonFile(output, toPacked(definition));
  return output;
}

/**
 * Unpacks a packed workflow file into a folder and returns the folder. The file is left as is.
 * @param output the folder to write. @default the file path without `.json` (`<file>.d` if it has none)
 */
export async function unpackWorkflow(
  file: string,
  output?: string,
  options: UnpackOptions = {},
): Promise<string> {
  const definition = await loadWorkflowFile(file);
  const stem = basename(file).replace(/\.json$/i, '');
  output ??= stem === basename(file) ? `${file}.d` : join(dirname(file), stem);
  await saveWorkflowToFolder(definition, output, options);
  return output;
}

/**
 * Whether a folder can be deleted after packing without losing anything that matters:
 * a version-control folder at its top is never thrown away.
 */
export async function hasVersionControl(dir: string): Promise<boolean> {
  try {
    const names = await readdir(dir);
    return names.some((n) => n === '.git' || n === '.hg' || n === '.svn');
  } catch (cause) {
    throw fileSystemError('read the folder', dir, cause);
  }
}

/** Deletes a path recursively (the `--keep`-less end of pack and unpack). */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true }).catch((cause: unknown) => {
    throw fileSystemError('remove', path, cause);
  });
}
