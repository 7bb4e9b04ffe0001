import type { Readable } from 'node:stream';
import { asRunnerError, asStepError, ContainerError } from '../errors.ts';
import { pumpLogs } from '../logs/pump-logs.ts';
import { watchDisk } from '../run/disk-watch.ts';
import type { Execution } from '../run/execution.ts';
import { finalize, type Outcome } from '../run/finalize.ts';
import { initialRecord, launch } from '../run/launch.ts';
import type { RunContext } from '../run/run-context.ts';
import type { ValidRequest } from '../run/validate-request.ts';
import type { RunResult } from '../types.ts';
import { raceTimeout } from '../util/race-timeout.ts';
import { type PoolEntry, packPooled } from './pool-entry.ts';
import type { WarmPool } from './warm-pool.ts';

/** How long the log stream may trail the container's exit before it is cut (as on the cold path). */
const LOG_DRAIN_MS = 5_000;

/**
 * Serves a request (whose id is the entry's) from a parked container: one upload at `/`
 * (files under the workdir + the entry script), record, timeout, release through stdin
 * (a newline, then the JSON input if any, then EOF), wait, and the cold path's finalize.
 * A container whose image was re-tagged since it was parked is removed and the request
 * takes the cold path under the same id.
 */
export async function launchPooled(
  ctx: RunContext,
  exec: Execution,
  req: ValidRequest,
  entry: PoolEntry,
  pool: WarmPool,
): Promise<RunResult> {
  const current = await pool.inspectImage(req.image).catch(() => undefined);
  if (current !== entry.imageId || !entry.alive) {
    await pool.discard(entry);
    return launch(ctx, exec, req);
  }
  const base = initialRecord(ctx, req);
  const writes: Promise<unknown>[] = [ctx.store.write(base)];
  const state: Outcome = {
    containerId: entry.containerId,
    exitCode: null,
    startedAt: null,
    finishedAt: '',
  };
  exec.containerCreated(entry.containerId);
  try {
    await drive(ctx, exec, req, entry, state, writes);
  } catch (err) {
    state.failure = asRunnerError(
      err,
      (detail) => new ContainerError('START_FAILED', detail, { runId: req.id }, err),
    );
  }
  state.finishedAt = new Date().toISOString();
  exec.containerExited();
  try {
    await Promise.all(writes);
  } catch (err) {
    await ctx.engine.remove(entry.containerId);
    throw err;
  }
  return finalize(ctx, exec, base, state);
}

async function drive(
  ctx: RunContext,
  exec: Execution,
  req: ValidRequest,
  entry: PoolEntry,
  state: Outcome,
  writes: Promise<unknown>[],
): Promise<void> {
  const { engine } = ctx;
  const { containerId, stream } = entry;
  const output = stream as unknown as Readable;
  try {
    if (exec.stopReason) return;
    try {
      await engine.putArchive(containerId, '/', packPooled(req));
    } catch (err) {
      throw asStepError(err, 'COPY_IN_FAILED', { runId: req.id });
    }
    if (exec.stopReason) return;
    state.startedAt = new Date().toISOString();
    const startedAt = state.startedAt;
    writes.push(ctx.store.update(req.id, (r) => ({ ...r, startedAt, containerId })));
    if (req.timeoutMs > 0) exec.armTimeout(req.timeoutMs);
    if (exec.stopReason) await engine.kill(containerId, 'SIGKILL');

    const logs = pumpLogs(output, (line) => exec.emit(line));
    // The parked `read` takes the first line only; the program gets the rest, then EOF.
    stream.write('\n');
    if (req.stdin !== undefined) stream.end(req.stdin);
    else stream.end();
    // The disk cap holds for pooled runs as for cold ones (a no-op under the engine's quota).
    const unwatch = watchDisk(ctx, exec, containerId);
    const exit = await engine.wait(containerId, 'not-running').finally(unwatch);
    state.exitCode = exit.exitCode;
    exec.containerExited();
    if (await raceTimeout(logs, LOG_DRAIN_MS)) {
      output.destroy();
      await logs;
    }
  } finally {
    output.destroy();
  }
}
