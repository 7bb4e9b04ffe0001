import { z } from 'zod';
import { errorBody, leaseBody, leaseState } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });
const notFound = { description: 'LEASE_NOT_FOUND: never created, expired or released', schema: errorBody };

/**
 * `POST /leases` (201 `{id, ttlMs, expiresAt}`), `POST /leases/:id/renew` (200, same shape;
 * 404 `LEASE_NOT_FOUND` once it ended), `DELETE /leases/:id` (204 once the lease's runs
 * were cancelled and its networks removed).
 */
export function leaseRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/leases',
      operationId: 'createLease',
      summary: 'Opens a lease that runs and networks can be tied to (no body: the default ttl)',
      tag: 'leases',
      body: leaseBody.prefault({}),
      responses: {
        201: { description: 'the lease', schema: leaseState },
        400: { description: 'INVALID_REQUEST', schema: errorBody },
      },
      handler: async ({ body, reply }) => reply.status(201).send(ctx.leases.create(body.ttlMs)),
    }),
    defineRoute({
      method: 'POST',
      url: '/leases/:id/renew',
      operationId: 'renewLease',
      summary: 'Pushes the expiry of a lease one ttl ahead',
      tag: 'leases',
      params: idParams,
      responses: { 200: { description: 'the lease', schema: leaseState }, 404: notFound },
      handler: async ({ params }) => ctx.leases.renew(params.id),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/leases/:id',
      operationId: 'releaseLease',
      summary: 'Releases a lease: cancels its runs, then removes its networks',
      tag: 'leases',
      params: idParams,
      responses: { 204: { description: 'released' }, 404: notFound },
      handler: async ({ params, reply }) => {
        await ctx.leases.release(params.id);
        return reply.status(204).send();
      },
    }),
  ];
}
