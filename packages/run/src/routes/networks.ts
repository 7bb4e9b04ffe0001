import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { networkBody, networkCleanupBody } from '../api/schemas.ts';
import { parseOrThrow } from '../errors/validate.ts';
import { tieNetwork } from '../leases/tie-network.ts';
import type { ServerContext } from '../server/context.ts';

const nameParams = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name'),
});

/**
 * `POST /networks` (201 `{name, created}`), `GET /networks/:name` (`{name, exists}`),
 * `DELETE /networks/:name` (204; 409 in use, 404 unknown), `POST /networks/cleanup` (`{removed}`).
 */
export function registerNetworkRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/networks', async (request, reply) => {
    const body = parseOrThrow(networkBody, request.body);
    // An unknown lease is refused before anything is created.
    if (body.lease !== undefined) ctx.leases.require(body.lease);
    const result = await ctx.networks.create(body.name, { internal: body.internal, icc: body.icc });
    if (body.lease !== undefined) await tieNetwork(ctx.leases, ctx.networks, body.lease, result);
    return reply.status(201).send({ name: result.name, created: result.created });
  });

  app.post('/networks/cleanup', async (request) => {
    const body = parseOrThrow(networkCleanupBody, request.body ?? {});
    const removed = await ctx.networks.cleanup({
      ...(body.prefix !== undefined ? { prefix: body.prefix } : {}),
      ...(body.maxAgeMs !== undefined ? { maxAgeMs: body.maxAgeMs } : {}),
    });
    return { removed };
  });

  app.get('/networks/:name', async (request) => {
    const { name } = parseOrThrow(nameParams, request.params);
    return { name, exists: await ctx.networks.exists(name) };
  });

  app.delete('/networks/:name', async (request, reply) => {
    const { name } = parseOrThrow(nameParams, request.params);
    await ctx.networks.remove(name);
    return reply.status(204).send();
  });
}
