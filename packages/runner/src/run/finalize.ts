import { engineStatus } from '../engine/engine.ts';
import { asRunnerError, ContainerError, type LightRunnerError } from '../errors.ts';
import { isTerminal, type RunRecord } from '../state/run-record.ts';
import type { Artifact, RunFailure, RunResult, TerminalStatus } from '../types.ts';
import { diskLimitFailure, diskQuotaFailure, quotaSlackBytes } from './disk-watch.ts';
import type { Execution } from './execution.ts';
import { extractArtifacts } from './extract-artifacts.ts';
import type { RunContext } from './run-context.ts';

/** How the container part of a run ended, as the pipeline saw it. */
export interface Outcome {
  containerId: string | undefined;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string;
  /** A failure of the pipeline itself (create, start, copy in...). */
  failure?: LightRunnerError;
}

/** Exit code of a process killed by SIGKILL, which the OOM killer sends. */
const SIGKILL_EXIT = 137;
/** Exit code of a process ended by SIGTERM, which `docker stop` and an engine shutdown send. */
const SIGTERM_EXIT = 143;

/** The public result shape of a finished record. */
export function resultOf(record: RunRecord): RunResult {
  const result: RunResult = {
    id: record.id,
    status: record.status as TerminalStatus,
    exitCode: record.exitCode,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? new Date().toISOString(),
    durationMs: record.durationMs ?? 0,
    artifacts: record.artifacts,
  };
  if (record.error) result.error = record.error;
  return result;
}

/**
 * Ends a run exactly once across processes: the first to take the state dir's lock
 * decides the status, copies artifacts out, writes the terminal record and removes the
 * container; any other waits for the container's removal and reads that record.
 */
export async function finalize(
  ctx: RunContext,
  exec: Execution,
  base: RunRecord,
  outcome: Outcome,
): Promise<RunResult> {
  let claimed: boolean;
  try {
    claimed = await ctx.store.claimFinalize(base.id);
  } catch (err) {
    // The lock could not be written (a full disk): nobody will finalize, so the container goes now.
    if (outcome.containerId) await removeContainer(ctx, outcome.containerId);
    throw err;
  }
  if (!claimed) return awaitOtherFinalizer(ctx, base, outcome);
  let record: RunRecord;
  try {
    const current = (await ctx.store.read(base.id)) ?? base;
    if (isTerminal(current.status)) {
      await ctx.store.releaseFinalize(base.id);
      return resultOf(current);
    }
    record = await decide(ctx, exec, current, outcome);
    await ctx.store.write(record);
  } catch (err) {
    if (outcome.containerId) await removeContainer(ctx, outcome.containerId);
    await ctx.store.releaseFinalize(base.id);
    throw err;
  }
  // The terminal record is on disk: releasing the lock and removing the container can
  // overlap (a later claimant reads that record; a waiter reads it once the container is gone).
  await Promise.all([
    ctx.store.releaseFinalize(base.id),
    outcome.containerId ? removeContainer(ctx, outcome.containerId) : undefined,
  ]);
  return resultOf(record);
}

async function decide(
  ctx: RunContext,
  exec: Execution,
  current: RunRecord,
  outcome: Outcome,
): Promise<RunRecord> {
  const requested = exec.stopReason ?? current.requested;
  let status: TerminalStatus;
  let error: RunFailure | undefined;
  let artifacts: Artifact[] = [];
  const overDisk =
    requested || outcome.failure ? undefined : (exec.breach ?? (await diskFailure(ctx, outcome.containerId)));
  if (overDisk) {
    status = 'failed';
    error = overDisk;
  } else if (requested) {
    status = requested;
    if (requested === 'timeout') {
      error = {
        code: 'TIMEOUT',
        message: `run exceeded its timeout of ${current.timeoutMs ?? 0} ms and was killed`,
      };
    }
  } else if (outcome.failure) {
    status = 'failed';
    error = { code: outcome.failure.code, message: outcome.failure.message };
  } else if (outcome.exitCode === 0) {
    status = 'succeeded';
  } else {
    status = 'failed';
    if ((outcome.exitCode === SIGKILL_EXIT || outcome.exitCode === SIGTERM_EXIT) && outcome.containerId)
      error = await killFailure(ctx, outcome.containerId, outcome.exitCode);
  }
  const wanted = (current.extract?.length ?? 0) + (current.artifactGlobs?.length ?? 0);
  if (status === 'succeeded' && outcome.containerId && wanted > 0) {
    try {
      artifacts = await extractArtifacts(
        ctx,
        current.id,
        outcome.containerId,
        current.extract ?? [],
        current.workdir ?? '/app',
        current.artifactGlobs ?? [],
      );
    } catch (err) {
      const failure = asRunnerError(
        err,
        (detail) => new ContainerError('COPY_OUT_FAILED', detail, { runId: current.id }),
      );
      status = 'failed';
      error = { code: failure.code, message: failure.message };
    }
  }
  const finishedAt = outcome.finishedAt;
  const startedAt = outcome.startedAt ?? current.startedAt;
  const record: RunRecord = {
    ...current,
    status,
    startedAt,
    finishedAt,
    exitCode: outcome.exitCode,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt ?? current.createdAt)),
    artifacts,
  };
  if (error) record.error = error;
  else delete record.error;
  return record;
}

/**
 * Why a container ended with 137 (SIGKILL) or 143 (SIGTERM) although nobody here asked for
 * it: the memory limit, a kill or stop from outside (`docker kill`, an engine restart), or its
 * removal from outside.
 */
async function killFailure(ctx: RunContext, containerId: string, exitCode: number): Promise<RunFailure> {
  const info = await ctx.engine.inspect(containerId);
  if (!info) {
    return {
      code: 'CONTAINER_LOST',
      message: 'the container was removed from outside light-runner while the run was in flight',
    };
  }
  if (exitCode === SIGTERM_EXIT) {
    return {
      code: 'KILLED',
      message:
        'the container was stopped by a SIGTERM (exit 143) that no cancel or timeout sent: `docker stop` from outside, or the Docker engine shutting down or restarting',
    };
  }
  if (info.State.OOMKilled) {
    return {
      code: 'OUT_OF_MEMORY',
      message: `the container was killed for exceeding its memory limit of ${ctx.options.memoryBytes} bytes`,
    };
  }
  return {
    code: 'KILLED',
    message:
      'the container was killed by SIGKILL (exit 137) without a cancel, timeout or memory limit: e.g. `docker kill` from outside',
  };
}

/**
 * A run that wrote more than the disk limit fails, even if its command then exited 0; under
 * a quota, so does one whose writable layer reached the quota (its writes past it failed,
 * whether or not the command noticed).
 */
async function diskFailure(
  ctx: RunContext,
  containerId: string | undefined,
): Promise<RunFailure | undefined> {
  if (!containerId) return undefined;
  const limit = ctx.options.diskBytes;
  try {
    const bytes = await ctx.engine.writableBytes(containerId);
    if (bytes === undefined) return undefined;
    const quota = ctx.diskQuota.current()?.mode === 'quota';
    // Unmeasurable under a quota: btrfs cannot size a layer that sits at its quota.
    if (bytes < 0) return quota ? diskQuotaFailure(undefined, limit) : undefined;
    if (bytes >= limit) return diskLimitFailure(bytes, limit);
    if (quota && bytes >= limit - quotaSlackBytes(limit)) return diskQuotaFailure(bytes, limit);
    return undefined;
  } catch (err) {
    // The run's own outcome stands; the watcher bounded it while it ran.
    ctx.options.log(`light-runner: measuring the disk use of ${containerId} failed: ${String(err)}`);
    return undefined;
  }
}

/** Removal attempts; a busy storage driver can refuse a removal for a moment. */
const REMOVE_ATTEMPTS = 3;
const REMOVE_RETRY_MS = 250;

async function removeContainer(ctx: RunContext, containerId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.engine.remove(containerId);
      return;
    } catch (err) {
      if (attempt >= REMOVE_ATTEMPTS || engineStatus(err) === undefined) {
        // The run's outcome stands; the next run (or reapOrphans()) removes the container.
        ctx.leftovers.add(containerId);
        ctx.options.log(`light-runner: could not remove container ${containerId}: ${String(err)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS * attempt));
    }
  }
}

async function awaitOtherFinalizer(ctx: RunContext, base: RunRecord, outcome: Outcome): Promise<RunResult> {
  if (outcome.containerId) {
    try {
      await ctx.engine.wait(outcome.containerId, 'removed');
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
    }
  }
  const record = await ctx.store.read(base.id);
  if (record && isTerminal(record.status)) return resultOf(record);
  return resultOf({
    ...(record ?? base),
    status: 'failed',
    finishedAt: outcome.finishedAt,
    exitCode: outcome.exitCode,
    error: {
      code: 'CONTAINER_LOST',
      message: `run ${base.id} was being finalized by another process that vanished`,
    },
  });
}
