import type { ServerContext } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { cacheCleared, cacheClearQuery, cacheList, cacheListQuery, errorBody } from '../schemas.ts';

/** `/api/cache`: the node cache of memoized nodes, listed and cleared. */
export function cacheRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/cache',
      operationId: 'listCache',
      summary:
        'List node cache entries (newest first, expired ones marked), filtered by ?workflow= and ?node=',
      tag: 'runs',
      query: cacheListQuery,
      responses: {
        200: { description: 'the entries', schema: cacheList },
        400: { description: 'invalid query', schema: errorBody },
      },
      handler: async ({ query }) => ({
        entries: ctx.cache.list({
          ...(query.workflow !== undefined ? { workflowId: query.workflow } : {}),
          ...(query.node !== undefined ? { nodeId: query.node } : {}),
        }),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/cache',
      operationId: 'clearCache',
      summary: 'Clear node cache entries: all, or those of ?workflow=, ?node=, or only ?expired=1',
      tag: 'runs',
      query: cacheClearQuery,
      responses: {
        200: { description: 'how many entries were removed', schema: cacheCleared },
        400: { description: 'invalid query', schema: errorBody },
      },
      handler: async ({ query }) => ({
        deleted: ctx.cache.clear({
          ...(query.workflow !== undefined ? { workflowId: query.workflow } : {}),
          ...(query.node !== undefined ? { nodeId: query.node } : {}),
          ...(query.expired ? { expired: true } : {}),
        }),
      }),
    }),
  ];
}
