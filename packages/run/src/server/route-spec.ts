import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseOrThrow } from '../errors/validate.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without the bearer token (`GET /health`). */
    public?: boolean;
  }
}

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** JSON body schema; absent for bodies that are not JSON (a file, a log stream) or no body. */
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
 * fastify and produces the OpenAPI document (`GET /openapi.json`), so the two cannot drift
 * apart. The same shape as light-process's `RouteSpec` for `light serve`.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax (`/runs/:id`, `/runs/:id/artifacts/*`). */
  url: string;
  operationId: string;
  summary: string;
  tag: 'health' | 'runs' | 'artifacts' | 'uploads' | 'networks' | 'leases' | 'meta';
  /** Reachable without the bearer token. @default false */
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

/**
 * Registers routes on fastify, parsing params, query and body with their zod schemas first;
 * a failure is a 400 `INVALID_REQUEST` naming the field by its own name (`wait`, `image`).
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true },
      handler: async (request, reply) => {
        const params = route.params ? parseOrThrow(route.params, request.params) : request.params;
        const query = route.query ? parseOrThrow(route.query, request.query ?? {}) : request.query;
        const body = route.body ? parseOrThrow(route.body, request.body) : request.body;
        return route.handler({ params, query, body, request, reply });
      },
    });
  }
}
