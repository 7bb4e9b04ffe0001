import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type WorkflowDefinition, type WorkflowFile, workflowDefinition } from '../definition/definitions.ts';
import { fileSystemError, WorkflowFileError } from '../definition/errors.ts';
import { parseDefinition } from '../definition/parse-definition.ts';
import { writeJsonFile } from './json-file.ts';
import { NODE_FILE, WORKFLOW_FILE } from './load-workflow.ts';
import { resolveInside } from './safe-path.ts';
import { writeNodeFiles } from './write-node-files.ts';

/** Options of `saveWorkflowToFolder`. */
export interface SaveOptions {
  /** Write into a folder that already has entries (files of the same name are replaced). @default false */
  overwrite?: boolean;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw fileSystemError('read the folder', dir, cause);
  }
}

function folderOf(root: string, dir: string, field: string): string {
  const full = resolveInside(root, dir);
  if (!full) throw new WorkflowFileError(`field "${field}": '${dir}' must be a relative folder`, { field });
  return full;
}

/**
 * Writes a definition as a workflow folder: `workflow.json`, and per node a folder
 * (`node.dir`, default the node id) with `.node.json` and its files. Services with a
 * `dir` get their files written there; others keep them inline in workflow.json.
 */
export async function saveWorkflowToFolder(
  definition: WorkflowDefinition,
  dir: string,
  options: SaveOptions = {},
): Promise<void> {
  const def = parseDefinition(workflowDefinition, definition, 'workflow');
  if (!options.overwrite && !(await isEmptyOrMissing(dir))) {
    throw new WorkflowFileError(`${dir}: folder is not empty (pass overwrite to write into it)`, {
      file: dir,
    });
  }
  await mkdir(dir, { recursive: true }).catch((cause: unknown) => {
    throw fileSystemError('create', dir, cause);
  });
  const refs: WorkflowFile['nodes'] = [];
  for (const [i, node] of def.nodes.entries()) {
    const { dir: nodeDirName = node.id, files = {}, ...nodeJson } = node;
    const nodeDir = folderOf(dir, nodeDirName, `nodes[${i}].dir`);
    await mkdir(nodeDir, { recursive: true }).catch((cause: unknown) => {
      throw fileSystemError('create', nodeDir, cause);
    });
    await writeNodeFiles(nodeDir, files, { nodeId: node.id });
    await writeJsonFile(join(nodeDir, NODE_FILE), nodeJson);
    refs.push({ id: node.id, ...(node.name ? { name: node.name } : {}), dir: nodeDirName });
  }
  const services = [];
  for (const [i, svc] of def.services.entries()) {
    if (!svc.dir || !svc.files) {
      services.push(svc);
      continue;
    }
    const { files, ...rest } = svc;
    await writeNodeFiles(folderOf(dir, svc.dir, `services[${i}].dir`), files, { nodeId: svc.id });
    services.push(rest);
  }
  const { format: _format, nodes: _nodes, links, networkDefs, ...top } = def;
  const out: Record<string, unknown> = { ...top, nodes: refs, links };
  if (networkDefs.length > 0) out.networkDefs = networkDefs;
  if (services.length > 0) out.services = services;
  else delete out.services;
  await writeJsonFile(join(dir, WORKFLOW_FILE), orderKeys(out));
}

const KEY_ORDER = ['id', 'name', 'description', 'inputs', 'timeout', 'defaults', 'nodes', 'links'];

// A stable, readable key order: identity first, then the graph, then the environment.
function orderKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (obj[key] !== undefined) out[key] = obj[key];
  for (const [key, value] of Object.entries(obj)) if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}
