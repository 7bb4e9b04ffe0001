import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { leaseBody } from '../api/schemas.ts';
import { parseOrThrow } from '../errors/validate.ts';
import type { ServerContext } from '../server/context.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });

/**
 * `POST /leases` (201 `{id, ttlMs, expiresAt}`), `POST /leases/:id/renew` (200, same shape;
 * 404 `LEASE_NOT_FOUND` once it ended), `DELETE /leases/:id` (204 once the lease's runs
 * were cancelled and its networks removed).
 */
export function registerLeaseRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/leases', async (request, reply) => {
    const body = parseOrThrow(leaseBody, request.body ?? {});
    return reply.status(201).send(ctx.leases.create(body.ttlMs));
  });

  app.post('/leases/:id/renew', async (request) => {
    const { id } = parseOrThrow(idParams, request.params);
    return ctx.leases.renew(id);
  });

  app.delete('/leases/:id', async (request, reply) => {
    const { id } = parseOrThrow(idParams, request.params);
    await ctx.leases.release(id);
    return reply.status(204).send();
  });
}
