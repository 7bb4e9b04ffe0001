import type { Readable } from 'node:stream';
import { z } from 'zod';
import { errorBody, uploadState } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';
import { TAR_MEDIA_TYPE } from '../uploads/upload-body.ts';

const idParams = z.object({ id: z.string() });
const notFound = { description: 'UPLOAD_NOT_FOUND', schema: errorBody };

/**
 * `POST /uploads` (a tar body, streamed to disk: node files above the body limit),
 * `GET /uploads/:id`, `DELETE /uploads/:id`. A run places an upload's files in its workdir
 * with `"upload": "<id>"` in `POST /run`; an upload stays until it is deleted.
 */
export function uploadRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/uploads',
      operationId: 'createUpload',
      summary:
        'Stores files for later runs from a tar body (Content-Type: application/x-tar), streamed to disk past the body limit',
      tag: 'uploads',
      responses: {
        201: {
          description: 'the upload, to reference as `"upload": "<id>"` in POST /run',
          schema: uploadState,
        },
        400: {
          description: 'UPLOAD_INVALID: a link, a device, a `..` path, or not a tar',
          schema: errorBody,
        },
        413: {
          description: 'ARTIFACT_STORE_FULL: past the room left in the artifact store',
          schema: errorBody,
        },
        415: { description: 'UNSUPPORTED_MEDIA_TYPE: not application/x-tar', schema: errorBody },
      },
      handler: async ({ request, reply }) => {
        const body = request.body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function') {
          throw new LightRunError('UNSUPPORTED_MEDIA_TYPE', `POST /uploads takes a ${TAR_MEDIA_TYPE} body`);
        }
        const room = ctx.options.artifactStoreBytes - ctx.artifacts.usageBytes() - ctx.uploads.usageBytes();
        const state = await ctx.uploads.receive(body, Math.max(0, room));
        return reply.status(201).header('location', `/uploads/${state.id}`).send(state);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/uploads/:id',
      operationId: 'getUpload',
      summary: 'An upload: its file count and size',
      tag: 'uploads',
      params: idParams,
      responses: { 200: { description: 'the upload', schema: uploadState }, 404: notFound },
      handler: async ({ params }) => ctx.uploads.get(params.id),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/uploads/:id',
      operationId: 'deleteUpload',
      summary: "Deletes an upload's files (runs already started keep their copy)",
      tag: 'uploads',
      params: idParams,
      responses: { 204: { description: 'deleted' }, 404: notFound },
      handler: async ({ params, reply }) => {
        ctx.uploads.remove(params.id);
        return reply.status(204).send();
      },
    }),
  ];
}
