import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without the API key (health, the UI's static files). */
    public?: boolean;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares a presented key with the expected one in constant time (over fixed-size digests). */
export function keyMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The key of an `Authorization: Bearer <key>` header, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

/**
 * Requires `Authorization: Bearer <apiKey>` on every route that is not marked public.
 * Unknown paths are checked too, so a missing key never reveals which routes exist.
 */
export function requireApiKey(app: FastifyInstance, apiKey: string): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return;
    const presented = bearerKey(request.headers.authorization);
    if (presented === undefined)
      throw new ApiError('UNAUTHORIZED', 'missing API key: send Authorization: Bearer <key>');
    if (!keyMatches(presented, apiKey)) throw new ApiError('UNAUTHORIZED', 'wrong API key');
  });
}
