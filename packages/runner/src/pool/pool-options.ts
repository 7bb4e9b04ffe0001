import { InvalidRequestError } from '../errors.ts';

/** The `warmPool` option of a DockerRunner (off when absent). */
export interface WarmPoolOptions {
  /** Images to keep warm, e.g. `['localhost/light-sh', 'localhost/light-node']`; a request must name one exactly. */
  images: string[];
  /** Parked containers per image. @default 2 */
  size?: number;
  /** A parked container older than this is replaced (picks up a re-tagged image). @default 300000 */
  maxIdleMs?: number;
}

/** {@link WarmPoolOptions} with defaults applied. */
export interface ResolvedWarmPool {
  images: string[];
  size: number;
  maxIdleMs: number;
}

export const DEFAULT_WARM_POOL_SIZE = 2;
export const DEFAULT_WARM_POOL_MAX_IDLE_MS = 300_000;

/** Validates the option; throws InvalidRequestError naming the field. */
export function resolveWarmPool(options: WarmPoolOptions): ResolvedWarmPool {
  if (!Array.isArray(options.images) || options.images.length === 0) {
    throw new InvalidRequestError('warmPool.images', 'must name at least one image');
  }
  for (const image of options.images) {
    if (typeof image !== 'string' || !/^[^\s\0]+$/.test(image)) {
      throw new InvalidRequestError('warmPool.images', `${JSON.stringify(image)} is not an image name`);
    }
  }
  const size = options.size ?? DEFAULT_WARM_POOL_SIZE;
  if (!Number.isInteger(size) || size <= 0) {
    throw new InvalidRequestError('warmPool.size', 'must be a positive integer');
  }
  const maxIdleMs = options.maxIdleMs ?? DEFAULT_WARM_POOL_MAX_IDLE_MS;
  if (!Number.isFinite(maxIdleMs) || maxIdleMs <= 0) {
    throw new InvalidRequestError('warmPool.maxIdleMs', 'must be a positive number');
  }
  return { images: [...new Set(options.images)], size, maxIdleMs };
}
