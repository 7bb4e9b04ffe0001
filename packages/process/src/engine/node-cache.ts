import { createHash } from 'node:crypto';
import type { CachePolicy } from '../definition/definitions.ts';
import { parseDurationMs } from '../definition/units.ts';
import type { RunBody } from '../definition/wire-types.ts';

/** One recorded success of a memoized node. */
export interface NodeCacheEntry {
  /** See `nodeCacheKey`. */
  key: string;
  workflowId: string;
  nodeId: string;
  output: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; the entry is not reused from then on. */
  expiresAt: string;
}

/**
 * Where memoized node outputs live (the port the engine asks; `NodeCacheStore` of
 * `light-process/server` keeps them in SQLite). `get` answers only unexpired entries.
 */
export interface NodeCache {
  get(key: string): NodeCacheEntry | undefined | Promise<NodeCacheEntry | undefined>;
  put(entry: NodeCacheEntry): void | Promise<void>;
}

/** Milliseconds of a `cache.ttl` (a duration such as `24h`, or milliseconds). */
export function cacheTtlMs(policy: CachePolicy): number {
  return typeof policy.ttl === 'number' ? policy.ttl : (parseDurationMs(policy.ttl) ?? 0);
}

/**
 * The cache key of a node run: a SHA-256 over everything that can change its result: the image
 * (its image ID when the runner can resolve it, else the reference as written), the files
 * (content, encoding, mode), setup, entrypoint, workdir, the input, and the environment values
 * (`env` and `providesEnv`, resolved) which enter only as their own SHA-256. Objects are
 * serialized with sorted keys, so key order never matters. Not in it: networks, timeout,
 * retry (they do not change what a successful run outputs).
 */
export function nodeCacheKey(body: RunBody, imageId: string | undefined): string {
  const material = {
    v: 1,
    image: imageId ?? body.image,
    files: body.files,
    setup: body.setup ?? [],
    entrypoint: body.entrypoint ?? null,
    workdir: body.workdir ?? null,
    input: body.input ?? null,
    env: sha256(canonicalJson(body.env ?? {})),
  };
  return sha256(canonicalJson(material));
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
