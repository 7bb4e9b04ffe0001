import { join } from 'node:path';
import { type NodeDefinition, nodeDefinition } from '../definition/definitions.ts';
import { parseFileContent, readJsonFile } from './json-file.ts';
import { NODE_FILE } from './load-workflow.ts';
import { type ReadNodeFilesOptions, readNodeFiles } from './read-node-files.ts';

/** Loads one node folder: its `.node.json` plus every code file (see `readNodeFiles`). */
export async function loadNodeFromFolder(
  dir: string,
  options: Omit<ReadNodeFilesOptions, 'nodeId'> = {},
): Promise<NodeDefinition> {
  const file = join(dir, NODE_FILE);
  const node = parseFileContent(nodeDefinition, await readJsonFile(file), file);
  const files = await readNodeFiles(dir, { ...options, nodeId: node.id });
  return { ...node, files: { ...node.files, ...files } };
}
