import { z } from 'zod';
import type { ServerContext } from '../server/context.ts';
import { buildOpenApi, type OpenApiDocument } from '../server/openapi.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';
import { VERSION } from '../version.ts';

/**
 * `GET /openapi.json` (behind the token, like every route but `/health`, and like `light
 * serve`'s): this API as an OpenAPI 3.1 document, built once from `all()`, the full route list.
 */
export function openApiRoutes(ctx: ServerContext, all: () => readonly RouteSpec[]): RouteSpec[] {
  let document: OpenApiDocument | undefined;
  return [
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openApi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'meta',
      responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => {
        document ??= buildOpenApi(all(), VERSION, ctx.options.token !== undefined);
        return document;
      },
    }),
  ];
}
