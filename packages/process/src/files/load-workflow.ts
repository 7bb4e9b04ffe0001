import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  nodeDefinition,
  type ServiceDefinition,
  type WorkflowDefinition,
  type WorkflowNode,
  workflowDefinition,
  workflowFile,
} from '../definition/definitions.ts';
import { WorkflowFileError } from '../definition/errors.ts';
import { type IgnoreLayer, readLightignore } from './ignore.ts';
import { parseFileContent, readJsonFile } from './json-file.ts';
import { type ReadNodeFilesOptions, readNodeFiles } from './read-node-files.ts';
import { resolveInside } from './safe-path.ts';

/** Name of the workflow file inside a workflow folder. */
export const WORKFLOW_FILE = 'workflow.json';
/** Name of the definition file inside a node folder. */
export const NODE_FILE = '.node.json';

/** Options of the loaders. */
export interface LoadOptions {
  /** Total size limit of one node's files, in bytes. @default 512 MiB (536870912) */
  maxNodeBytes?: number;
  /** Told about every environment file (`.env`, `.env.*`) in a node folder, and whether it is shipped. */
  onEnvFile?: (file: string, shipped: boolean) => void;
}

/** A loaded workflow and the files its parts came from (for messages that name them). */
export interface LoadedWorkflow {
  definition: WorkflowDefinition;
  /** The workflow.json or packed file. */
  file: string;
  /** Node id -> its `.node.json` (folder workflows only). */
  nodeFiles: Record<string, string>;
  /** Whether it came from a folder or a packed file. */
  kind: 'folder' | 'packed';
}

function fileOptions(options: LoadOptions, nodeId: string, ignore: IgnoreLayer[]): ReadNodeFilesOptions {
  return {
    nodeId,
    ignore,
    ...(options.maxNodeBytes !== undefined ? { maxBytes: options.maxNodeBytes } : {}),
    ...(options.onEnvFile ? { onEnvFile: options.onEnvFile } : {}),
  };
}

function inside(root: string, dir: string, file: string, field: string): string {
  const full = resolveInside(root, dir);
  if (!full) {
    throw new WorkflowFileError(
      `${file}: field "${field}": '${dir}' must be a relative folder inside the workflow`,
      {
        file,
        field,
      },
    );
  }
  return full;
}

/** Loads a workflow folder and also returns where each part came from. */
export async function loadWorkflowFolderWithSources(
  dir: string,
  options: LoadOptions = {},
): Promise<LoadedWorkflow> {
  const file = join(dir, WORKFLOW_FILE);
  const wf = parseFileContent(workflowFile, await readJsonFile(file), file);
  const nodeFiles: Record<string, string> = {};
  const nodes: WorkflowNode[] = [];
  const workflowIgnore = await readLightignore(dir);
  const ignore = workflowIgnore ? [workflowIgnore] : [];
  for (const [i, ref] of wf.nodes.entries()) {
    const nodeDir = inside(dir, ref.dir, file, `nodes[${i}].dir`);
    const nodeFile = join(nodeDir, NODE_FILE);
    const raw = await readJsonFile(nodeFile).catch((cause: unknown) => {
      if (cause instanceof WorkflowFileError && cause.code === 'WORKFLOW_NOT_FOUND') {
        throw new WorkflowFileError(`${file}: field "nodes[${i}].dir": no ${NODE_FILE} in '${ref.dir}'`, {
          file,
          field: `nodes[${i}].dir`,
          nodeId: ref.id,
          cause,
        });
      }
      throw cause;
    });
    const node = parseFileContent(nodeDefinition, raw, nodeFile);
    if (node.id !== ref.id) {
      throw new WorkflowFileError(
        `${nodeFile}: field "id": '${node.id}' does not match the id '${ref.id}' registered in ${file}`,
        { file: nodeFile, field: 'id', nodeId: ref.id },
      );
    }
    const files = await readNodeFiles(nodeDir, fileOptions(options, node.id, ignore));
    nodes.push({ ...node, dir: ref.dir, files: { ...node.files, ...files } });
    nodeFiles[node.id] = nodeFile;
  }
  const services: ServiceDefinition[] = [];
  for (const [i, svc] of wf.services.entries()) {
    if (!svc.dir) {
      services.push(svc);
      continue;
    }
    const svcDir = inside(dir, svc.dir, file, `services[${i}].dir`);
    const files = await readNodeFiles(svcDir, fileOptions(options, svc.id, ignore));
    services.push({ ...svc, files: { ...svc.files, ...files } });
  }
  const { nodes: _refs, ...rest } = wf;
  return { definition: { ...rest, nodes, services }, file, nodeFiles, kind: 'folder' };
}

/** Loads a workflow folder: `workflow.json` plus one folder per node with `.node.json` and code. */
export async function loadWorkflowFromFolder(
  dir: string,
  options: LoadOptions = {},
): Promise<WorkflowDefinition> {
  return (await loadWorkflowFolderWithSources(dir, options)).definition;
}

/** Loads a packed workflow file (one JSON with every file embedded). */
export async function loadWorkflowFile(file: string): Promise<WorkflowDefinition> {
  return parseFileContent(workflowDefinition, await readJsonFile(file), file);
}

/** Loads a folder, a folder's `workflow.json`, or a packed file, and says where parts came from. */
export async function loadWorkflowWithSources(
  path: string,
  options: LoadOptions = {},
): Promise<LoadedWorkflow> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new WorkflowFileError(`${path}: no such workflow folder or file`, {
      code: 'WORKFLOW_NOT_FOUND',
      file: path,
      cause,
    });
  });
  if (info.isDirectory()) return loadWorkflowFolderWithSources(path, options);
  if (basename(path) === WORKFLOW_FILE) return loadWorkflowFolderWithSources(dirname(path), options);
  return { definition: await loadWorkflowFile(path), file: path, nodeFiles: {}, kind: 'packed' };
}

/** Loads a workflow from a folder, a folder's `workflow.json`, or a packed `.json` file. */
export async function loadWorkflow(path: string, options: LoadOptions = {}): Promise<WorkflowDefinition> {
  return (await loadWorkflowWithSources(path, options)).definition;
}
