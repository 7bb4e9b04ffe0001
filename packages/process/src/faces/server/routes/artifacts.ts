import { Readable } from 'node:stream';
import { z } from 'zod';
import { LightRunHttpError } from '../../../adapters/light-run/errors.ts';
import { OUTPUT_FILE } from '../../../engine/output-channel.ts';
import { ApiError } from '../api-error.ts';
import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { errorBody } from '../schemas.ts';

const nodeParams = z.object({ id: z.string().min(1).max(128), nodeId: z.string().min(1).max(64) }).strict();
const fileParams = nodeParams.extend({ '*': z.string().min(1).max(4096) }).strict();
/** `GET /api/runs/:id/nodes/:nodeId/artifacts`: the node's files, without the output channel. */
export const artifactListBody = z.object({
  artifacts: z.array(z.object({ path: z.string(), size: z.number() })),
});

const gone = {
  description: 'ARTIFACTS_GONE: deleted with their light-run run, or evicted',
  schema: errorBody,
};
const missing = { description: 'RUN_NOT_FOUND or NODE_NOT_FOUND', schema: errorBody };

/**
 * The artifacts a node kept, read from light-run's artifact store through its HTTP API and
 * streamed to the client: the bytes are never held here.
 */
export function artifactRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/nodes/:nodeId/artifacts',
      operationId: 'listNodeArtifacts',
      summary: "A node's artifacts (its declared `artifacts` globs): path and size in bytes",
      tag: 'artifacts',
      params: nodeParams,
      responses: { 200: { description: 'the artifacts', schema: artifactListBody }, 404: missing, 410: gone },
      handler: async ({ params }) => {
        const lightRunId = nodeRunOf(ctx, params.id, params.nodeId);
        if (!lightRunId) return { artifacts: [] };
        const list = await ask(params.nodeId, () => runnerOf(ctx).listArtifacts(lightRunId));
        return {
          artifacts: list.filter((a) => a.path !== OUTPUT_FILE).map((a) => ({ path: a.path, size: a.bytes })),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:id/nodes/:nodeId/artifacts/*',
      operationId: 'getNodeArtifact',
      summary: "One of a node's artifacts, streamed as a download",
      tag: 'artifacts',
      params: fileParams,
      responses: {
        200: { description: "the file's bytes", contentType: 'application/octet-stream' },
        404: { description: 'RUN_NOT_FOUND, NODE_NOT_FOUND or ARTIFACT_NOT_FOUND', schema: errorBody },
        410: gone,
      },
      handler: async ({ params, reply }) => {
        const path = params['*'];
        const lightRunId = nodeRunOf(ctx, params.id, params.nodeId);
        const notFound = new ApiError(
          'ARTIFACT_NOT_FOUND',
          `node '${params.nodeId}' kept no artifact ${path}`,
        );
        if (!lightRunId || path === OUTPUT_FILE) throw notFound;
        const response = await ask(params.nodeId, () => runnerOf(ctx).artifactStream(lightRunId, path));
        if (!response?.body) throw notFound;
        const length = response.headers.get('content-length');
        return reply
          .type(response.headers.get('content-type') ?? 'application/octet-stream')
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', 'attachment')
          .headers(length ? { 'content-length': length } : {})
          .send(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream));
      },
    }),
  ];
}

/** The light-run id of a node's last run; RUN_NOT_FOUND or NODE_NOT_FOUND when there is none. */
function nodeRunOf(ctx: ServerContext, runId: string, nodeId: string): string | null {
  const run = ctx.store.getRun(runId);
  if (!run) throw new ApiError('RUN_NOT_FOUND', `no run with id '${runId}'`);
  const node = run.nodes.find((n) => n.nodeId === nodeId);
  if (!node) throw new ApiError('NODE_NOT_FOUND', `run '${runId}' has no node '${nodeId}'`);
  return node.lightRunId;
}

function runnerOf(ctx: ServerContext) {
  const { listArtifacts, artifactStream } = ctx.runner;
  if (!listArtifacts || !artifactStream) {
    throw new ApiError('NOT_AVAILABLE', "this server's runner does not serve artifacts");
  }
  return {
    listArtifacts: listArtifacts.bind(ctx.runner),
    artifactStream: artifactStream.bind(ctx.runner),
  };
}

/** Calls light-run; its 404 (the run was deleted) and 410 (evicted) say the artifacts are gone. */
async function ask<T>(nodeId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LightRunHttpError && (error.status === 404 || error.status === 410)) {
      throw new ApiError(
        'ARTIFACTS_GONE',
        `the artifacts of node '${nodeId}' are no longer in light-run (deleted with their run, or evicted under its artifact cap)`,
      );
    }
    throw error;
  }
}
