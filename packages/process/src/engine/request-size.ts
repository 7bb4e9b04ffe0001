import type { NodeFile, WorkflowDefinition } from '../definition/definitions.ts';
import { NodeFilesError } from '../definition/errors.ts';
import { formatBytes } from '../files/read-node-files.ts';

/**
 * Refuses, before anything starts, a workflow with a node or service whose files alone make
 * a request over `maxBytes` (the runner's body limit): throws `NODE_FILES_TOO_LARGE` naming
 * the node, the size and the limit. The input, known only at run time, is checked per request.
 */
export function assertRequestSizes(
  definition: WorkflowDefinition,
  maxBytes: number | undefined,
  options: { uploads?: boolean } = {},
): void {
  if (maxBytes === undefined) return;
  const owners = [
    // With uploads, a node's files that do not fit go as a streamed upload instead.
    ...(options.uploads ? [] : definition.nodes.map((n) => ({ kind: 'node', id: n.id, files: n.files }))),
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

/**
 * Size of the files as they travel in a `POST /run` body (JSON, base64 for binary), in
 * bytes. Summed file by file: one JSON string of a large node's files would pass V8's
 * longest string.
 */
export function filesBytes(files: Record<string, NodeFile> | undefined): number {
  if (!files) return 0;
  let bytes = 2;
  for (const [path, file] of Object.entries(files)) {
    bytes += Buffer.byteLength(JSON.stringify(path)) + 2;
    bytes += typeof file === 'string' ? Buffer.byteLength(JSON.stringify(file)) : file.content.length + 64;
  }
  return bytes;
}
