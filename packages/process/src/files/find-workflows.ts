import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSystemError, LightProcessError } from '../definition/errors.ts';
import { isIgnored } from './ignore.ts';
import { loadWorkflowWithSources, WORKFLOW_FILE } from './load-workflow.ts';
import { PACKED_FORMAT } from './pack.ts';

/** A workflow found on disk. */
export interface FoundWorkflow {
  /** The folder (for folder workflows) or the packed file. */
  path: string;
  kind: 'folder' | 'packed';
  id?: string;
  name?: string;
  nodes?: number;
  links?: number;
  /** Why it could not be loaded, when it could not. */
  error?: string;
}

/** Options of `findWorkflows`. */
export interface FindOptions {
  /** How many folder levels to descend. @default 4 */
  maxDepth?: number;
}

// Packed files are recognised by their format tag; reading only the head keeps big files cheap.
async function isPacked(file: string): Promise<boolean> {
  try {
    const head = (await readFile(file, 'utf8')).slice(0, 4096);
    return head.includes(`"${PACKED_FORMAT}"`);
  } catch (cause) {
    throw fileSystemError('read', file, cause);
  }
}

async function describe(path: string, kind: FoundWorkflow['kind']): Promise<FoundWorkflow> {
  try {
    const { definition } = await loadWorkflowWithSources(path);
    return {
      path,
      kind,
      id: definition.id,
      ...(definition.name ? { name: definition.name } : {}),
      nodes: definition.nodes.length,
      links: definition.links.length,
    };
  } catch (cause) {
    if (cause instanceof LightProcessError) return { path, kind, error: cause.message.split('\n')[0] ?? '' };
    throw cause;
  }
}

/** Workflow folders (with a workflow.json) and packed workflow files under a folder. */
export async function findWorkflows(root: string, options: FindOptions = {}): Promise<FoundWorkflow[]> {
  const found: FoundWorkflow[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => {
      throw fileSystemError('read the folder', dir, cause);
    });
    if (entries.some((e) => e.isFile() && e.name === WORKFLOW_FILE)) {
      found.push(await describe(dir, 'folder'));
      return; // node folders inside a workflow are not workflows
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.json') && (await isPacked(path))) {
        found.push(await describe(path, 'packed'));
      } else if (entry.isDirectory() && depth > 0 && !isIgnored(entry.name, false)) {
        await visit(path, depth - 1);
      }
    }
  };
  await visit(root, options.maxDepth ?? 4);
  return found;
}
