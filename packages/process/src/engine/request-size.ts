import type { NodeFile, WorkflowDefinition } from '../definition/definitions.ts';
import { NodeFilesError } from '../definition/errors.ts';
import { formatBytes } from '../files/read-node-files.ts';

/**
 * Refuses, before anything starts, a workflow with a node or service whose files alone make
 * a request over `maxBytes` (the runner's body limit): throws `NODE_FILES_TOO_LARGE` naming
 * the node, the size and the limit. The input, known only at run time, is checked per request.
 */
export function assertRequestSizes(definition: WorkflowDefinition, maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  const owners = [
    ...definition.nodes.map((n) => ({ kind: 'node', id: n.id, files: n.files })),
    ...definition.services.map((s) => ({ kind: 'service', id: s.id, files: s.files })),
  ];
  for (const { kind, id, files } of owners) {
    const bytes = filesBytes(files);
    if (bytes <= maxBytes) continue;
    throw new NodeFilesError(
      'NODE_FILES_TOO_LARGE',
      `${kind} "${id}": its files take ${formatBytes(bytes)} in a request, over the ${formatBytes(maxBytes)} body limit of light-run`,
      { ...(kind === 'node' ? { nodeId: id } : {}), field: 'files', details: { bytes, maxBytes } },
    );
  }
}

/** Size of the files as they travel in a `POST /run` body (JSON, base64 for binary), in bytes. */
function filesBytes(files: Record<string, NodeFile> | undefined): number {
  return files ? Buffer.byteLength(JSON.stringify(files)) : 0;
}
