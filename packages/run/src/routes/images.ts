import { z } from 'zod';
import type { ServerContext } from '../server/context.ts';
import { defineRoute, type RouteSpec } from '../server/route-spec.ts';

/** Query of `GET /images/id`: the image reference as a run body names it. */
export const imageIdQuery = z.object({ ref: z.string().min(1).max(512) }).strict();

/** Response of `GET /images/id`: the engine's image ID, null when the engine has no such image. */
export const imageIdState = z.object({ ref: z.string(), id: z.string().nullable() });
/** Body of `GET /images/id`. */
export type ImageIdState = z.infer<typeof imageIdState>;

/**
 * `GET /images/id?ref=<image>` (behind the token): the ID the engine has for an image
 * reference, without pulling it. light-process keys its node cache on it, so that a tag moved
 * to a new image is a cache miss.
 */
export function imageRoutes(ctx: ServerContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/images/id',
      operationId: 'imageId',
      summary: 'The image ID of an image reference on this engine (null when it is not there; no pull)',
      tag: 'meta',
      query: imageIdQuery,
      responses: { 200: { description: 'the image ID, or null', schema: imageIdState } },
      handler: async ({ query }): Promise<ImageIdState> => ({
        ref: query.ref,
        id: (await ctx.imageId(query.ref)) ?? null,
      }),
    }),
  ];
}
