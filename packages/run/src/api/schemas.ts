import { fileTreeProblem, MAX_FILE_MODE, relativePathProblem } from 'light-runner';
import { z } from 'zod';

// The wire shapes of light-run's HTTP API. light-run owns them; light-process imports
// the inferred types (type-only) and validates what it receives on its own side.

/** `..` as a segment between slashes or backslashes. */
const DOT_DOT = /(?:^|[\\/])\.\.(?:[\\/]|$)/;

/**
 * Relative file path: light-runner's rule (not empty, no leading `/`, no `..`, no NUL,
 * segments of at most 255 bytes, naming a file rather than `.`), at most 1024 characters,
 * and no `..` between backslashes either.
 */
export const relativePath = z.string().superRefine((p, ctx) => {
  const issue =
    p.length > 1024
      ? 'must be at most 1024 characters'
      : DOT_DOT.test(p)
        ? "must not contain '..'"
        : relativePathProblem(p);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
const noNul = (s: string) => !s.includes('\0');

/** File content: text, or `{content, encoding: 'base64'}` for binary. */
export const fileContent = z
  .union([
    z.string(),
    z.object({
      content: z.string(),
      encoding: z.enum(['utf8', 'base64']).default('utf8'),
      /** Permission bits; setuid, setgid and sticky (0o7000) are dropped when the file is written. */
      mode: z.number().int().min(0).max(MAX_FILE_MODE).optional(),
    }),
  ])
  .refine(
    (f) =>
      typeof f === 'string' ||
      f.encoding !== 'base64' ||
      (f.content.length % 4 === 0 && base64.test(f.content)),
    'is not valid base64',
  );

/**
 * The files of a run, with light-runner's own rule over the whole set: no two keys for one
 * file, no path that is both a file and a directory, `.` names no file, at most
 * `MAX_FILES` files and `MAX_DIRECTORIES` directories.
 */
const runFiles = z.record(relativePath, fileContent).superRefine((files, ctx) => {
  const problem = fileTreeProblem(Object.keys(files));
  if (problem) {
    ctx.addIssue({
      code: 'custom',
      path: problem.key === undefined ? [] : [problem.key],
      message:
        problem.key === undefined ? problem.message : `${JSON.stringify(problem.key)} ${problem.message}`,
    });
  }
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names must match [A-Za-z_][A-Za-z0-9_]*');
const networkName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name');
const absolutePath = z
  .string()
  .startsWith('/', 'must be an absolute container path')
  .max(1024)
  .refine((p) => !p.includes('\0'), 'must not contain NUL bytes')
  .refine((p) => !p.split('/').includes('..'), "must not contain '..'");

/** A lease id as `POST /leases` answered it. */
const leaseId = z.string().min(1).max(128);

/** An id `POST /uploads` answered, or a run id (letters, digits, `-`). */
const storeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/, 'must be 1-128 letters, digits or dashes');

/**
 * Another run's artifacts copied into this run's container (streamed tar, from light-run's
 * artifact store): the artifacts of `fromRun` whose paths match `paths` (globs), placed at
 * `<workdir>/<to>/<their path>`. A glob that matches none of them is a 400.
 */
export const runMount = z
  .object({
    fromRun: storeId,
    paths: z.array(relativePath).min(1).max(64),
    /** Directory relative to the workdir; '' is the workdir itself. */
    to: z.union([z.literal(''), relativePath]),
  })
  .strict();
/** One mount of a `POST /run` body. */
export type RunMount = z.infer<typeof runMount>;

/** Body of `POST /run`. */
export const runBody = z
  .object({
    // The same checks the runner makes, so a body it would refuse is a 400 here, not a failed run.
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s\0]+$/, 'must not contain whitespace or NUL'),
    files: runFiles.default({}),
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
    /**
     * Globs relative to the workdir (`report.pdf`, `out/*.csv`) kept as artifacts after a
     * successful exit; one that matches no regular file, or matches a symlink, fails the run.
     */
    artifacts: z.array(relativePath).max(64).optional(),
    /** Artifacts of finished runs copied in before start (see {@link runMount}). */
    mounts: z.array(runMount).max(64).optional(),
    /** An upload (`POST /uploads`) whose files are placed in the workdir, after `files`. */
    upload: storeId.optional(),
    detached: z.boolean().optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    callbackSecret: z.string().min(1).max(1024).optional(),
    /** Ties the run to a lease: when the lease expires or is released, the run is cancelled. */
    lease: leaseId.optional(),
    /** A long-lived run (a workflow's sidecar): implies detached, never waits in the run queue, capped by `--max-services`. */
    service: z.boolean().optional(),
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
  /** Swarm backend: hostname of the swarm node that runs (or ran) the task, once placed. */
  node: z.string().optional(),
});
/** A run's state on the wire. */
export type RunState = z.infer<typeof runState>;

/** Response of `POST /uploads` (201) and `GET /uploads/:id`: the upload's id, file count and size. */
export const uploadState = z.object({
  id: z.string(),
  files: z.number(),
  bytes: z.number(),
  createdAt: z.string(),
});
/** An upload on the wire. */
export type UploadState = z.infer<typeof uploadState>;

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

/**
 * Response of `GET /info`: the settings this light-run applies to every run, defaults
 * included (sizes in bytes, times in milliseconds), and what the host enforces.
 */
export const infoState = z.object({
  version: z.string(),
  backend: z.enum(['docker', 'swarm']),
  /** Swarm backend only: the registry nodes pull from, and every node of the cluster. */
  swarm: z
    .object({
      registry: z.string().nullable(),
      nodes: z.array(
        z.object({
          hostname: z.string(),
          role: z.enum(['manager', 'worker']),
          state: z.string(),
          availability: z.string(),
          engine: z.string(),
        }),
      ),
    })
    .optional(),
  maxConcurrent: z.number(),
  /** Services (long-running runs) at once, apart from the run queue. */
  maxServices: z.number(),
  /** Retention: finished runs kept at most, and for how long (ms). */
  keepRuns: z.number(),
  keepForMs: z.number(),
  /** Networks runs may join although light-run did not create them. */
  allowNetworks: z.array(z.string()),
  /** Host names requests may address besides the bound interface. */
  allowedHosts: z.array(z.string()),
  /** Caps of every container: memory and writable-layer bytes, CPUs, processes. */
  limits: z.object({ memoryBytes: z.number(), cpus: z.number(), pids: z.number(), diskBytes: z.number() }),
  /** OCI runtime of every container; null: the engine's default (runc). */
  runtime: z.enum(['runc', 'runsc']).nullable(),
  /** GPUs given to every container; null: none. */
  gpus: z.union([z.literal('all'), z.number()]).nullable(),
  bodyLimitBytes: z.number(),
  /** Largest single extracted file. */
  maxExtractBytes: z.number(),
  artifactStoreBytes: z.number(),
  /** Warm pool images and parked containers per image; null: off. */
  warmPool: z.object({ images: z.array(z.string()), size: z.number() }).nullable(),
  /** How the host holds the limits, as the runner probed it. */
  enforcement: z.object({
    disk: z.object({ mode: z.enum(['quota', 'watch']), detail: z.string() }),
    hostFirewall: z.object({ enforced: z.boolean(), detail: z.string() }),
  }),
});
/** Body of `GET /info`. */
export type InfoState = z.infer<typeof infoState>;

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
    /** Ties the network to a lease: it is removed once the lease expires or is released (after the lease's runs ended). */
    lease: leaseId.optional(),
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

/** Body of `POST /leases`: how long, in ms, the lease lives without a renewal. */
export const leaseBody = z
  .object({
    /** Milliseconds between renewals before the lease expires. @default 30000 */
    ttlMs: z.number().int().min(1000).max(600_000).default(30_000),
  })
  .strict();
/** A `POST /leases` body as a client writes it. */
export type LeaseBody = z.input<typeof leaseBody>;

/** Response of `POST /leases` (201) and `POST /leases/:id/renew` (200). */
export const leaseState = z.object({ id: z.string(), ttlMs: z.number(), expiresAt: z.string() });
/** A lease on the wire: `expiresAt` is an ISO time. */
export type LeaseState = z.infer<typeof leaseState>;

/** The one error shape every route answers with: a catalogue code, a message naming the subject, details. */
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
/** The one error shape every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
