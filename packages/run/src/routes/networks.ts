import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { networkBody, networkCleanupBody } from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
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
    await refuseForeign(ctx, body.name, body.lease ?? null);
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
    // No lease on a DELETE: a client removes its own run-scoped networks without one.
    await refuseForeign(ctx, name);
    await ctx.networks.remove(name);
    return reply.status(204).send();
  });
}

/**
 * Clients create and delete only networks of this light-run: an existing network someone else
 * made (`docker network create`, another light-run) is refused, never firewalled, tied to a
 * lease or removed; a create (`lease` given, or `null` for none) is refused for a network
 * tied to another client's lease too.
 */
async function refuseForeign(ctx: ServerContext, name: string, lease?: string | null): Promise<void> {
  let why: string | undefined;
  if ((await ctx.networks.ownership(name)) === 'foreign')
    why = 'it exists and this light-run did not create it';
  else if (lease !== undefined) {
    const holder = ctx.leases.leaseOfNetwork(name);
    if (holder !== undefined && holder !== lease) why = "it is tied to another client's lease";
  }
  if (why === undefined) return;
  throw new LightRunError('NETWORK_NOT_ALLOWED', `network ${JSON.stringify(name)} is not allowed: ${why}`, {
    field: 'name',
    details: { issues: [{ path: 'name', message: why }] },
  });
}
