import { z } from 'zod';
import {
  errorBody,
  networkBody,
  networkCleanupBody,
  networkCleanupResult,
  networkCreated,
  networkState,
} from '../api/schemas.ts';
import { LightRunError } from '../errors/light-run-error.ts';
import { tieNetwork } from '../leases/tie-network.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';

const nameParams = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name'),
});
const invalid = { description: 'INVALID_REQUEST', schema: errorBody };

/**
 * `POST /networks` (201 `{name, created}`), `GET /networks/:name` (`{name, exists}`),
 * `DELETE /networks/:name` (204; 409 in use, 404 unknown), `POST /networks/cleanup` (`{removed}`).
 */
export function networkRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/networks',
      operationId: 'createNetwork',
      summary: 'Creates a bridge network runs may join (tied to a lease when one is named)',
      tag: 'networks',
      body: networkBody,
      responses: {
        201: { description: 'created, or `created: false` when it already existed', schema: networkCreated },
        400: {
          description: 'INVALID_REQUEST, or NETWORK_NOT_ALLOWED (made by someone else)',
          schema: errorBody,
        },
        404: { description: 'LEASE_NOT_FOUND', schema: errorBody },
      },
      handler: async ({ body, reply }) => {
        // An unknown lease is refused before anything is created.
        if (body.lease !== undefined) ctx.leases.require(body.lease);
        await refuseForeign(ctx, body.name, body.lease ?? null);
        const result = await ctx.networks.create(body.name, { internal: body.internal, icc: body.icc });
        if (body.lease !== undefined) await tieNetwork(ctx.leases, ctx.networks, body.lease, result);
        return reply.status(201).send({ name: result.name, created: result.created });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/networks/cleanup',
      operationId: 'cleanupNetworks',
      summary: 'Removes unused networks of this light-run by name prefix and age',
      tag: 'networks',
      body: networkCleanupBody.prefault({}),
      responses: { 200: { description: 'the names removed', schema: networkCleanupResult }, 400: invalid },
      handler: async ({ body }) => {
        const removed = await ctx.networks.cleanup({
          ...(body.prefix !== undefined ? { prefix: body.prefix } : {}),
          ...(body.maxAgeMs !== undefined ? { maxAgeMs: body.maxAgeMs } : {}),
        });
        return { removed };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/networks/:name',
      operationId: 'getNetwork',
      summary: 'Whether a network exists',
      tag: 'networks',
      params: nameParams,
      responses: { 200: { description: 'the answer', schema: networkState }, 400: invalid },
      handler: async ({ params }) => ({ name: params.name, exists: await ctx.networks.exists(params.name) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/networks/:name',
      operationId: 'deleteNetwork',
      summary: 'Removes a network',
      tag: 'networks',
      params: nameParams,
      responses: {
        204: { description: 'removed' },
        400: {
          description: 'INVALID_REQUEST, or NETWORK_NOT_ALLOWED (made by someone else)',
          schema: errorBody,
        },
        404: { description: 'NETWORK_NOT_FOUND', schema: errorBody },
        409: { description: 'NETWORK_IN_USE: containers are still attached', schema: errorBody },
      },
      handler: async ({ params, reply }) => {
        // No lease on a DELETE: a client removes its own run-scoped networks without one.
        await refuseForeign(ctx, params.name);
        await ctx.networks.remove(params.name);
        return reply.status(204).send();
      },
    }),
  ];
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
