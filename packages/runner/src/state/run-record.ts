import { z } from 'zod';
import type { Artifact, RunFailure, RunStatus } from '../types.ts';

/** The persisted state of one run: `<stateDir>/<id>.json`. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  image: string;
  /** Whether the run was started detached (re-attachable by another process). */
  detached: boolean;
  /** ISO-8601 times. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  durationMs: number | null;
  artifacts: Artifact[];
  error?: RunFailure;
  containerId?: string;
  /** Absolute workdir, so whoever finalizes maps artifact paths the same way. */
  workdir?: string;
  /** Container paths to copy out after a successful exit. */
  extract?: string[];
  /** Workdir-relative artifact globs to copy out after a successful exit. */
  artifactGlobs?: string[];
  /** The run's timeout; a re-attached handle keeps enforcing it. */
  timeoutMs?: number;
  /** Owner label value. */
  owner?: string;
  /** A stop asked for by some process; whoever finalizes reports this status. */
  requested?: 'cancelled' | 'timeout';
  /** Swarm backend: hostname of the node that ran the task. */
  node?: string;
}

const statusSchema = z.enum(['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled', 'timeout']);

/** Validates records read back from disk. */
export const runRecordSchema = z.object({
  id: z.string().min(1),
  status: statusSchema,
  image: z.string(),
  detached: z.boolean(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  artifacts: z.array(z.object({ path: z.string(), bytes: z.number(), type: z.string() })),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  containerId: z.string().optional(),
  workdir: z.string().optional(),
  extract: z.array(z.string()).optional(),
  artifactGlobs: z.array(z.string()).optional(),
  timeoutMs: z.number().optional(),
  owner: z.string().optional(),
  requested: z.enum(['cancelled', 'timeout']).optional(),
  node: z.string().optional(),
}) satisfies z.ZodType<RunRecord>;

/** True for statuses after which a record no longer changes. */
export function isTerminal(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'timeout';
}
