import { engineStatus } from '../engine/engine.ts';
import { asRunnerError, ContainerError, type LightRunnerError } from '../errors.ts';
import { isTerminal, type RunRecord } from '../state/run-record.ts';
import type { Artifact, RunFailure, RunResult, TerminalStatus } from '../types.ts';
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
  if (!(await ctx.store.claimFinalize(base.id))) return awaitOtherFinalizer(ctx, base, outcome);
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
  if (requested) {
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
    if (outcome.exitCode === SIGKILL_EXIT && outcome.containerId)
      error = await oomFailure(ctx, outcome.containerId);
  }
  if (status === 'succeeded' && outcome.containerId && current.extract && current.extract.length > 0) {
    try {
      artifacts = await extractArtifacts(
        ctx,
        current.id,
        outcome.containerId,
        current.extract,
        current.workdir ?? '/app',
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

/** Only a 137 exit costs the inspect that tells an OOM kill from any other SIGKILL. */
async function oomFailure(ctx: RunContext, containerId: string): Promise<RunFailure | undefined> {
  const info = await ctx.engine.inspect(containerId);
  if (!info?.State.OOMKilled) return undefined;
  return {
    code: 'OUT_OF_MEMORY',
    message: `the container was killed for exceeding its memory limit of ${ctx.options.memoryBytes} bytes`,
  };
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
        // The run's outcome stands; the labelled container is left for reapOrphans().
        process.emitWarning(`light-runner: could not remove container ${containerId}: ${String(err)}`);
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
