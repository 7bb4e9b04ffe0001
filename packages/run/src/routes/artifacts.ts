import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../errors/validate.ts';
import type { ServerContext } from '../server/context.ts';

const listParams = z.object({ id: z.string() });
const fileParams = z.object({ id: z.string(), '*': z.string() });

/** `GET /runs/:id/artifacts` (list) and `GET /runs/:id/artifacts/*` (download, streamed). */
export function registerArtifactRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/runs/:id/artifacts', async (request) => {
    const { id } = parseOrThrow(listParams, request.params);
    return { artifacts: ctx.artifacts.list(id) };
  });

  app.get('/runs/:id/artifacts/*', async (request, reply) => {
    // The router has already percent-decoded the wildcard, so `%2e%2e` arrives as `..`
    // and is refused by the same check as a literal one.
    const params = parseOrThrow(fileParams, request.params);
    const artifact = ctx.artifacts.open(params.id, params['*']);
    return reply
      .type(artifact.type)
      .header('content-length', artifact.bytes)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', 'attachment')
      .send(artifact.stream);
  });
}
