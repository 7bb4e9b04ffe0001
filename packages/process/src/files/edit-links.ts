import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPlainObject } from '../definition/conditions/field-path.ts';
import type { LinkDefinition } from '../definition/definitions.ts';
import { WorkflowFileError, WorkflowValidationError } from '../definition/errors.ts';
import { validateWorkflow } from '../validation/validate-workflow.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';
import { loadWorkflowWithSources, WORKFLOW_FILE } from './load-workflow.ts';

/** Resolves a workflow path to the JSON file that holds its links. */
async function linksFile(path: string): Promise<string> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new WorkflowFileError(`${path}: no such workflow folder or file`, {
      code: 'WORKFLOW_NOT_FOUND',
      file: path,
      cause,
    });
  });
  return info.isDirectory() ? join(path, WORKFLOW_FILE) : path;
}

/**
 * Rewrites the links of a workflow on disk (folder or packed file), touching nothing else.
 * Refuses, with `WorkflowValidationError`, a change that adds problems the workflow did
 * not already have (e.g. a link to an unknown node or an unbounded cycle).
 * @returns the links after the change
 */
export async function editLinks(
  path: string,
  change: (links: LinkDefinition[]) => LinkDefinition[],
): Promise<LinkDefinition[]> {
  const loaded = await loadWorkflowWithSources(path);
  const before = new Set(validateWorkflow(loaded.definition).map((p) => p.message));
  const links = change([...loaded.definition.links]);
  const after = validateWorkflow({ ...loaded.definition, links });
  const added = after.filter((p) => !before.has(p.message));
  if (added.length > 0) throw new WorkflowValidationError(added, { file: loaded.file });
  const file = await linksFile(path);
  const raw = await readJsonFile(file);
  if (!isPlainObject(raw)) throw new WorkflowFileError(`${file}: expected a JSON object`, { file });
  raw.links = links;
  await writeJsonFile(file, raw);
  return links;
}
