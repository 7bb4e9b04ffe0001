import type { HealthState } from '../api/schemas.ts';
import { healthState } from '../api/schemas.ts';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';
import { VERSION } from '../version.ts';

/** `GET /health` (no auth): 200 when the Docker engine answers, 503 when it does not. */
export function healthRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/health',
      operationId: 'health',
      summary: 'Whether the Docker engine answers (no token needed)',
      tag: 'health',
      public: true,
      responses: {
        200: { description: 'the engine answers', schema: healthState },
        503: { description: 'the engine does not answer', schema: healthState },
      },
      handler: async ({ reply }) => {
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
      },
    }),
  ];
}
