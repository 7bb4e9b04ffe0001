import type { FastifyInstance } from 'fastify';
import type { HealthState } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { VERSION } from '../version.ts';

/** `GET /health` (no auth): 200 when the Docker engine answers, 503 when it does not. */
export function registerHealthRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/health', async (_request, reply) => {
    try {
      const { version } = await ctx.ping();
      const body: HealthState = { status: 'ok', docker: { reachable: true, version }, version: VERSION };
      return body;
    } catch (err) {
      // Any failure to ping means the same thing to a health check: the engine is not usable.
      ctx.options.log(`light-run: health check: Docker engine not reachable: ${(err as Error).message}`);
      const body: HealthState = {
        status: 'unavailable',
        docker: { reachable: false, version: null },
        version: VERSION,
      };
      return reply.status(503).send(body);
    }
  });
}
