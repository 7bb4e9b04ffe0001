import { z } from 'zod';

// light-process's own view of light-run's responses. The types come from light-run
// (`import type`); these schemas check, on this side of the wire, what actually arrived.
// They accept unknown extra fields so that a newer light-run stays compatible.

/** A run state as `POST /run` and `GET /runs/:id` answer it. */
export const runStateResponse = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled', 'timeout']),
  exitCode: z.number().nullable().optional(),
  startedAt: z.string().nullable().optional(),
  finishedAt: z.string().nullable().optional(),
  durationMs: z.number().nullable().optional(),
  artifacts: z.array(z.looseObject({ path: z.string(), bytes: z.number(), type: z.string() })).default([]),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
});
/** A validated run state. */
export type RunStateResponse = z.infer<typeof runStateResponse>;

/** Statuses after which a run never changes again. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'timeout',
]);

/** `GET /health`. */
export const healthResponse = z.looseObject({
  status: z.enum(['ok', 'unavailable']),
  docker: z.looseObject({ reachable: z.boolean(), version: z.string().nullable().optional() }),
  version: z.string().optional(),
});
/** A validated health answer. */
export type HealthResponse = z.infer<typeof healthResponse>;

/** `GET /info`: the settings the light-run applies to every run (sizes in bytes). */
export const infoResponse = z.looseObject({
  version: z.string(),
  backend: z.string(),
  /** Swarm backend: the cluster's registry and nodes. */
  swarm: z
    .looseObject({
      registry: z.string().nullable(),
      nodes: z.array(
        z.looseObject({
          hostname: z.string(),
          role: z.string(),
          state: z.string(),
          availability: z.string(),
          engine: z.string(),
        }),
      ),
    })
    .optional(),
  maxConcurrent: z.number(),
  maxServices: z.number().optional(),
  keepRuns: z.number().optional(),
  keepForMs: z.number().optional(),
  allowNetworks: z.array(z.string()).optional(),
  limits: z.looseObject({
    memoryBytes: z.number(),
    cpus: z.number(),
    pids: z.number(),
    diskBytes: z.number(),
  }),
  runtime: z.string().nullable(),
  gpus: z.union([z.literal('all'), z.number()]).nullable(),
  bodyLimitBytes: z.number(),
  warmPool: z.looseObject({ images: z.array(z.string()), size: z.number() }).nullable(),
  enforcement: z.looseObject({
    disk: z.looseObject({ mode: z.string(), detail: z.string() }),
    hostFirewall: z.looseObject({ enforced: z.boolean(), detail: z.string() }),
  }),
});
/** A validated `GET /info` answer. */
export type InfoResponse = z.infer<typeof infoResponse>;

/** `GET /images/id`: the engine's ID of an image reference, null when it is not there. */
export const imageIdResponse = z.object({ ref: z.string(), id: z.string().nullable() });

/** One NDJSON log line of `GET /runs/:id/logs`. */
export const logLineResponse = z.looseObject({
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  time: z.string(),
});
/** A validated log line. */
export type LogLineResponse = z.infer<typeof logLineResponse>;

/**
 * One line of `POST /run?stream=ndjson`: `run` (the first state, with the id), `log`,
 * then `end` (the final state and the artifacts inlined in base64).
 */
export const streamLineResponse = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('run'), state: runStateResponse }),
  logLineResponse.extend({ type: z.literal('log') }),
  z.looseObject({
    type: z.literal('end'),
    state: runStateResponse,
    inlined: z.array(z.looseObject({ path: z.string(), base64: z.string() })).default([]),
  }),
]);
/** A validated run-stream line. */
export type StreamLineResponse = z.infer<typeof streamLineResponse>;

/** `POST /networks`. */
/** `GET /runs/:id/artifacts` answer. */
export const artifactListResponse = z.looseObject({
  artifacts: z.array(z.looseObject({ path: z.string(), bytes: z.number(), type: z.string() })),
});

/** `POST /uploads` answer. */
export const uploadResponse = z.looseObject({ id: z.string(), files: z.number(), bytes: z.number() });

export const networkCreatedResponse = z.looseObject({ name: z.string(), created: z.boolean() });
/** `GET /networks/:name`. */
export const networkStateResponse = z.looseObject({ name: z.string(), exists: z.boolean() });
/** `POST /networks/cleanup`. */
export const networkCleanupResponse = z.looseObject({ removed: z.array(z.string()) });

/** The one error body shape of light-run. */
export const errorResponse = z.object({
  error: z.looseObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** `POST /leases` and `POST /leases/:id/renew`. */
export const leaseResponse = z.looseObject({
  id: z.string().min(1),
  ttlMs: z.number().int().positive(),
  expiresAt: z.string(),
});
/** A validated lease answer. */
export type LeaseResponse = z.infer<typeof leaseResponse>;
