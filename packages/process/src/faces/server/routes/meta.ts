import { z } from 'zod';
import type { ServerContext } from '../context.ts';
import { buildOpenApi, type OpenApiDocument } from '../openapi.ts';
import { defineRoute, type RouteSpec } from '../route-spec.ts';
import { health } from '../schemas.ts';

/** `GET /health` (public) and `GET /openapi.json`; `all` returns the full route list for the document. */
export function metaRoutes(ctx: ServerContext, all: () => readonly RouteSpec[]): RouteSpec[] {
  let document: OpenApiDocument | undefined;
  return [
    defineRoute({
      method: 'GET',
      url: '/health',
      operationId: 'health',
      summary: 'Liveness: answers 200 while the server runs (no API key needed)',
      tag: 'health',
      public: true,
      responses: { 200: { description: 'the server is up', schema: health } },
      handler: async () => ({ status: 'ok', version: ctx.version }),
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openApi',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'meta',
      responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => {
        document ??= buildOpenApi(all(), ctx.version);
        return document;
      },
    }),
  ];
}
