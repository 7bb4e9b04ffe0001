import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LightRunError } from '../errors/light-run-error.ts';

/** The one media type `POST /uploads` takes. */
export const TAR_MEDIA_TYPE = 'application/x-tar';

/** The one route whose body is streamed to its handler, past the body limit: `POST /uploads`. */
export function isUploadRoute(request: FastifyRequest): boolean {
  return request.routeOptions.method === 'POST' && request.routeOptions.url === '/uploads';
}

/**
 * Hands a tar body to its route as the raw stream (read there, straight to disk), never
 * buffered. Only `POST /uploads` takes it: elsewhere it is a 415 like any
 * non-JSON body.
 */
export function registerUploadBody(app: FastifyInstance): void {
  app.addContentTypeParser(TAR_MEDIA_TYPE, (request, payload, done) => {
    if (!isUploadRoute(request)) {
      done(
        new LightRunError(
          'UNSUPPORTED_MEDIA_TYPE',
          `this route takes application/json, not ${TAR_MEDIA_TYPE}`,
        ),
        undefined,
      );
      return;
    }
    done(null, payload);
  });
}
