import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { LightRunError } from '../errors/light-run-error.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * A constant-time check of a presented token. Both sides are hashed first, so neither the
 * content nor the length of the real token leaks through timing.
 */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Requires `Authorization: Bearer <token>` on every route not declared `public` (see
 * `RouteSpec`), and on unknown routes, so they reveal nothing. A failure is 401 `UNAUTHORIZED`.
 */
export function registerBearerAuth(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public === true) return;
    if (tokenMatches(token, bearerToken(request.headers.authorization))) return;
    reply.header('www-authenticate', 'Bearer realm="light-run"');
    throw new LightRunError('UNAUTHORIZED', 'missing or wrong bearer token');
  });
}
