import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseRequest } from './validate.ts';

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** JSON body schema; absent for bodies that are not JSON. */
  schema?: z.ZodType;
  /** @default 'application/json' */
  contentType?: string;
}

/** What a handler receives: the parsed params, query and body, and the raw request and reply. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One route: its method, path, schemas and handler. The same list registers the routes on
 * fastify and produces the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax (`/api/runs/:id`). */
  url: string;
  operationId: string;
  summary: string;
  tag: 'health' | 'workflows' | 'runs' | 'artifacts' | 'schedules' | 'hooks' | 'meta' | 'ui';
  /** Reachable without the API key. @default false */
  public?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The documented body, for a handler that validates `request.body` itself. */
  requestBody?: { schema: z.ZodType; description: string };
  responses: Record<number, ResponseSpec>;
  handler: (context: RouteContext<P, Q, B>) => Promise<unknown>;
}

/** Type-checks a route spec against its own schemas. */
export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Registers routes on fastify, parsing params, query and body with their zod schemas first. */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true },
      handler: async (request, reply) => {
        const params = route.params ? parseRequest(route.params, request.params, 'params') : request.params;
        const query = route.query ? parseRequest(route.query, request.query ?? {}, 'query') : request.query;
        const body = route.body ? parseRequest(route.body, request.body, 'body') : request.body;
        return route.handler({ params, query, body, request, reply });
      },
    });
  }
}
