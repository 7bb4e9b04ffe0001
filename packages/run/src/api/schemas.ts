import { z } from 'zod';

// The wire shapes of light-run's HTTP API. light-run owns them; light-process imports
// the inferred types (type-only) and validates what it receives on its own side.

/** Relative path, no `..`, no NUL, at most 255 bytes per segment and 1024 in all. */
export const relativePath = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((p) => !p.includes('\0'), 'must not contain NUL bytes')
  .refine((p) => !p.startsWith('/'), 'must be relative (no leading /)')
  .refine((p) => !p.split(/[\\/]/).includes('..'), "must not contain '..'")
  .refine(
    (p) => p.split('/').every((s) => Buffer.byteLength(s) <= 255),
    'path segments must be at most 255 bytes',
  );

/** File content: text, or `{content, encoding: 'base64'}` for binary. */
export const fileContent = z.union([
  z.string(),
  z.object({
    content: z.string(),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    mode: z.number().int().min(0).max(0o777).optional(),
  }),
]);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names must match [A-Za-z_][A-Za-z0-9_]*');
const networkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name');
const absolutePath = z
  .string()
  .startsWith('/', 'must be an absolute container path')
  .max(1024)
  .refine((p) => !p.includes('\0'), 'must not contain NUL bytes')
  .refine((p) => !p.split('/').includes('..'), "must not contain '..'");

/** Body of `POST /run`. */
export const runBody = z
  .object({
    image: z.string().min(1).max(512),
    files: z.record(relativePath, fileContent).default({}),
    entrypoint: z.string().max(65536).optional(),
    setup: z.union([z.string(), z.array(z.string())]).optional(),
    input: z.unknown().optional(),
    /** Milliseconds; 0 = no timeout. */
    timeout: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600 * 1000)
      .optional(),
    networks: z.array(networkName).max(16).optional(),
    workdir: absolutePath.optional(),
    env: z.record(envName, z.string().max(131072)).optional(),
    extract: z.array(absolutePath).max(64).optional(),
    detached: z.boolean().optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    callbackSecret: z.string().min(1).max(1024).optional(),
  })
  .strict();
export type RunBody = z.input<typeof runBody>;

export const runStatus = z.enum([
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
  'timeout',
]);
export type RunStatusWire = z.infer<typeof runStatus>;

export const artifactInfo = z.object({ path: z.string(), bytes: z.number(), type: z.string() });

/** A run as `POST /run`, `GET /runs/:id` and the callback describe it. */
export const runState = z.object({
  id: z.string(),
  status: runStatus,
  image: z.string(),
  detached: z.boolean(),
  createdAt: z.string(),
  exitCode: z.number().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  artifacts: z.array(artifactInfo),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type RunState = z.infer<typeof runState>;

/** Body of `POST /runs/:id/stop`. */
export const stopBody = z
  .object({
    signal: z
      .string()
      .regex(/^SIG[A-Z0-9]+$/)
      .optional(),
    grace: z.number().int().min(0).max(600000).optional(),
  })
  .strict();

/** Body of `POST /networks`. */
export const networkBody = z
  .object({
    name: networkName,
    driver: z.literal('bridge').default('bridge'),
    internal: z.boolean().default(false),
    /** Inter-container traffic on this network. @default true (a named network is for talking). */
    icc: z.boolean().default(true),
  })
  .strict();
export type NetworkBody = z.input<typeof networkBody>;

/** Body of `POST /networks/cleanup`. */
export const networkCleanupBody = z
  .object({ prefix: z.string().max(128).optional(), maxAgeMs: z.number().int().min(0).optional() })
  .strict();

/** The one error shape every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
