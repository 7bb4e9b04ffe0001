import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../errors/validate.ts';
import { bareHost } from './host-check.ts';

/** Options of {@link createLightRunServer}. Sizes in bytes, times in milliseconds. */
export interface LightRunServerOptions {
  /** Directory for run records (`runs/`), logs (`logs/`), artifacts (`artifacts/`) and the runner's state (`runner/`). */
  dataDir: string;
  /** Bearer token every route but `/health` requires. Absent: the API is open (logged loudly at start). */
  token?: string | undefined;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /**
   * Host names (any port) requests may address besides the bound interface (`127.0.0.1`,
   * `localhost`, `[::1]`, `host`, and every interface address when `host` is a wildcard);
   * a request whose `Host` header names anything else is refused with 421 `HOST_NOT_ALLOWED`.
   * List the names clients use when listening beyond loopback. @default []
   */
  allowedHosts?: string[];
  /**
   * Networks runs may join although this light-run did not create them (e.g. `bridge`, or a
   * network made with `docker network create`); `host`, `bridge`, `default` and any network
   * made outside light-run are refused with 400 `NETWORK_NOT_ALLOWED` unless listed. @default []
   */
  allowNetworks?: string[];
  /** Port to listen on; 0 picks a free one. @default 3001 */
  port?: number;
  /** Largest request body accepted; larger ones get 413. @default 10 MiB */
  bodyLimitBytes?: number;
  /** Runs executing at once; more wait as `queued`. @default 4 */
  maxConcurrent?: number;
  /** Services (`service: true` runs) at once; they never take a run-queue slot, and past this cap one is refused with 503 `TOO_MANY_SERVICES`. @default 32 */
  maxServices?: number;
  /** Most runs kept; past it the oldest finished runs are deleted with their logs, artifacts and state. @default 1000 */
  keepRuns?: number;
  /** Finished runs older than this (since they finished), in ms, are deleted with their files. @default 7 days */
  keepForMs?: number;
  /** Cap of the artifact store; past it the artifacts of the oldest finished runs are evicted. @default 1 GiB */
  artifactStoreBytes?: number;
  /** Largest single file a run may extract; a bigger one fails the run with EXTRACT_TOO_LARGE. @default 256 MiB (light-runner's) */
  maxExtractBytes?: number;
  /** Cap of one run's log; past it a marker line is written and later lines are dropped. @default 10 MiB */
  logMaxBytesPerRun?: number;
  /** Longest `?wait=` a client may ask of `GET /runs/:id`. @default 60 000 */
  maxWaitMs?: number;
  /**
   * Resource caps of every container (the runner's defaults apply to those left out);
   * `diskBytes` bounds what one container writes to its filesystem. @default the runner's (disk: 1 GiB)
   */
  limits?: { memoryBytes?: number; cpus?: number; pids?: number; diskBytes?: number };
  /** OCI runtime of every container: `runsc` runs them under gVisor. @default the engine's (runc) */
  runtime?: 'runc' | 'runsc';
  /** GPUs given to every container: `'all'` or a count. @default none */
  gpus?: 'all' | number;
  /** Docker client (a dockerode instance); the runner makes its own when absent. */
  docker?: object;
  /**
   * Where runs go: `docker`, containers on the engine itself; `swarm`, each run a job-mode
   * service of the Docker Swarm the engine manages (see README, "Swarm backend"). @default 'docker'
   */
  backend?: 'docker' | 'swarm';
  /**
   * Swarm backend: `host:port` of the registry every node pulls from; images of the
   * manager's engine are pushed there before their first run. @default none
   */
  registry?: string;
  /**
   * light-runner's warm pool: containers started ahead per image (`size` each, default 2)
   * and parked, so an eligible run skips the container start. @default off
   */
  warmPool?: { images: string[]; size?: number; maxIdleMs?: number };
  /**
   * Owner label value on every container this light-run starts; orphans are reaped only
   * among containers of the same owner. @default `light-run-<hash of dataDir>`, so two
   * instances over different data dirs never reap each other's runs
   */
  owner?: string;
  /**
   * The bridge runs join when they name no network (inter-container traffic off); dropped
   * at close when unused. @default `<owner>-default`, one per instance, so instances never
   * race each other creating or removing a shared one
   */
  defaultNetwork?: string;
  /**
   * This instance belongs to one client (light-process's all-in-one mode): at shutdown it
   * cancels detached runs too and removes the containers and networks it created, instead
   * of leaving them for a next start to re-attach. @default false
   */
  ephemeral?: boolean;
  /** Pauses between callback attempts. @default [1000, 5000, 15000] */
  callbackRetryDelaysMs?: number[];
  /** Time allowed for one callback attempt. @default 10 000 */
  callbackTimeoutMs?: number;
  /**
   * Where operational messages go (one line each), light-runner's included: the one logger
   * of the instance. The library writes nowhere by itself; the `light-run` bin passes a line
   * on stderr. @default discarded
   */
  log?: (line: string) => void;
}

const positiveInt = z.number().int().positive();

const optionsSchema = z
  .object({
    dataDir: z.string().min(1),
    token: z.string().min(1).optional(),
    host: z.string().min(1).default('127.0.0.1'),
    allowedHosts: z
      .array(
        z.string().refine((h) => bareHost(h) !== undefined, 'must be a host name or address, without a port'),
      )
      .default([]),
    allowNetworks: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name'))
      .default([]),
    port: z.number().int().min(0).max(65535).default(3001),
    bodyLimitBytes: positiveInt.default(10 * 1024 * 1024),
    maxConcurrent: positiveInt.max(1024).default(4),
    maxServices: positiveInt.max(4096).default(32),
    keepRuns: positiveInt.default(1000),
    keepForMs: positiveInt.default(7 * 24 * 3600 * 1000),
    artifactStoreBytes: z
      .number()
      .int()
      .min(0)
      .default(1024 ** 3),
    maxExtractBytes: positiveInt.optional(),
    logMaxBytesPerRun: positiveInt.default(10 * 1024 * 1024),
    maxWaitMs: positiveInt.default(60_000),
    limits: z
      .object({
        memoryBytes: positiveInt.optional(),
        cpus: z.number().positive().optional(),
        pids: positiveInt.optional(),
        diskBytes: positiveInt.optional(),
      })
      .strict()
      .optional(),
    runtime: z.enum(['runc', 'runsc']).optional(),
    gpus: z.union([z.literal('all'), positiveInt]).optional(),
    warmPool: z
      .object({
        images: z.array(z.string().regex(/^[^\s\0]+$/, 'invalid image name')).min(1),
        size: positiveInt.max(64).optional(),
        maxIdleMs: positiveInt.optional(),
      })
      .strict()
      .optional(),
    backend: z.enum(['docker', 'swarm'], "backend must be 'docker' or 'swarm'").default('docker'),
    registry: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'registry must be host:port, e.g. 127.0.0.1:5000')
      .optional(),
    docker: z
      .custom<object>((v) => typeof v === 'object' && v !== null, 'must be a dockerode instance')
      .optional(),
    owner: z.string().min(1).max(128).optional(),
    defaultNetwork: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'invalid network name')
      .optional(),
    ephemeral: z.boolean().default(false),
    callbackRetryDelaysMs: z.array(z.number().int().min(0)).max(20).default([1000, 5000, 15000]),
    callbackTimeoutMs: positiveInt.default(10_000),
    log: z
      .custom<(line: string) => void>((v) => typeof v === 'function', 'must be a function')
      .default(() => () => undefined),
  })
  .strict();

/** Options after validation, with every default applied; frozen. */
export type ResolvedOptions = Readonly<
  z.output<typeof optionsSchema> & { owner: string; defaultNetwork: string }
>;

/** Validates the options once, applies defaults and freezes the result; 400-style errors name the field. */
export function resolveOptions(options: LightRunServerOptions): ResolvedOptions {
  const parsed = parseOrThrow(optionsSchema, options);
  const dataDir = resolve(parsed.dataDir);
  const owner =
    parsed.owner ?? `light-run-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
  if (parsed.limits) Object.freeze(parsed.limits);
  Object.freeze(parsed.callbackRetryDelaysMs);
  Object.freeze(parsed.allowedHosts);
  Object.freeze(parsed.allowNetworks);
  const defaultNetwork = parsed.defaultNetwork ?? `${owner}-default`;
  return Object.freeze({ ...parsed, dataDir, owner, defaultNetwork });
}
