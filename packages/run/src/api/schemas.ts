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

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
const noNul = (s: string) => !s.includes('\0');

/** File content: text, or `{content, encoding: 'base64'}` for binary. */
export const fileContent = z
  .union([
    z.string(),
    z.object({
      content: z.string(),
      encoding: z.enum(['utf8', 'base64']).default('utf8'),
      mode: z.number().int().min(0).max(0o777).optional(),
    }),
  ])
  .refine(
    (f) =>
      typeof f === 'string' ||
      f.encoding !== 'base64' ||
      (f.content.length % 4 === 0 && base64.test(f.content)),
    'is not valid base64',
  );

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
    // The same checks the runner makes, so a body it would refuse is a 400 here, not a failed run.
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s\0]+$/, 'must not contain whitespace or NUL'),
    files: z.record(relativePath, fileContent).default({}),
    entrypoint: z.string().max(65536).refine(noNul, 'must not contain NUL bytes').optional(),
    setup: z
      .union([
        z.string().refine(noNul, 'must not contain NUL bytes'),
        z.array(z.string().refine(noNul, 'must not contain NUL bytes')),
      ])
      .optional(),
    input: z.unknown().optional(),
    /** Milliseconds; 0 = no timeout. */
    timeout: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600 * 1000)
      .optional(),
    networks: z
      .array(networkName)
      .max(16)
      .refine((n) => !n.includes('none') || n.length === 1, "'none' cannot be combined with other networks")
      .optional(),
    workdir: absolutePath.optional(),
    env: z.record(envName, z.string().max(131072).refine(noNul, 'must not contain NUL bytes')).optional(),
    extract: z.array(absolutePath).max(64).optional(),
    detached: z.boolean().optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    callbackSecret: z.string().min(1).max(1024).optional(),
  })
  .strict();
/** A `POST /run` body as a client writes it (defaults not yet applied). */
export type RunBody = z.input<typeof runBody>;

/** Status of a run: `queued`, `running` and `paused` are live; the rest are terminal. */
export const runStatus = z.enum([
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
  'timeout',
]);
/** One run status. */
export type RunStatusWire = z.infer<typeof runStatus>;

/** One extracted file: its path (workdir-relative when under the workdir), size and media type. */
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
  /** Set when the artifacts were evicted to keep the artifact store under its cap (then `artifacts` is empty). */
  artifactsEvicted: z.boolean().optional(),
});
/** A run's state on the wire. */
export type RunState = z.infer<typeof runState>;

/** Response of `GET /runs`: newest first. */
export const runList = z.object({ runs: z.array(runState) });
/** Body of `GET /runs`. */
export type RunList = z.infer<typeof runList>;

/** Response of `GET /runs/:id/artifacts`. */
export const artifactList = z.object({ artifacts: z.array(artifactInfo) });
/** Body of `GET /runs/:id/artifacts`. */
export type ArtifactList = z.infer<typeof artifactList>;
/** One artifact on the wire. */
export type ArtifactInfo = z.infer<typeof artifactInfo>;

/** One log line as `GET /runs/:id/logs?format=ndjson` streams it (one JSON object per line). */
export const logLine = z.object({ stream: z.enum(['stdout', 'stderr']), line: z.string(), time: z.string() });
/** One NDJSON log line. */
export type LogLineWire = z.infer<typeof logLine>;

/** Response of `GET /health` (200 when the engine answers, 503 when it does not). */
export const healthState = z.object({
  status: z.enum(['ok', 'unavailable']),
  docker: z.object({ reachable: z.boolean(), version: z.string().nullable() }),
  version: z.string(),
});
/** Body of `GET /health`. */
export type HealthState = z.infer<typeof healthState>;

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
/** A `POST /runs/:id/stop` body: `grace` in milliseconds. */
export type StopBody = z.input<typeof stopBody>;

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
/** A `POST /networks` body as a client writes it. */
export type NetworkBody = z.input<typeof networkBody>;

/** Response of `POST /networks` (201; `created: false` when it already existed). */
export const networkCreated = z.object({ name: z.string(), created: z.boolean() });
/** Body of the `POST /networks` answer. */
export type NetworkCreated = z.infer<typeof networkCreated>;

/** Response of `GET /networks/:name`. */
export const networkState = z.object({ name: z.string(), exists: z.boolean() });
/** Body of `GET /networks/:name`. */
export type NetworkState = z.infer<typeof networkState>;

/** Body of `POST /networks/cleanup`. */
export const networkCleanupBody = z
  .object({ prefix: z.string().max(128).optional(), maxAgeMs: z.number().int().min(0).optional() })
  .strict();
/** A `POST /networks/cleanup` body. */
export type NetworkCleanupBody = z.input<typeof networkCleanupBody>;

/** Response of `POST /networks/cleanup`: the names of the networks removed. */
export const networkCleanupResult = z.object({ removed: z.array(z.string()) });
/** Body of the `POST /networks/cleanup` answer. */
export type NetworkCleanupResult = z.infer<typeof networkCleanupResult>;

/** The one error shape every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
