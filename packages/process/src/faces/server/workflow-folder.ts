import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import type { WorkflowDefinition } from '../../definition/definitions.ts';
import { fileSystemError, LightProcessError } from '../../definition/errors.ts';
import { saveWorkflowToFolder } from '../../files/save-workflow.ts';

/**
 * Writes a workflow as a folder, replacing what was there: it is written next to the
 * target first and swapped in, so a failed write never leaves half a workflow behind.
 */
export async function writeWorkflowFolder(definition: WorkflowDefinition, folder: string): Promise<void> {
  const staging = `${folder}.saving-${randomUUID().slice(0, 8)}`;
  const old = `${folder}.old-${randomUUID().slice(0, 8)}`;
  try {
    await saveWorkflowToFolder(definition, staging);
    const exists = await stat(folder).then(
      () => true,
      () => false,
    );
    if (exists) await rename(folder, old);
    await rename(staging, folder);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw cause instanceof LightProcessError
      ? cause
      : fileSystemError('write the workflow folder', folder, cause);
  }
}

/** Removes a persisted workflow (folder or packed file). */
export async function removeWorkflowPath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true }).catch((cause: unknown) => {
    throw fileSystemError('remove', path, cause);
  });
}
