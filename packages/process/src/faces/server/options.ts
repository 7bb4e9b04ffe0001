import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { LightRunClient } from '../../adapters/light-run/light-run-client.ts';
import { UsageError } from '../../definition/errors.ts';
import { describeIssues, formatIssue } from '../../definition/zod-issues.ts';
import type { EnvPolicy } from '../../engine/env-policy.ts';
import type { StepRunner } from '../../engine/step-runner.ts';
import type { AllowedHosts } from './browser-guard.ts';
import type { ExecuteFunction } from './run-registry.ts';
import type { Clock } from './schedules/clock.ts';
import type { RetentionOptions } from './store/types.ts';

/** What the server needs from light-run: running steps, and cancelling and cleaning up after a crash. */
export type ServerRunner = StepRunner &
  Pick<LightRunClient, 'cancel' | 'cleanupNetworks'> &
  Partial<Pick<LightRunClient, 'listArtifacts' | 'artifactStream'>>;

/** Options of `createLightServer`. */
export interface LightServerOptions {
  /** Folder whose workflows are served; registered workflows are persisted under it. */
  dir: string;
  /** Where containers run: a `LightRunClient` (in all-in-one mode, the one `startLocalLightRun` returns). */
  runner: ServerRunner;
  /** SQLite file of the run history. @default `<dir>/.light/history.db` */
  dbPath?: string;
  /** Require `Authorization: Bearer <apiKey>` on every route but `/health` and the UI. @default none: the API is open */
  apiKey?: string;
  /**
   * Which node `env` names resolve, and from where. Pushed workflows are not the operator's
   * own code: pass an allow-list (`pass: ['NAME']` and/or `prefix: 'LP_ENV_'`), never a
   * plain environment. `LP_API_KEY` and `LIGHT_RUN_TOKEN` never resolve.
   * @default { source: {}, pass: [] } (no name resolves)
   */
  env?: EnvPolicy;
  /**
   * Host names the server answers besides the loopback names (127.0.0.1, localhost, [::1])
   * and the host it listens on; `'*'` answers any (only behind a proxy that checks Host).
   * @default []
   */
  allowedHosts?: AllowedHosts;
  /** Largest request body, in bytes. @default 1048576 (1 MiB) */
  bodyLimitBytes?: number;
  /** Log lines kept per node of a run. @default 1000 */
  logLinesPerNode?: number;
  /** How long finished runs are kept. @default keep all */
  retention?: RetentionOptions;
  /** Folder of the built web UI. @default packages/process/dist/ui */
  uiDir?: string;
  /** Where the server logs (a pino-compatible logger); it warns when the API is open, skips bad workflows... @default silent */
  logger?: FastifyBaseLogger;
  /** Runs a workflow. @default executeWorkflow */
  execute?: ExecuteFunction;
  /**
   * Runs running at once across all workflows (`light serve --max-runs`); the others wait,
   * `queued`, in arrival order. Each workflow's own `concurrency` applies as well.
   * @default unlimited
   */
  maxConcurrentRuns?: number;
  /**
   * Where webhook secrets are read: a trigger's `secretEnv` names a variable of this object
   * (the CLI passes its environment). Those variables never resolve for a node's `env`.
   * @default `env.source`
   */
  secrets?: Readonly<Record<string, string | undefined>>;
  /** The clock of the schedules. @default the system clock */
  clock?: Clock;
}

const scalarOptions = z.object({
  dir: z.string().min(1),
  dbPath: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  bodyLimitBytes: z.number().int().min(1024).optional(),
  logLinesPerNode: z.number().int().min(1).optional(),
  maxConcurrentRuns: z.number().int().min(1).optional(),
  // An env policy, never a plain environment: `env: process.env` would fail here, not pass everything.
  env: z
    .object({
      // process.env is no plain object, so no z.record here.
      source: z.custom<Record<string, string | undefined>>(
        (v) => typeof v === 'object' && v !== null,
        'expected an object',
      ),
      pass: z.union([z.literal('*'), z.array(z.string().min(1))]),
      prefix: z.string().min(1).optional(),
    })
    .strict()
    .optional(),
  allowedHosts: z.union([z.literal('*'), z.array(z.string().min(1))]).optional(),
  retention: z
    .object({ maxAgeMs: z.number().int().min(0).optional(), maxRuns: z.number().int().min(1).optional() })
    .strict()
    .optional(),
});

/** Checks the scalar options once, at the edge; a `UsageError` names the bad one. */
export function checkServerOptions(options: LightServerOptions): void {
  const parsed = scalarOptions.safeParse(options);
  if (parsed.success) return;
  const issue = describeIssues(parsed.error, options)[0];
  throw new UsageError(`invalid light serve option: ${issue ? formatIssue(issue) : 'unknown'}`, {
    ...(issue ? { field: issue.field } : {}),
  });
}
