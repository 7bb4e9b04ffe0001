import { z } from 'zod';
import { artifactList, errorBody } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';

const listParams = z.object({ id: z.string() });
const fileParams = z.object({ id: z.string(), '*': z.string() });

/** `GET /runs/:id/artifacts` (list) and `GET /runs/:id/artifacts/*` (download, streamed). */
export function artifactRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/runs/:id/artifacts',
      operationId: 'listArtifacts',
      summary: 'The files a run extracted: path, size and media type',
      tag: 'artifacts',
      params: listParams,
      responses: {
        200: { description: 'the artifacts', schema: artifactList },
        404: { description: 'RUN_NOT_FOUND', schema: errorBody },
        410: { description: 'ARTIFACTS_EVICTED', schema: errorBody },
      },
      handler: async ({ params }) => ({ artifacts: ctx.artifacts.list(params.id) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/runs/:id/artifacts/*',
      operationId: 'getArtifact',
      summary: 'One extracted file, streamed with its media type',
      tag: 'artifacts',
      params: fileParams,
      responses: {
        200: { description: "the file's bytes", contentType: 'application/octet-stream' },
        404: { description: 'RUN_NOT_FOUND or ARTIFACT_NOT_FOUND', schema: errorBody },
        410: { description: 'ARTIFACTS_EVICTED', schema: errorBody },
      },
      // The router has already percent-decoded the wildcard, so `%2e%2e` arrives as `..`
      // and is refused by the same check as a literal one.
      handler: async ({ params, reply }) => {
        const artifact = ctx.artifacts.open(params.id, params['*']);
        return reply
          .type(artifact.type)
          .header('content-length', artifact.bytes)
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', 'attachment')
          .send(artifact.stream);
      },
    }),
  ];
}
